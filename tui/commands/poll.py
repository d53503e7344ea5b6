"""`newsdeck poll`: poll every enabled feed once (`--once`), or run as a daemon."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from storage.config import Config, database_path
from storage.store import Store
from tui.commands.common import config_of, print_json

if TYPE_CHECKING:  # the poller (httpx, lxml) loads only when a poll runs
    from storage.poller import PollSummary


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--once",
        action="store_true",
        help="poll every enabled feed once, due or not, then exit",
    )
    parser.add_argument(
        "--json", action="store_true", help="with --once: print the result as JSON only"
    )


def run(args: argparse.Namespace) -> int:
    config = config_of(args)
    db_path = database_path(getattr(args, "db", None))
    Store(db_path).close()  # a bad database path fails here, before any network work
    if args.once:
        return poll_once(db_path, config, as_json=args.json)
    return daemon(db_path, config)


def poll_once(db_path: Path, config: Config, *, as_json: bool) -> int:
    from storage.poller import poll_once as poll

    if as_json or not sys.stdout.isatty():
        summary = poll(db_path, config, force=True, parse_process=True)
    else:
        summary = _poll_with_progress(db_path, config, poll)
    if as_json:
        print_json(
            {
                "feeds": [
                    {
                        "url": f.url,
                        "status": f.status,
                        "new": f.new,
                        "updated": f.updated,
                        "error": f.error,
                    }
                    for f in summary.feeds
                ],
                "new_articles": summary.new_articles,
            }
        )
        return 0
    _print_summary(summary)
    return 0


def _poll_with_progress(
    db_path: Path, config: Config, poll: Callable[..., PollSummary]
) -> PollSummary:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(
        TextColumn("polling"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[new]} new articles"),
        transient=True,
    ) as progress:
        task = progress.add_task("poll", total=None, new=0)

        def on_progress(done: int, total: int, new: int) -> None:
            progress.update(task, completed=done, total=total, new=new)

        return poll(db_path, config, force=True, on_progress=on_progress, parse_process=True)


def _print_summary(summary: PollSummary) -> None:
    from rich.console import Console
    from rich.text import Text

    console = Console(highlight=False, soft_wrap=True)
    ok = summary.count("ok") + summary.count("unchanged")
    line = (
        f"{len(summary.feeds)} feeds: {ok} ok, {summary.count('not modified')} not modified, "
        f"{len(summary.failed)} failed; {summary.new_articles} new articles"
    )
    console.print(Text(line))
    for feed in summary.failed:
        console.print(Text(f"  failed  {feed.url}: {feed.error}"))
    for feed in summary.feeds:
        if feed.warning:
            console.print(Text(f"  warning {feed.url}: {feed.warning}"))


def daemon(db_path: Path, config: Config) -> int:
    from storage.poller import run_forever

    logging.basicConfig(format="%(asctime)s %(message)s", level=logging.INFO, stream=sys.stderr)
    # httpx logs every request at INFO: 300 feeds every few minutes would bury the one
    # line per round the log promises (docs/daemon.md).
    logging.getLogger("httpx").setLevel(logging.WARNING)
    log = logging.getLogger("newsdeck.poll")
    log.info("polling %d feeds into %s; Ctrl+C to stop", len(config.feeds), db_path)

    def on_round(summary: PollSummary) -> None:
        if not summary.feeds:
            return
        started = time.strftime("%H:%M:%S")
        log.info(
            "round at %s: %d feeds, %d new articles, %d not modified, %d failed",
            started,
            len(summary.feeds),
            summary.new_articles,
            summary.count("not modified"),
            len(summary.failed),
        )

    run_forever(db_path, config, on_round=on_round)
    log.info("stopped")
    return 0
