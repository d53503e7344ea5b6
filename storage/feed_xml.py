"""RSS 0.9x/1.0/2.0 and Atom 0.3/1.0 trees (parsed by lxml) to ``RawFeed``.

The fast path of feed parsing: one pass over the children of each item, matching
on namespace and local name, taking the first of each field. Namespaces are
matched loosely on purpose: feeds use undeclared prefixes ("content:encoded"
without xmlns), the RSS 2.0 namespaces nobody uses, and Atom inside RSS.
"""

from __future__ import annotations

import base64
import binascii
import html as _html
from urllib.parse import urljoin

from lxml import etree

from storage.raw_feed import RawEntry, RawFeed, text_to_html

__all__ = ["read_xml_feed"]

ATOM10 = "http://www.w3.org/2005/Atom"
ATOM03 = "http://purl.org/atom/ns#"
RSS10 = "http://purl.org/rss/1.0/"
RSS090 = "http://my.netscape.com/rdf/simple/0.9/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
CONTENT = "http://purl.org/rss/1.0/modules/content/"
DC = "http://purl.org/dc/elements/1.1/"
DCTERMS = "http://purl.org/dc/terms/"
XHTML = "http://www.w3.org/1999/xhtml"

# Namespaces under which the core RSS elements (title, link, item, ...) appear.
_RSS_CORE = frozenset(
    (
        "",
        RSS10,
        RSS090,
        "http://backend.userland.com/rss2",
        "http://backend.userland.com/rss",
        "http://blogs.law.harvard.edu/tech/rss",
    )
)
_ATOM = frozenset((ATOM10, ATOM03))
# Prefixes seen without an xmlns declaration; lxml's recovery keeps "content:encoded" as is.
_PREFIXES = {"content": CONTENT, "dc": DC, "dcterms": DCTERMS, "atom": ATOM10, "rdf": RDF}
_RDF_ABOUT = f"{{{RDF}}}about"
_RSS_ITEM_TAGS = tuple(f"{{{ns}}}item" if ns else "item" for ns in _RSS_CORE)
_ATOM_ENTRY_TAGS = (f"{{{ATOM10}}}entry", f"{{{ATOM03}}}entry", "entry")


def _split(tag: object) -> tuple[str, str]:
    if not isinstance(tag, str):  # comments, processing instructions, entities
        return "#", ""
    if tag[0] == "{":
        ns, _, local = tag[1:].partition("}")
        return ns, local
    if ":" in tag:
        prefix, _, local = tag.partition(":")
        return _PREFIXES.get(prefix.lower(), prefix), local
    return "", tag


def read_xml_feed(root: etree._Element) -> RawFeed | None:
    """The feed in a parsed XML document, or None when the root is no feed element."""
    ns, local = _split(root.tag)
    local = local.lower()
    if local == "rss":
        version = (root.get("version") or "").strip()
        kind = "rss09x" if version.startswith("0.9") else "rss2"
        return _read_rss(root, kind)
    if local == "rdf":
        channel_ns = {_split(child.tag)[0] for child in root}
        return _read_rss(root, "rss090" if RSS090 in channel_ns else "rss1")
    if local == "feed" and ns in _ATOM | {""}:
        return _read_atom(
            root, "atom03" if ns == ATOM03 or root.get("version") == "0.3" else "atom10"
        )
    return None


# --- RSS ------------------------------------------------------------------------


def _read_rss(root: etree._Element, kind: str) -> RawFeed:
    feed = RawFeed(kind=kind)
    for child in root:
        if _split(child.tag)[1] == "channel":
            for sub in child:
                sub_ns, sub_local = _split(sub.tag)
                if sub_ns not in _RSS_CORE:
                    continue
                if sub_local == "title" and not feed.title:
                    feed.title = _text(sub)
                elif sub_local == "link" and not feed.link:
                    feed.link = _resolve(sub, _text(sub).strip())
            break
    # Items anywhere, not only in <channel>: RSS 1.0 puts them beside it, and when
    # lxml recovers from an unclosed tag the next items end up nested inside it.
    feed.entries = [_rss_item(item) for item in root.iter(_RSS_ITEM_TAGS)]
    return feed


def _rss_item(item: etree._Element) -> RawEntry:
    entry = RawEntry()
    guid_is_link = False
    authors: list[str] = []
    for el in item:
        ns, local = _split(el.tag)
        if ns in _RSS_CORE:
            if local == "title":
                entry.title = entry.title or _text(el)
            elif local == "link":
                entry.link = entry.link or _text(el).strip()
            elif local == "guid":
                if not entry.id:
                    entry.id = _text(el).strip()
                    guid_is_link = (el.get("isPermaLink") or "true").strip().lower() != "false"
            elif local == "description":
                entry.summary = entry.summary or _inner_html(el)
            elif local == "pubDate":
                entry.published = entry.published or _text(el)
            elif local == "author":
                authors.append(_text(el))
        elif ns == CONTENT:
            if local == "encoded" and not entry.content:
                entry.content = _inner_html(el)
        elif ns == DC:
            if local == "creator":
                authors.insert(0, _text(el))  # a name; RSS <author> is often a bare email
            elif local == "date":
                entry.published = entry.published or _text(el)
        elif ns == DCTERMS:
            if local == "modified":
                entry.updated = entry.updated or _text(el)
            elif local in ("issued", "created"):
                entry.published = entry.published or _text(el)
        elif ns == ATOM10:
            if local == "updated":
                entry.updated = entry.updated or _text(el)
            elif local == "published":
                entry.published = entry.published or _text(el)
        elif ns == XHTML and local == "body" and not entry.content:
            entry.content = _inner_html(el)
    if not entry.id:
        entry.id = (item.get(_RDF_ABOUT) or "").strip()
    if not entry.link and guid_is_link and entry.id.startswith(("http://", "https://")):
        entry.link = entry.id
    if entry.link:
        entry.link = _resolve(item, entry.link)
    entry.author = next((a for a in authors if a.strip()), "")
    return entry


