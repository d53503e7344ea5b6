"""Parsed entries for tests that fill a store directly: the parser's own Entry type."""

from __future__ import annotations

from storage.parse import Entry


def entry(
    guid: str,
    title: str,
    text: str,
    published: int,
    author: str = "",
    url: str | None = None,
    updated: int | None = None,
    summary: str = "",
    html: str = "",
) -> Entry:
    """An Entry with the fields a test cares about first and quiet defaults for the rest."""
    return Entry(
        guid=guid,
        url=url,
        title=title,
        author=author,
        published=published,
        updated=updated,
        summary=summary,
        text=text,
        html=html,
    )
