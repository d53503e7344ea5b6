"""An article's web page to its main text: Markdown for the reader, plain text for search.

trafilatura (fast mode) finds the article among the navigation, ads, cookie banners,
related-article blocks, comments and footers, and returns it as bare HTML; the project's
own converters (storage.clean) then make the Markdown (links absolute and http(s) only,
text escaped so it stays text) and the plain text, so feed HTML and page HTML follow
one set of rules. Pure CPU and never raises: call it from a thread.

trafilatura was measured against readability-lxml 0.9 on the pages in
tests/storage/pages: it kept every article paragraph and leaked only an inline "read
also" link (dropped here by `_drop_teasers`); readability leaked an ad, a photo
caption and a related-article teaser, and let a section front's cookie notice and
footer through. So there is no fallback extractor.
"""

from __future__ import annotations

import codecs
import logging
import re
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from lxml import etree

from storage.clean import html_to_markdown, html_to_text, parse_html, strip_controls

if TYPE_CHECKING:
    from storage.fetch import FetchResult

__all__ = ["NO_ARTICLE", "Extracted", "decode_page", "extract_article", "extract_page"]

log = logging.getLogger("newsdeck.fulltext")

NO_ARTICLE = "could not find the article text on the page"
# Some line of real article text has at least this many words (or characters, for
# scripts without spaces); a section front's headlines and menus have none.
_MIN_WORDS, _MIN_CHARS = 15, 120
_TEASER_WORDS = 25  # a paragraph that is nothing but a link shorter than this: "read also"


@dataclass(frozen=True, slots=True)
class Extracted:
    """What one page gave: Markdown and plain text, or an error in words."""

    markdown: str | None
    text: str | None
    error: str | None = None


# One extraction at a time per process: trafilatura keeps module-level caches, and on
# two cores a second thread would only fight the first for the GIL anyway.
_EXTRACT_LOCK = threading.Lock()


def extract_page(result: FetchResult, title: str | None = None) -> Extracted:
    """A fetched page (storage.fetch.fetch_page) to its article, or the failure in words."""
    if result.error is not None or result.body is None:
        return Extracted(None, None, result.error or f"HTTP {result.status}")
    return extract_article(
        result.body, result.final_url, content_type=result.content_type, title=title
    )


def extract_article(
    page: str | bytes,
    url: str,
    *,
    content_type: str | None = None,
    title: str | None = None,
) -> Extracted:
    """The main text of an HTML page as Markdown and plain text; never raises.

    `url` is the page's own (after redirects): relative links are resolved against it.
    `title`, the article's, drops a leading heading that only repeats it.
    """
    html = page if isinstance(page, str) else decode_page(page, content_type)
    html = _defuse(html)
    try:
        with _EXTRACT_LOCK:
            found = _run_trafilatura(html)
    except Exception as exc:  # a library bug on one odd page must not stop a poll
        log.warning("extracting %s failed: %r", url, exc)
        return Extracted(None, None, f"could not read the page ({type(exc).__name__})")
    root = parse_html(found) if found else None
    if root is None:
        return Extracted(None, None, NO_ARTICLE)
    _drop_teasers(root)
    if title:
        _drop_title(root, title)
    # Judged on the extractor's own lines: when it finds no article it falls back to
    # the page's text, one line per menu item or headline, newlines and all.
    if not _looks_like_article("".join(root.itertext())):
        return Extracted(None, None, NO_ARTICLE)
    article = etree.tostring(root, encoding="unicode", method="html")
    text = html_to_text(article)
    return Extracted(html_to_markdown(article, _base_url(html, url)), text, None)


def _run_trafilatura(html: str) -> str | None:
    import trafilatura  # ~0.5 s to import: only when a page is actually read

    # No url=: trafilatura would resolve "story-2" against the site's root rather than
    # the page's folder. Links come out as written and are resolved by our converter.
    return trafilatura.extract(
        html,
        output_format="html",  # our own converter makes the Markdown: one set of rules
        fast=True,
        include_links=True,
        include_images=False,  # a terminal shows no images; alt texts read as noise
        include_tables=True,
        include_comments=False,
        # With formatting on, a bold "Read also:" label survives as its own paragraph.
        include_formatting=False,
        deduplicate=False,
    )


