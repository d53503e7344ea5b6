"""Feed discovery in an HTML page: the ``<link rel="alternate">`` feeds it advertises.

Used when someone adds a web page instead of a feed (``NotAFeed`` lists these) and
by ``newsdeck feeds add``. Pure parsing: nothing here fetches anything.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from lxml import etree

from storage.clean import strip_controls

__all__ = ["FEED_LINK_TYPES", "discover_feed_links", "safe_http_url", "url_text"]

FEED_LINK_TYPES = frozenset(
    (
        "application/rss+xml",
        "application/atom+xml",
        "application/feed+json",
        "application/json",
    )
)
_MAX_LINKS = 20  # a page advertising more than this is not helping anyone choose
# http(s), a host, then only printable ASCII other than space and backslash.
_PLAIN_ABSOLUTE = re.compile(r"https?://[A-Za-z0-9.-]+(?::[0-9]{1,5})?(?:[/?#][!-\[\]-~]*)?\Z")


def discover_feed_links(html: bytes, base_url: str | None) -> list[str]:
    """Absolute http(s) URLs of the feeds a page advertises, in page order, without repeats."""
    root = _parse_page(html)
    if root is None:
        return []
    base = base_url or ""
    for el in root.iter("base"):
        href = el.get("href")
        if href:
            base = safe_http_url(href, base) or base
        break
    links: list[str] = []
    for el in root.iter("link"):
        rel = (el.get("rel") or "").lower().split()
        kind = (el.get("type") or "").split(";")[0].strip().lower()
        if "alternate" not in rel or kind not in FEED_LINK_TYPES:
            continue
        url = safe_http_url(el.get("href") or "", base)
        if url and url not in links:
            links.append(url)
            if len(links) >= _MAX_LINKS:
                break
    return links


def safe_http_url(href: str, base: str | None) -> str | None:
    """``href`` made absolute against ``base``; None unless the result is http(s).

    Browsers ignore tabs and newlines inside URLs ("java\\nscript:"), so they are
    removed before the scheme is judged; inner spaces stay (urljoin keeps them).
    """
    if _PLAIN_ABSOLUTE.match(href):
        return href  # already absolute and clean: the common case, without urllib's cost
    href = url_text(href)
    if not href:
        return None
    try:
        url = urljoin(base, href) if base else href
        parts = urlsplit(url)
    except ValueError:  # e.g. "http://[::1" (an unclosed IPv6 bracket)
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url.replace(" ", "%20")


def url_text(href: str) -> str:
    """An href as a browser reads it: controls, tabs and newlines removed, ends trimmed."""
    return strip_controls(href).replace("\t", "").replace("\n", "").strip()


def _parse_page(html: bytes) -> etree._Element | None:
    parser = etree.HTMLParser(
        recover=True, no_network=True, remove_comments=True, remove_pis=True, collect_ids=False
    )
    try:
        return etree.fromstring(html, parser)
    except (etree.LxmlError, ValueError):
        return None
