"""Feed bytes to a ``ParsedFeed`` of clean ``Entry`` objects.

Owns the public parsing API (``parse_feed``, ``Entry``, ``ParsedFeed``,
``FeedError``, ``NotAFeed``) and the rules every format shares: entry ids and
de-duplication, link resolution, dates in UTC with clamping, size caps, and that
every field passes through ``storage.clean``.

The path: ``feed_text`` decodes the bytes; JSON goes to ``jsonfeed``; XML loses
its DOCTYPE (``feed_text``), is parsed by lxml (safe flags, recovery on) and, if
lxml reports errors, repaired (``feed_text``) and parsed again; ``feed_xml`` reads
the tree; feedparser (``feedparser_fallback``) is tried only when lxml's recovery
finds no feed or loses entries. No path touches the network.
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass
from typing import Any

from lxml import etree

from storage.clean import html_to_text, one_line, strip_controls
from storage.dates import parse_date
from storage.feed_links import discover_feed_links, safe_http_url
from storage.feed_text import decode_body, remove_doctype, repair_xml
from storage.feed_xml import read_xml_feed
from storage.feedparser_fallback import read_with_feedparser
from storage.jsonfeed import JSONFeedError, read_json_feed
from storage.raw_feed import RawEntry, RawFeed

__all__ = ["Entry", "FeedError", "NotAFeed", "ParsedFeed", "discover_feed_links", "parse_feed"]

MAX_TITLE = 1_000
MAX_AUTHOR = 200
MAX_SUMMARY = 400
MAX_TEXT = 1_000_000
MAX_GUID = 1_000
_FUTURE_SLACK = 86_400  # a date up to a day ahead is a clock or zone slip, not a lie
_DERIVED_TITLE = 100
# Above this, a "summary" is a copy of the article: take the lead from its text instead
# of converting the same HTML twice.
_SUMMARY_SOURCE_MAX = 3_000


@dataclass(frozen=True, slots=True)
class Entry:
    guid: str  # entry id; else link; else "h:" + sha1 of title and date; never empty
    url: str | None  # absolute http(s) link
    title: str  # plain text, one line
    author: str  # plain text, "" when none
    published: int | None  # unix seconds UTC; falls back to `updated`; None when neither
    updated: int | None
    summary: str  # plain-text lead, at most MAX_SUMMARY chars, for list previews
    text: str  # plain text of the full content; paragraphs separated by blank lines
    html: str  # content HTML (else summary HTML), controls stripped, not sanitised


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    title: str
    site_url: str | None
    entries: list[Entry]
    warning: str | None  # e.g. "malformed XML (line 9: ...), recovered 12 entries"
    kind: str  # "rss2", "rss1", "rss090", "rss09x", "atom10", "atom03", "json1", "json11"
    # The entries' story terms (storage.story_match.known_features), when the parse
    # process worked them out beside parsing; the writer then need not.
    story_features: dict[tuple[str, str], Any] | None = None


class FeedError(Exception):
    """The document cannot be read as a feed; ``str()`` is a one-line message for people."""


class NotAFeed(FeedError):
    """The document is an HTML page; ``links`` are the feeds it advertises (maybe none)."""

    def __init__(self, links: list[str]) -> None:
        self.links = links
        message = "not a feed: HTML page"
        if links:
            shown = ", ".join(links[:3]) + (", ..." if len(links) > 3 else "")
            message += f" (advertises: {shown})"
        super().__init__(message)


_HTML_PAGE = re.compile(
    r"^(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html[\s>]|head[\s>]|body[\s>])",
    re.I | re.S,
)
_FEED_ROOT = re.compile(r"<(?:rss|feed|rdf:RDF)[\s>]")
_ITEM_TAG = re.compile(r"<(?:[A-Za-z]+:)?(?:item|entry)[\s>]")
_LOOKS_HTML = re.compile(r"<[A-Za-z/!]|&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")
_NAMED_EMAIL = re.compile(r"^\S+@\S+\s*\((.+)\)$")


def parse_feed(
    body: bytes, url: str, content_type: str | None = None, now: int | None = None
) -> ParsedFeed:
    """Parse feed bytes fetched from ``url``. Raises only ``FeedError`` (or ``NotAFeed``)."""
    now = int(time.time()) if now is None else now
    text = decode_body(body, content_type)
    start = text.lstrip("\ufeff \t\r\n")[:1]
    if not start:
        raise FeedError("not a feed: empty document")
    if start in "{[" or (start != "<" and "json" in (content_type or "").lower()):
        try:
            raw = read_json_feed(text)
        except JSONFeedError as error:
            raise FeedError(one_line(str(error))[:200]) from None
    else:
        raw = _read_xml(text, body, url, content_type)
    return ParsedFeed(
        title=_title(raw.title, raw.title_is_html),
        site_url=safe_http_url(raw.link, url),
        entries=_entries(raw.entries, url, now),
        warning=raw.warning,
        kind=raw.kind,
    )


def _read_xml(text: str, body: bytes, url: str, content_type: str | None) -> RawFeed:
    text = text.lstrip("\ufeff \t\r\n")
    if _HTML_PAGE.match(text):
        raise NotAFeed(discover_feed_links(body, url))
    # Some servers print warnings (PHP notices, often as HTML) before the feed.
    declaration = text.find("<?xml", 0, 4096)
    if declaration > 0 and not _FEED_ROOT.search(text, 0, declaration):
        text = text[declaration:]
    text, dropped_entities = remove_doctype(text)
    if not text.startswith("<"):
        first = text.find("<", 0, 1024)
        if first == -1:
            raise FeedError("not a feed: neither XML nor JSON")
        text = text[first:]
    root, errors = _parse_xml(text, url)
    if errors:
        text = repair_xml(text)
        root, errors = _parse_xml(text, url)
    raw = read_xml_feed(root) if root is not None else None
    if raw is None and root is not None and _local_name(root) == "html":
        raise NotAFeed(discover_feed_links(body, url))
    if raw is None or (errors and len(raw.entries) < len(_ITEM_TAG.findall(text))):
        # lxml found no feed, or its recovery lost entries: feedparser's loose parser
        # sometimes does better on badly broken documents.
        fallback = read_with_feedparser(text) if _ITEM_TAG.search(text) else None
        if fallback is not None and (raw is None or len(fallback.entries) > len(raw.entries)):
            return fallback
    if raw is None:
        if "html" in (content_type or "").lower():
            raise NotAFeed(discover_feed_links(body, url))
        what = f"<{one_line(_local_name(root))[:40]}>" if root is not None else "no root"
        raise FeedError(f"not a feed: XML document with {what}")
    if errors:
        first = errors[0]
        raw.warning = (
            f"malformed XML (line {first.line}: {one_line(first.message)[:100]}), "
            f"recovered {len(raw.entries)} entries"
        )
    elif dropped_entities:
        raw.warning = "entity declarations in the DOCTYPE were ignored"
    return raw


def _parse_xml(text: str, url: str) -> tuple[etree._Element | None, list[etree._LogEntry]]:
    parser = etree.XMLParser(
        encoding="utf-8",  # the text is decoded already; any declared encoding is stale
        recover=True,
        resolve_entities=False,
        load_dtd=False,
        no_network=True,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        collect_ids=False,
    )
    try:
        root = etree.fromstring(text.encode("utf-8", "replace"), parser, base_url=url or None)
    except (etree.LxmlError, ValueError):
        root = None
    errors = [e for e in parser.error_log if e.level >= etree.ErrorLevels.ERROR]
    return root, errors


def _local_name(el: etree._Element) -> str:
    tag = el.tag if isinstance(el.tag, str) else ""
    return tag.rpartition("}")[2].rpartition(":")[2].lower()


def _entries(raws: list[RawEntry], feed_url: str, now: int) -> list[Entry]:
    entries: list[Entry] = []
    seen: set[str] = set()
    for raw in raws:
        url = safe_http_url(raw.link, feed_url) if raw.link else None
        title = _title(raw.title, raw.title_is_html)
        guid = _guid(raw, url, title)
        if guid in seen:
            continue  # the same entry twice in one feed: the first one wins
        seen.add(guid)
        entries.append(_entry(raw, guid, url, title, now))
    return entries


def _guid(raw: RawEntry, url: str | None, title: str) -> str:
    guid = one_line(raw.id) or url or one_line(raw.link)
    if guid and len(guid) <= MAX_GUID:
        return guid
    if guid:
        return "h:" + hashlib.sha1(guid.encode("utf-8", "replace")).hexdigest()
    seed = f"{title}\n{one_line(raw.published)}"
    if not title and not raw.published:
        # Nothing identifies the entry; its content is the only way to tell two apart.
        seed += "\n" + raw.content + raw.summary
    return "h:" + hashlib.sha1(seed.encode("utf-8", "replace")).hexdigest()


def _entry(raw: RawEntry, guid: str, url: str | None, title: str, now: int) -> Entry:
    html = strip_controls(raw.content or raw.summary)[:MAX_TEXT]
    text = html_to_text(html)[:MAX_TEXT]
    if raw.content and raw.summary and len(raw.summary) <= _SUMMARY_SOURCE_MAX:
        lead = html_to_text(raw.summary)
    else:
        lead = text
    published = _date(raw.published, now)
    updated = _date(raw.updated, now)
    return Entry(
        guid=guid,
        url=url,
        title=title or _shorten(one_line(text[: _DERIVED_TITLE * 2]), _DERIVED_TITLE),
        author=_author(raw.author),
        published=published if published is not None else updated,
        updated=updated,
        summary=_shorten(one_line(lead[: MAX_SUMMARY * 2]), MAX_SUMMARY),
        text=text,
        html=html,
    )


def _title(raw: str, is_html: bool | None) -> str:
    if not raw:
        return ""
    if is_html is None:
        is_html = _LOOKS_HTML.search(raw) is not None  # RSS does not say; sniff
    return one_line(html_to_text(raw) if is_html else raw)[:MAX_TITLE]


def _author(raw: str) -> str:
    author = one_line(html_to_text(raw) if _LOOKS_HTML.search(raw) else raw)
    named = _NAMED_EMAIL.match(author)  # RSS <author>: "jane@example.com (Jane Doe)"
    return (named.group(1).strip() if named else author)[:MAX_AUTHOR]


def _date(raw: str, now: int) -> int | None:
    value = parse_date(raw)
    if value is not None and value > now + _FUTURE_SLACK:
        return now
    return value


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-") + "…"
