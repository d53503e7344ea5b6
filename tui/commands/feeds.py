"""`newsdeck feeds`: list feeds; add, remove, import (OPML) and export (OPML) them.

Changes go to the config file through storage.config_edit, which keeps its comments;
the database follows the config the next time any command opens it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from storage.config import FeedConfig, config_path, database_path, url_problem
from storage.listing import iso_utc
from tui.commands.common import config_of, open_store, print_json


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from tui.cli import add_common

    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    add = actions.add_parser("add", help="add a feed (or the feed a web page links to)")
    add.add_argument("url", metavar="URL")
    add.add_argument("--title", metavar="TITLE", help="the name to show for it")
    add.add_argument(
        "--no-discover",
        action="store_true",
        help="add the URL as it is, without fetching it to find the feed",
    )
    remove = actions.add_parser("remove", help="remove a feed from the config (articles stay)")
    remove.add_argument("url", metavar="URL")
    imp = actions.add_parser("import", help="add every feed of an OPML file")
    imp.add_argument("file", metavar="FILE.opml")
    actions.add_parser("export", help="print the config's feeds as OPML 2.0")
    for sub in (add, remove, imp, actions.choices["export"]):
        add_common(sub, suppress=True)


def run(args: argparse.Namespace) -> int:
    action = getattr(args, "action", None)
    if action == "add":
        return add_feed(args)
    if action == "remove":
        return remove_feed(args)
    if action == "import":
        return import_opml(args)
    if action == "export":
        return export_opml(args)
    return list_feeds(args)


def list_feeds(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        feeds = store.feeds()
        counts = store.article_counts_by_feed()
    rows: list[dict[str, Any]] = [
        {
            "url": f.url,
            "title": f.title,
            "state": f.state,
            "last_status": f.last_status,
            "last_error": f.last_error,
            "error_count": f.error_count,
            "articles": counts.get(f.id, 0),
            "next_poll_at": iso_utc(f.next_poll_at) if f.next_poll_at is not None else None,
        }
        for f in feeds
    ]
    if args.json:
        print_json(rows)
        return 0
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from storage.config_template import format_duration

    table = Table(title="Feeds", title_justify="left")
    table.add_column("Feed", overflow="fold")
    table.add_column("State", no_wrap=True)
    table.add_column("Last", justify="right", no_wrap=True)
    table.add_column("Articles", justify="right")
    table.add_column("Every", justify="right", no_wrap=True)  # adaptive: storage/adaptive.py
    table.add_column("Next poll", no_wrap=True)
    for row, feed in zip(rows, feeds, strict=True):
        name = Text(row["title"] or row["url"], style="bold")
        if row["title"]:
            name.append("\n" + row["url"], style="dim")
        if row["last_error"]:
            name.append(f"\n{row['last_error']} (x{row['error_count']})", style="red")
        status = str(row["last_status"]) if row["last_status"] is not None else "-"
        when = (row["next_poll_at"] or "due now").replace("T", " ").replace("Z", "")
        # How often it is polled while all is well: its adaptive interval once polled.
        seconds = feed.effective_interval_s or feed.interval_s
        every = format_duration(seconds) if seconds else "-"
        table.add_row(name, row["state"], status, f"{row['articles']:,}", every, when)
    Console().print(table)
    return 0


def add_feed(args: argparse.Namespace) -> int:
    from storage.config_edit import add_feeds
    from tui.cli import UsageError

    url = args.url.strip()
    problem = url_problem(url)
    if problem:
        raise UsageError(f"feed URL {problem}")
    title = args.title.strip() if args.title else None
    if not args.no_discover and not url.startswith("file:"):
        url, found_title, others = discover(url)
        title = title or found_title
        for other in others:
            print(f"(the page also links to {other})", file=sys.stderr)
    path = config_path(getattr(args, "config", None))
    edit = add_feeds(path, [FeedConfig(url=url, title=title)])
    if edit.present:
        print(f"{url} is already in {path}")
        return 0
    if edit.created:
        print(f"Created {path} from the built-in defaults, with {url} added.")
    else:
        print(f"Added {url} to {path}")
    return 0


def discover(url: str) -> tuple[str, str | None, list[str]]:
    """Fetch `url`: a feed is kept as it is; a web page gives the first feed it links
    to. Returns (feed URL, title found or None, the page's other feed links)."""
    import asyncio

    from storage.fetch import FetchLimits, FetchResult, fetch, make_client
    from tui.cli import UsageError

    limits = FetchLimits(timeout=20.0, max_bytes=5 * 1024 * 1024)

    async def get(target: str) -> FetchResult:
        async with make_client(limits, concurrency=1) as client:
            return await fetch(client, target, limits=limits)

    result = asyncio.run(get(url))
    if not result.ok or result.body is None:
        raise UsageError(
            f"cannot fetch {url}: {result.error or f'HTTP {result.status}'}"
            " (use --no-discover to add it anyway)"
        )
    if not looks_like_html(result.body, result.content_type):
        return result.final_url, None, []
    from storage.feed_links import discover_feed_links

    links = discover_feed_links(result.body, result.final_url)
    if not links:
        raise UsageError(f"{url} is a web page that links to no feed")
    return links[0], None, links[1:]


def looks_like_html(body: bytes, content_type: str | None) -> bool:
    if content_type and "html" in content_type.lower():
        return True
    head = body[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<html" in head[:300]


def remove_feed(args: argparse.Namespace) -> int:
    from storage.config_edit import remove_feed as remove
    from tui.cli import UsageError

    url = args.url.strip()
    path = config_path(getattr(args, "config", None))
    edit = remove(path, url)
    if not edit.removed:
        raise UsageError(f"{url} is not a feed in {path}")
    created = " (written from the built-in defaults first)" if edit.created else ""
    print(f"Removed {url} from {path}{created}; its articles stay in the database.")
    return 0


def import_opml(args: argparse.Namespace) -> int:
    from storage.config_edit import add_feeds
    from storage.opml import OpmlError, read_opml
    from tui.cli import UsageError

    source = Path(args.file).expanduser()
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise UsageError(f"{source}: cannot read: {exc.strerror or exc}") from None
    try:
        found = read_opml(data, str(source))
    except OpmlError as exc:
        raise UsageError(str(exc)) from None
    path = config_path(getattr(args, "config", None))
    edit = add_feeds(path, found.feeds)
    for skipped in found.skipped:
        print(f"skipped {skipped}", file=sys.stderr)
    created = f" (created {path} from the built-in defaults)" if edit.created else ""
    print(
        f"Imported {len(edit.added)} feed{'s' if len(edit.added) != 1 else ''} into {path}"
        f"{created}; {len(edit.present)} already there, {len(found.skipped)} skipped."
    )
    return 0


def export_opml(args: argparse.Namespace) -> int:
    from storage.opml import write_opml

    config = config_of(args)
    titles = _stored_titles(database_path(getattr(args, "db", None)))
    feeds = [
        FeedConfig(url=f.url, title=f.title or titles.get(f.url), enabled=f.enabled)
        for f in config.feeds
    ]
    sys.stdout.write(write_opml(feeds))
    return 0


def _stored_titles(path: Path) -> dict[str, str]:
    """Feed titles learnt from polling, for feeds the config leaves untitled."""
    if not path.exists():
        return {}
    from storage.db import StorageError
    from storage.store import Store

    try:
        with Store(path, readonly=True) as store:
            return {(f.config_url or f.url): f.title for f in store.feeds() if f.title}
    except StorageError:
        return {}
