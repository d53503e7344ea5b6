"""OPML 2.0 subscription lists: reading feeds out of one, writing the config's feeds into one.

Reading is defensive: the file comes from another program or the web, so entities are
never resolved, nothing is fetched, and a broken file gives a one-line OpmlError. Every
`<outline>` with an `xmlUrl` is a feed, however deeply it is nested in folders.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime

from lxml import etree

from storage.config import FeedConfig, url_problem


class OpmlError(ValueError):
    """A file that is not usable OPML; str() is one line."""


@dataclass(slots=True)
class OpmlFeeds:
    feeds: list[FeedConfig] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "URL: why", for outlines left out


def read_opml(data: bytes, source: str = "OPML") -> OpmlFeeds:
    """The feeds listed in an OPML document, in document order, without repeats."""
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        line = f" (line {exc.lineno})" if exc.lineno else ""
        raise OpmlError(f"{source}: not valid XML{line}: {exc.msg}") from None
    if not isinstance(root.tag, str) or etree.QName(root).localname.lower() != "opml":
        raise OpmlError(f"{source}: not an OPML file (the root element is not <opml>)")
    out = OpmlFeeds()
    seen: set[str] = set()
    for outline in root.iter("{*}outline"):
        url = (_attr(outline, "xmlUrl") or "").strip()
        if not url:
            continue
        problem = url_problem(url)
        if problem:
            out.skipped.append(f"{url}: {problem}")
            continue
        if url in seen:
            continue
        seen.add(url)
        title = (_attr(outline, "title") or _attr(outline, "text") or "").strip()
        # Exporters (newsdeck included) put the URL in `text` when a feed has no title.
        out.feeds.append(FeedConfig(url=url, title=title if title and title != url else None))
    return out


def _attr(element: etree._Element, name: str) -> str | None:
    # Some exporters write xmlurl or XMLURL; attribute names are case-sensitive in XML.
    for key, value in element.attrib.items():
        if str(key).lower() == name.lower():
            return str(value)
    return None


def write_opml(
    feeds: Iterable[FeedConfig], title: str = "newsdeck feeds", now: datetime | None = None
) -> str:
    """An OPML 2.0 document with one `<outline type="rss">` per feed."""
    now = now or datetime.now(UTC)
    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = title
    etree.SubElement(head, "dateCreated").text = format_datetime(now, usegmt=True)
    etree.SubElement(head, "docs").text = "https://opml.org/spec2.opml"
    body = etree.SubElement(root, "body")
    for feed in feeds:
        name = feed.title or feed.url
        outline = etree.SubElement(body, "outline", type="rss", text=name, xmlUrl=feed.url)
        if feed.title:
            outline.set("title", feed.title)
    text = etree.tostring(root, encoding="unicode", pretty_print=True)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + text