# --- Atom -----------------------------------------------------------------------


def _read_atom(root: etree._Element, kind: str) -> RawFeed:
    feed = RawFeed(kind=kind)
    feed_author = ""
    entries: list[etree._Element] = []
    for el in root:
        ns, local = _split(el.tag)
        if ns not in _ATOM and ns != "":
            continue
        if local == "entry":
            entries.append(el)
        elif local == "title" and not feed.title:
            feed.title, feed.title_is_html = _atom_text(el)
        elif local == "link" and not feed.link:
            feed.link = _atom_link(el)
        elif local == "author" and not feed_author:
            feed_author = _atom_person(el)
    if len(entries) < sum(1 for _ in root.iter(_ATOM_ENTRY_TAGS)):
        entries = list(root.iter(_ATOM_ENTRY_TAGS))  # recovery nested some entries
    feed.entries = [_atom_entry(el, feed_author) for el in entries]
    return feed


def _atom_entry(item: etree._Element, feed_author: str) -> RawEntry:
    entry = RawEntry()
    authors: list[str] = []
    for el in item:
        ns, local = _split(el.tag)
        if ns in _ATOM or ns == "":
            if local == "id":
                entry.id = entry.id or _text(el).strip()
            elif local == "title":
                if not entry.title:
                    entry.title, entry.title_is_html = _atom_text(el)
            elif local == "link":
                entry.link = entry.link or _atom_link(el)
            elif local == "content":
                if not entry.content:
                    entry.content = _atom_html(el)
            elif local == "summary":
                if not entry.summary:
                    entry.summary = _atom_html(el)
            elif local in ("published", "issued", "created"):
                entry.published = entry.published or _text(el)
            elif local in ("updated", "modified"):
                entry.updated = entry.updated or _text(el)
            elif local == "author":
                authors.append(_atom_person(el))
        elif ns == DC and local == "creator":
            authors.append(_text(el))
    entry.author = ", ".join(a for a in authors if a) or feed_author
    return entry


def _atom_link(el: etree._Element) -> str:
    rel = (el.get("rel") or "alternate").strip().lower()
    href = (el.get("href") or "").strip()
    if rel != "alternate" or not href:
        return ""
    kind = (el.get("type") or "text/html").lower()
    if "html" not in kind:
        return ""
    return _resolve(el, href)


def _atom_person(el: etree._Element) -> str:
    for child in el:
        if _split(child.tag)[1] == "name":
            return _text(child).strip()
    return _text(el).strip()  # Atom 0.3 feeds sometimes put the name right in <author>


def _atom_text(el: etree._Element) -> tuple[str, bool]:
    """(content, is_html) of an Atom text construct, by its type (and 0.3 mode)."""
    kind = (el.get("type") or "text").strip().lower()
    mode = (el.get("mode") or "").strip().lower()
    if mode == "base64":
        try:
            raw = base64.b64decode(_text(el), validate=False)
        except (binascii.Error, ValueError):
            return "", False
        return raw.decode("utf-8", "replace"), "html" in kind
    if "xhtml" in kind or (mode == "xml" and len(el)):
        div = next((c for c in el if _split(c.tag)[1] == "div"), None)
        return _inner_html(div if div is not None and len(el) == 1 else el), True
    if "html" in kind:
        return _inner_html(el), True
    if kind in ("text", "text/plain") or kind.startswith("text/"):
        return _text(el), False
    return "", False  # a media type such as application/pdf: nothing to show


def _atom_html(el: etree._Element) -> str:
    if el.get("src"):  # out-of-line content: only a link, the summary has to do
        return ""
    value, is_html = _atom_text(el)
    return value if is_html else text_to_html(value)


# --- helpers --------------------------------------------------------------------


def _text(el: etree._Element) -> str:
    if len(el) == 0:
        return el.text or ""
    # Element-only filter: entity references and comments contribute no text.
    return "".join(el.itertext(etree.Element))


def _inner_html(el: etree._Element) -> str:
    """The element's content as HTML: escaped HTML or CDATA as is, inline markup serialised."""
    if len(el) == 0:
        return el.text or ""
    parts = [_html.escape(el.text or "", quote=False)]
    for child in el:
        if not isinstance(child.tag, str):
            if child.tail:
                parts.append(_html.escape(child.tail, quote=False))
            continue
        for node in child.iter(etree.Element):
            if node.tag[0] == "{":  # XHTML in its namespace: plain tag names for HTML
                try:
                    node.tag = node.tag.partition("}")[2]
                except ValueError:  # recovered from broken XML: no name HTML has
                    node.tag = "span"
        parts.append(etree.tostring(child, encoding="unicode", method="html", with_tail=True))
    return "".join(parts)


def _resolve(el: etree._Element, href: str) -> str:
    if not href or href.startswith(("http://", "https://")):
        return href
    try:
        base = el.base
        return urljoin(base, href) if base else href
    except ValueError:
        return href
