"""`newsdeck show ID`: one article as readable text (or JSON)."""

from __future__ import annotations

import argparse
import re
import textwrap

from storage.listing import iso_utc
from tui.commands.common import open_store, print_json

# Stored text is cleaned at ingest; this is a second line of defence for a terminal.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("id", metavar="ID", help="the article's id (from search or --json)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")


def parse_id(text: str) -> int:
    from tui.cli import UsageError

    try:
        value = int(text.strip())
    except ValueError:
        raise UsageError(
            f"bad article id {text!r} (a whole number, as `newsdeck search` shows)"
        ) from None
    if value < 1:
        raise UsageError(f"bad article id {text!r} (ids start at 1)")
    return value


def run(args: argparse.Namespace) -> int:
    article_id = parse_id(args.id)
    with open_store(args) as store:
        article = store.article(article_id)  # NotFound: one line, exit 2
        topics = store.article_topics(article_id)
    if args.json:
        print_json(
            {
                "id": article.id,
                "title": article.title,
                "url": article.url,
                "feed": article.feed,
                "author": article.author,
                "published": iso_utc(article.published),
                "topics": topics,
                "read": article.read,
                "starred": article.starred,
                "text": article.text,
            }
        )
        return 0
    lines = [_safe(article.title) or "(untitled)", ""]
    lines.append(f"Feed:      {_safe(article.feed)}")
    if article.author:
        lines.append(f"Author:    {_safe(article.author)}")
    lines.append(f"Published: {iso_utc(article.published).replace('T', ' ').replace('Z', ' UTC')}")
    if article.url:
        lines.append(f"Link:      {_safe(article.url)}")
    if topics:
        lines.append(f"Topics:    {', '.join(_safe(t) for t in topics)}")
    lines.append("")
    for paragraph in (article.text or article.summary).split("\n"):
        paragraph = _safe(paragraph).strip()
        lines.extend(textwrap.wrap(paragraph, width=88) if paragraph else [""])
    print("\n".join(lines).rstrip())
    return 0


def _safe(text: str | None) -> str:
    return _CONTROLS.sub("", text or "")
