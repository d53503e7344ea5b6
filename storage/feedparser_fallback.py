"""The slow, tolerant path: feedparser for documents the lxml path cannot read.

Runs only when lxml's recovery finds no feed (or no entries) in something that
looks like one. It gets the text after ``storage.parse`` prepared it (DOCTYPE
removed, so no entity is declared; controls stripped; UTF-8), wrapped in a
stream so feedparser can never take it for a URL or a file name, and with
sanitising and URI resolution off: the same clean-up as every other path
happens afterwards, in ``storage.parse``.
"""

from __future__ import annotations

import io
import time
from typing import Any

from storage.dates import parse_date
from storage.raw_feed import RawEntry, RawFeed, text_to_html

__all__ = ["read_with_feedparser"]

_KINDS = {
    "rss20": "rss2",
    "rss10": "rss1",
    "rss090": "rss090",
    "rss091u": "rss09x",
    "rss091n": "rss09x",
    "rss092": "rss09x",
    "rss093": "rss09x",
    "rss094": "rss09x",
    "atom10": "atom10",
    "atom03": "atom03",
    "atom02": "atom03",
    "atom01": "atom03",
}


def read_with_feedparser(text: str) -> RawFeed | None:
    """The feed feedparser finds in ``text``, or None when it finds neither a feed nor entries."""
    import feedparser  # ~0.1 s to import; only paid by the rare feed that needs it

    try:
        result = feedparser.parse(
            io.BytesIO(text.encode("utf-8")),
            # No content-location: with a base, feedparser rewrites a relative <guid> into
            # a URL, and the same entry would get another id than on the lxml path.
            # Links are resolved against the feed URL afterwards, like on every path.
            response_headers={"content-type": "application/xml; charset=utf-8"},
            sanitize_html=False,
            resolve_relative_uris=False,
        )
    except Exception:
        # Its loose parser raises on some hostile input (ValueError from chr() for an
        # out-of-range "&#1114112;"): a last resort that fails has found nothing.
        return None
    entries = result.get("entries") or []
    version = result.get("version") or ""
    if not entries and not version:
        return None
    meta = result.get("feed") or {}
    feed = RawFeed(
        kind=_KINDS.get(version, version or "unknown"),
        title=meta.get("title") or "",
        title_is_html=_is_html(meta.get("title_detail")),
        link=meta.get("link") or "",
    )
    feed.entries = [_entry(e) for e in entries]
    if result.get("bozo"):
        problem = " ".join(str(result.get("bozo_exception") or "").split())[:120]
        feed.warning = f"malformed feed ({problem}), recovered {len(entries)} entries"
    return feed


def _entry(e: Any) -> RawEntry:
    contents = [c for c in e.get("content") or [] if c.get("value")]
    html_contents = [c for c in contents if _is_html(c) is not False]
    content = ""
    if html_contents:
        content = html_contents[0]["value"]
    elif contents:
        content = text_to_html(contents[0]["value"])
    summary = e.get("summary") or ""
    if summary and _is_html(e.get("summary_detail")) is False:
        summary = text_to_html(summary)
    return RawEntry(
        id=e.get("id") or "",
        link=e.get("link") or "",
        title=e.get("title") or "",
        title_is_html=_is_html(e.get("title_detail")),
        author=e.get("author") or "",
        published=_date(e, "published") or _date(e, "created"),
        updated=_date(e, "updated"),
        content=content,
        summary=summary,
    )


def _date(e: Any, key: str) -> str:
    """The date as written if we can read it, else feedparser's reading of it (it knows
    more exotic formats), in a form we can read. Read as a plain dict: feedparser's own
    lookup answers `updated` with the publication date when there is none (deprecated,
    with a warning), where the lxml path finds no update."""
    raw = dict.get(e, key) or ""
    if not raw or parse_date(raw) is not None:
        return raw
    parsed = dict.get(e, key + "_parsed")
    if parsed:
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", parsed)
    return raw


def _is_html(detail: Any) -> bool | None:
    if not detail:
        return None
    kind = (detail.get("type") or "").lower()
    return "html" in kind
