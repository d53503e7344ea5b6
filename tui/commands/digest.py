"""`newsdeck digest`: each topic's new articles, grouped by story, as Markdown, HTML or JSON.

Made for cron and mail: `newsdeck digest --since 24h --format html --out today.html`.
The data and the rendering are storage/digest.py; this module reads the options.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from storage.digest import FORMATS, build_digest, render
from storage.query import QueryError, parse_time
from tui.commands.common import open_store


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--topic",
        metavar="NAME",
        action="append",
        help="only this topic (repeat for several; default: every topic)",
    )
    parser.add_argument(
        "--since",
        metavar="WHEN",
        default="24h",
        help="articles first seen since WHEN: 24h, 7d (ago) or a UTC date like 2026-07-01"
        " (default 24h)",
    )
    parser.add_argument(
        "--format", choices=FORMATS, default="md", help="md (default), html or json"
    )
    parser.add_argument("--out", metavar="FILE", help="write to FILE instead of standard output")


def run(args: argparse.Namespace) -> int:
    from tui.cli import UsageError

    now = int(time.time())
    try:
        since, _relative = parse_time(args.since, now)
    except QueryError:
        raise UsageError(
            f"bad --since {args.since!r} (use e.g. 24h, 7d, 2026-07-01 or 2026-07-01T09:00)"
        ) from None
    with open_store(args) as store:
        topic_ids = None
        if args.topic:
            from tui.commands.topics import topic_by_name

            topic_ids = [topic_by_name(store, name).id for name in args.topic]
        digest = build_digest(store, since=since, topic_ids=topic_ids, now=now)
    text = render(digest, args.format)
    if args.out:
        write_file(Path(args.out).expanduser(), text)
    else:
        sys.stdout.write(text)
    for topic in digest.topics:
        if topic.truncated:
            print(
                f"newsdeck: {topic.name}: only the newest {topic.article_count} articles shown",
                file=sys.stderr,
            )
    return 0


def write_file(path: Path, text: str) -> None:
    """Replace `path` whole (a temporary file, then rename): a reader never sees half."""
    from tui.cli import UsageError

    if path.is_dir():
        raise UsageError(f"--out {path}: is a folder")
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError as exc:
        raise UsageError(f"--out {path}: cannot write there: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except OSError as exc:
        Path(temp).unlink(missing_ok=True)
        raise UsageError(f"--out {path}: cannot write: {exc.strerror or exc}") from None
