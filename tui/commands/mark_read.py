"""`newsdeck mark-read [--topic NAME] [QUERY]`: mark matching articles read."""

from __future__ import annotations

import argparse
import time

from storage.listing import View
from tui.commands.common import open_store, print_json


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "query",
        nargs="*",
        metavar="QUERY",
        help="filter-language query; without one (and without --topic), every article",
    )
    parser.add_argument("--topic", metavar="NAME", help="only articles in this topic")
    parser.add_argument("--unread", action="store_true", help="mark them unread instead")
    parser.add_argument("--json", action="store_true", help='print {"marked": N}')


def run(args: argparse.Namespace) -> int:
    from storage.query import compile_query

    text = " ".join(args.query)
    now = int(time.time())
    compile_query(text, now=now)  # a bad query fails before the database is touched
    with open_store(args) as store:
        topic_id = None
        if args.topic is not None:
            from tui.commands.topics import topic_by_name

            topic_id = topic_by_name(store, args.topic).id
        marked = store.mark_view_read(View(topic_id=topic_id, query=text), not args.unread, now)
    if args.json:
        print_json({"marked": marked})
    else:
        state = "unread" if args.unread else "read"
        print(f"Marked {marked:,} article{'s' if marked != 1 else ''} {state}.")
    return 0
