"""`newsdeck search QUERY`: articles matching the filter language, newest first."""

from __future__ import annotations

import argparse
import time
from typing import TYPE_CHECKING, Any

from storage.listing import SearchResult, View, iso_utc
from storage.query import QueryError, compile_query, parse_time
from tui.commands.common import open_store, print_json

if TYPE_CHECKING:
    from rich.text import Text


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "query",
        nargs="+",
        metavar="QUERY",
        help="filter-language query, e.g. 'ukraine (aid OR weapons) -russia since:7d'",
    )
    parser.add_argument("--topic", metavar="NAME", help="only articles in this topic")
    parser.add_argument("--since", metavar="WHEN", help="only newer than 24h, 7d, 2026-07-01, ...")
    parser.add_argument(
        "--limit", type=positive_int, default=20, metavar="N", help="at most N results (default 20)"
    )
    parser.add_argument(
        "--sort",
        choices=("new", "relevance"),
        default="new",
        help="newest first (default) or best match first",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more: {value}")
    return value


def build_query(query: str, since: str | None, now: int) -> str:
    """The user's query (checked on its own, so error columns match what they typed)
    with --since added as a since: filter."""
    from tui.cli import UsageError

    compile_query(query, now=now)
    if since is None:
        return query
    try:
        parse_time(since, now)
    except QueryError:
        raise UsageError(
            f"bad --since {since!r} (use e.g. 24h, 7d, 2026-07-01 or 2026-07-01T09:00)"
        ) from None
    return f'({query}) since:"{since}"' if query.strip() else f'since:"{since}"'


def run(args: argparse.Namespace) -> int:
    now = int(time.time())
    text = build_query(" ".join(args.query), args.since, now)
    with open_store(args) as store:
        topic_id = None
        if args.topic is not None:
            from tui.commands.topics import topic_by_name

            topic_id = topic_by_name(store, args.topic).id
        view = View(topic_id=topic_id, query=text, sort=args.sort)
        results = store.search(view, 0, args.limit, now=now)
    if args.json:
        print_json([as_json(r) for r in results])
        return 0
    print_table(results, now)
    return 0


def as_json(result: SearchResult) -> dict[str, Any]:
    row = result.article
    return {
        "id": row.id,
        "title": row.title,
        "url": row.url,
        "feed": row.feed,
        "published": iso_utc(row.published),
        "topics": list(result.topics),
        "snippet": result.snippet.marked(),
    }


def print_table(results: list[SearchResult], now: int) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console()
    if not results:
        console.print("No articles match.", markup=False)
        return
    table = Table(show_lines=True)
    table.add_column("ID", justify="right", style="dim", no_wrap=True)
    table.add_column("Published", no_wrap=True)
    table.add_column("Feed", max_width=20)
    table.add_column("Article", ratio=1)
    for result in results:
        row = result.article
        cell = _highlighted(result.title.text, result.title.spans, "bold")
        if result.snippet.text:
            cell.append("\n")
            cell.append_text(_highlighted(result.snippet.text, result.snippet.spans, "dim"))
        if result.topics:
            cell.append("\n" + " · ".join(result.topics), style="italic")
        table.add_row(
            str(row.id), iso_utc(row.published)[:16].replace("T", " "), Text(row.feed), cell
        )
    console.print(table)


def _highlighted(text: str, spans: tuple[tuple[int, int], ...], style: str) -> Text:
    from rich.text import Text

    out = Text(text, style=style)
    for start, end in spans:
        out.stylize("reverse", start, end)
    return out
