"""JSON Feed 1.0 and 1.1 (https://jsonfeed.org) to ``RawFeed``.

Every field is type-checked: a hostile feed can put a list where a string
belongs, and that must cost it the field, not crash the poll.
"""

from __future__ import annotations

import json
from typing import Any

from storage.raw_feed import RawEntry, RawFeed, text_to_html

__all__ = ["JSONFeedError", "read_json_feed"]


class JSONFeedError(ValueError):
    """The bytes are not JSON, or not a JSON Feed; the message says which."""


def read_json_feed(text: str) -> RawFeed:
    try:
        data = json.loads(text)
    except RecursionError as error:  # "[[[[..." nested deeper than the interpreter allows
        raise JSONFeedError("invalid JSON: nested too deeply") from error
    except ValueError as error:
        raise JSONFeedError(f"invalid JSON: {error}") from error
    if not isinstance(data, dict):
        raise JSONFeedError("not a feed: JSON without a feed object")
    version = _string(data.get("version"))
    items = data.get("items")
    if "jsonfeed.org" not in version and not isinstance(items, list):
        raise JSONFeedError("not a feed: JSON that is not a JSON Feed")
    feed = RawFeed(
        kind="json11" if version.rstrip("/").endswith("1.1") else "json1",
        title=_string(data.get("title")),
        title_is_html=False,
        link=_string(data.get("home_page_url")),
    )
    feed_author = _author(data)
    if isinstance(items, list):
        feed.entries = [_entry(item, feed_author) for item in items if isinstance(item, dict)]
    return feed


def _entry(item: dict[str, Any], feed_author: str) -> RawEntry:
    item_id = item.get("id")
    # JSON Feed 1.0 allowed numeric ids; 1.1 says to treat them as strings.
    if isinstance(item_id, int | float) and not isinstance(item_id, bool):
        item_id = str(item_id)
    content = _string(item.get("content_html")) or text_to_html(_string(item.get("content_text")))
    return RawEntry(
        id=_string(item_id).strip(),
        link=(_string(item.get("url")) or _string(item.get("external_url"))).strip(),
        title=_string(item.get("title")),
        title_is_html=False,
        author=_author(item) or feed_author,
        published=_string(item.get("date_published")),
        updated=_string(item.get("date_modified")),
        content=content,
        summary=text_to_html(_string(item.get("summary"))),
    )


def _author(obj: dict[str, Any]) -> str:
    authors = obj.get("authors")  # 1.1
    if not isinstance(authors, list):
        authors = [obj.get("author")]  # 1.0
    names = [_string(a.get("name")).strip() for a in authors if isinstance(a, dict)]
    return ", ".join(n for n in names if n)


def _string(value: object) -> str:
    return value if isinstance(value, str) else ""
