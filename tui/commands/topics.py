"""`newsdeck topics`: every topic with its total, unread and new-in-24h counts (and, as
JSON, its articles per day over 30 days and the days that spiked)."""

from __future__ import annotations

import argparse
import time
from typing import TYPE_CHECKING

from storage.listing import TopicInfo
from storage.store import Store
from tui.commands.common import open_store, print_json

if TYPE_CHECKING:
    from storage.trends import Trend

TREND_DAYS = 30


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")


def run(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        topics = store.topics()
        trends: dict[int, Trend] = {}
        if args.json:
            from storage.trends import topic_trend

            now = int(time.time())
            trends = {t.id: topic_trend(store, t.id, TREND_DAYS, now) for t in topics}
    if args.json:
        print_json(
            [
                {
                    "name": t.name,
                    "query": t.query,
                    "total": t.total,
                    "unread": t.unread,
                    "new_24h": t.new_24h,
                    # Articles per UTC day by publication date, oldest first (today last),
                    # and the days that spiked (storage/trends.py says what counts).
                    "daily": list(trends[t.id].daily),
                    "spikes": [d.isoformat() for d in trends[t.id].spike_dates],
                }
                for t in topics
            ]
        )
        return 0
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console()
    if not topics:
        console.print("No topics yet: add [[topics]] to the config file.", markup=False)
        return 0
    table = Table(title="Topics", title_justify="left")
    table.add_column("Topic", no_wrap=True)
    table.add_column("Unread", justify="right")
    table.add_column("New 24h", justify="right")
    table.add_column("Total", justify="right")
    table.add_column("Query")
    for t in topics:
        table.add_row(
            Text(t.name, style="bold"),
            f"{t.unread:,}",
            f"{t.new_24h:,}",
            f"{t.total:,}",
            Text(_start_of(t.query), style="dim"),
        )
    console.print(table)
    return 0


def topic_by_name(store: Store, name: str) -> TopicInfo:
    """The topic called `name` (case-insensitive), else a one-line UsageError."""
    from tui.cli import UsageError

    topics = store.topics()
    for topic in topics:
        if topic.name.casefold() == name.strip().casefold():
            return topic
    known = ", ".join(repr(t.name) for t in topics) or "none configured"
    raise UsageError(f"unknown topic {name!r} (topics: {known})")


def _start_of(query: str, width: int = 40) -> str:
    """The first line's worth of a query; `--json` has all of it."""
    return query if len(query) <= width else query[: width - 1].rstrip() + "…"