_BASE_HREF = re.compile(r"""<base\s[^>]*?href\s*=\s*["']?([^"'\s>]+)""", re.I)


def _base_url(html: str, url: str) -> str:
    """What relative links are relative to: the page's <base href>, else its own URL."""
    found = _BASE_HREF.search(html)
    if found:
        base = urljoin(url, found.group(1))
        if urlsplit(base).scheme in ("http", "https"):
            return base
    return url


_CHAR_REF = re.compile(r"&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));?")


def _defuse(html: str) -> str:
    """Turn character references to control characters into the characters, then strip.

    trafilatura gives up on a page with "&#27;" in it (and such a reference is how a
    hostile page smuggles a terminal escape past a filter that only sees raw bytes).
    HTML maps &#128;-&#159; to windows-1252 (&#150; is an en dash), so those are kept
    as what a browser shows.
    """

    def char(match: re.Match[str]) -> str:
        hex_digits, digits = match.groups()
        value = int(hex_digits, 16) if hex_digits else int(digits)
        if value in (9, 10, 13) or not (value < 32 or 127 <= value < 160):
            return match.group(0)
        if value >= 128:
            return bytes([value]).decode("cp1252", "ignore")  # "" where cp1252 has none
        return chr(value)

    if "&#" in html:
        html = _CHAR_REF.sub(char, html)
    return strip_controls(html)


def _drop_teasers(root: etree._Element) -> None:
    """Remove paragraphs that are only a short link: "read also" boxes inside an article."""
    for p in list(root.iter("p")):
        words = "".join(p.itertext()).split()
        linked = "".join(t for a in p.iter("a") for t in a.itertext()).split()
        if words and words == linked and len(words) < _TEASER_WORDS:
            _remove(p)


def _drop_title(root: etree._Element, title: str) -> None:
    """The reader shows the article's title already; a first heading that repeats it goes."""
    wanted = _words(title)
    for heading in root.iter("h1", "h2", "h3"):
        seen = _words("".join(heading.itertext()))
        # "Title - Site" in the feed, "Title" on the page (or the other way round).
        prefix = wanted.startswith(seen) or seen.startswith(wanted)
        if seen and (seen == wanted or (prefix and len(seen) >= 0.6 * len(wanted))):
            _remove(heading)
        return  # only the first heading can be the title


def _words(s: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", s.casefold()).split())


def _remove(element: etree._Element) -> None:
    # lxml's remove() takes the element's tail text with it; keep it in place.
    parent = element.getparent()
    if parent is None:
        return
    if element.tail and element.tail.strip():
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)


def _looks_like_article(text: str) -> bool:
    return any(
        len(line.split()) >= _MIN_WORDS or len(line.strip()) >= _MIN_CHARS
        for line in text.splitlines()
    )


_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode_page(body: bytes, content_type: str | None = None) -> str:
    """Bytes of a page to text as a browser would: BOM, then HTTP charset, then <meta>.

    Without any of them: UTF-8 if it is valid, else windows-1252 (what browsers assume
    for latin-1 and for old pages without a label).
    """
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return body.decode(codec, "replace")
    header = None
    if content_type:
        found = re.search(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", content_type, re.I)
        header = found.group(1) if found else None
    meta = _META_CHARSET.search(body[:4096])
    labels = ((header, False), (meta.group(1).decode("ascii", "replace") if meta else None, True))
    for label, in_page in labels:
        codec = _codec(label, in_page)
        if codec:
            try:
                return body.decode(codec, "replace")
            except (LookupError, UnicodeError, ValueError):
                continue  # "rot13", "base64", "idna": codecs, but not a page's encoding
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body.decode("cp1252", "replace")


def _codec(label: str | None, in_page: bool) -> str | None:
    if not label:
        return None
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    if name in ("latin-1", "iso8859-1", "ascii"):
        return "cp1252"  # the WHATWG encoding standard maps these labels to windows-1252
    if in_page and name.startswith("utf-16"):
        return "utf-8"  # a page that can say "utf-16" in ASCII bytes is not UTF-16
    return name
