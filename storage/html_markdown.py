"""Entry HTML to Markdown for the reader view (``storage.clean.html_to_markdown``).

Owns what the reader may show: paragraphs, headings, lists, quotes, code,
emphasis, tables, and links that are absolute and http(s)/mailto only. Text
from the feed is escaped so that it stays text: "*", "[", "<", "#" or "1." in an
article never become markup, links or HTML. Runs when an article is opened,
not at ingest; still never raises and never recurses without bound.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urljoin, urlsplit

from lxml import etree

from storage.clean import (
    DROP_TAGS,
    has_markup,
    html_to_text,
    one_line,
    parse_html,
    strip_controls,
)
from storage.feed_links import url_text as _url_text

__all__ = ["convert"]

# Forms are dropped here (not in search text, where a page wrapped in <form> would lose
# everything): the reader has nothing to do with inputs and their labels.
_DROP = DROP_TAGS | {"form", "input"}
_MAX_DEPTH = 48  # deeper markup is flattened to text; libxml2 allows 256, Python less
_HARD_BREAK = "\x00"  # libxml2 never yields NUL in text, so it cannot collide
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_CONTAINERS = frozenset(
    "address article aside body center details dialog div dl fieldset figure footer form "  # noqa: SIM905
    "header hgroup main nav section summary figcaption dt dd caption legend p".split()
)
_BLOCKS = _CONTAINERS | {"blockquote", "hr", "ol", "ul", "menu", "dir", "pre", "table", "li"}
_BLOCKS |= frozenset(_HEADINGS)
_EMPHASIS = {"em": "*", "i": "*", "cite": "*", "dfn": "*", "var": "*", "strong": "**", "b": "**"}
_STRIKE = frozenset(("del", "s", "strike"))
_CODE = frozenset(("code", "kbd", "samp", "tt"))
_LINK_SCHEMES = frozenset(("http", "https", "mailto"))
_ESCAPE = re.compile(r"([\\`*_\[\]<>|~#&])")
_LINE_START_MARKUP = re.compile(r"^(\d{1,9}(?=[.)])|(?=[-+=]))")  # "1." -> "1\.", "-" -> "\-"
_LIST_BLOCK = re.compile(r"^(?:- |\d{1,9}\. )")
_SPACE = re.compile(r"[ \t\n\r\f\v]+")
_BACKTICKS = re.compile(r"`+")
_MANY_NEWLINES = re.compile(r"\n{3,}")


def convert(html: str, base_url: str | None) -> str:
    if not html or not html.strip():
        return ""
    if not has_markup(html):  # plain text: keep its paragraphs and lines, escape it
        paragraphs = html_to_text(html).split("\n\n")
        return "\n\n".join(
            _finish_inline(_escape(p).replace("\n", _HARD_BREAK)) for p in paragraphs
        )
    # Before parsing: escaping "[" later would hide a CSI sequence from strip_controls.
    root = parse_html(strip_controls(html))
    if root is None:
        return ""
    body = root.find("body")
    blocks = _Renderer(base_url).blocks(body if body is not None else root, 0)
    markdown = "\n\n".join(b for b in blocks if b.strip())
    markdown = _MANY_NEWLINES.sub("\n\n", strip_controls(markdown))
    return markdown.strip("\n")


def _escape(text: str) -> str:
    return _ESCAPE.sub(r"\\\1", text)


def _text(text: str) -> str:
    # Controls go before escaping: "\x1b[" escaped to "\x1b\\[" is no longer a CSI.
    return _escape(strip_controls(text))


def _finish_inline(raw: str) -> str:
    """Collapse whitespace, turn break markers into Markdown hard breaks, and escape what
    only means something at the start of a line (list markers, setext underlines)."""
    lines = []
    for line in _SPACE.sub(" ", raw).split(_HARD_BREAK):
        line = line.strip()
        if line:  # an empty line would end the paragraph; several <br> make one break
            lines.append(_LINE_START_MARKUP.sub(r"\1\\", line, count=1))
    return "\\\n".join(lines)


def _wrap(inner: str, mark: str) -> str:
    core = inner.strip()
    if not core or core.replace(_HARD_BREAK, "") == "":
        return inner
    lead = inner[: len(inner) - len(inner.lstrip())]
    trail = inner[len(inner.rstrip()) :]
    return f"{lead}{mark}{core}{mark}{trail}"


def _code_span(text: str) -> str:
    text = " ".join(text.split())
    if not text:
        return ""
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _indent(text: str, first: str, rest: str, blank: str = "") -> str:
    lines = text.split("\n")
    return "\n".join([first + lines[0]] + [rest + line if line else blank for line in lines[1:]])


class _Renderer:
    def __init__(self, base_url: str | None) -> None:
        self.base_url = base_url

    # --- blocks -------------------------------------------------------------------

    def blocks(self, el: etree._Element, depth: int) -> list[str]:
        """The children of ``el`` as Markdown blocks; loose inline content becomes paragraphs."""
        if depth > _MAX_DEPTH:
            return [
                _escape(p)
                for p in html_to_text(etree.tostring(el, encoding="unicode")).split("\n\n")
            ]
        out: list[str] = []
        inline: list[str] = [_text(el.text)] if el.text else []
        for child in el:
            tag = child.tag
            if isinstance(tag, str) and tag not in _DROP:
                if tag in _BLOCKS:
                    self._flush(inline, out)
                    out.extend(self.block(child, depth + 1))
                else:
                    inline.append(self.inline(child, depth + 1))
            if child.tail:
                inline.append(_text(child.tail))
        self._flush(inline, out)
        return out

    @staticmethod
    def _flush(inline: list[str], out: list[str]) -> None:
        if inline:
            paragraph = _finish_inline("".join(inline))
            if paragraph:
                out.append(paragraph)
            inline.clear()

    def block(self, el: etree._Element, depth: int) -> list[str]:
        tag = el.tag
        if tag in _HEADINGS:
            text = _finish_inline(self.inline_content(el, depth)).replace("\\\n", " ")
            return [f"{'#' * _HEADINGS[tag]} {text}"] if text else []
        if tag in ("ul", "ol", "menu", "dir"):
            return [self.list(el, depth)]
        if tag == "li":  # an <li> outside any list
            return [self.list_item(el, "- ", depth)]
        if tag == "blockquote":
            inner = "\n\n".join(self.blocks(el, depth))
            return [_indent(inner, "> ", "> ", ">")] if inner else []
        if tag == "pre":
            return [self.code_block(el)]
        if tag == "hr":
            return ["---"]
        if tag == "table":
            return [self.table(el, depth)]
        return self.blocks(el, depth)

    def list(self, el: etree._Element, depth: int) -> str:
        ordered = el.tag == "ol"
        try:
            number = int(el.get("start") or 1)
        except ValueError:
            number = 1
        number = max(0, min(number, 999_999_999))  # CommonMark allows at most 9 digits
        items = []
        for child in el:
            if not isinstance(child.tag, str) or child.tag in _DROP:
                continue
            marker = f"{number}. " if ordered else "- "
            items.append(self.list_item(child, marker, depth))
            number += 1
        return "\n".join(item for item in items if item)

    def list_item(self, el: etree._Element, marker: str, depth: int) -> str:
        blocks = self.blocks(el, depth)
        if not blocks:
            return ""
        inner = blocks[0]
        for block in blocks[1:]:
            # A sublist right under its item's text keeps the list tight.
            inner += ("\n" if _LIST_BLOCK.match(block) else "\n\n") + block
        return _indent(inner, marker, " " * len(marker))

    def code_block(self, el: etree._Element) -> str:
        parts: list[str] = []
        for event, node in etree.iterwalk(el, events=("start", "end")):
            if event == "start":
                if node.tag == "br":
                    parts.append("\n")
                elif node.text and isinstance(node.tag, str) and node.tag not in _DROP:
                    parts.append(node.text)
            elif node is not el and node.tail:
                parts.append(node.tail)
        code = strip_controls("".join(parts)).strip("\n")
        longest = max((len(run) for run in _BACKTICKS.findall(code)), default=0)
        fence = "`" * max(3, longest + 1)
        return f"{fence}\n{code}\n{fence}"

    def table(self, el: etree._Element, depth: int) -> str:
        rows = []
        for tr in el.iter("tr"):
            cells = [
                _finish_inline(self.inline_content(cell, depth)).replace("\\\n", " ")
                for cell in tr
                if cell.tag in ("td", "th")
            ]
            if cells:
                rows.append(cells)
        if not rows:
            return ""
        width = max(len(r) for r in rows)
        lines = ["| " + " | ".join(r + [""] * (width - len(r))) + " |" for r in rows]
        lines.insert(1, "|" + " --- |" * width)
        return "\n".join(lines)

    # --- inline -------------------------------------------------------------------

    def inline_content(self, el: etree._Element, depth: int) -> str:
        parts = [_text(el.text)] if el.text else []
        for child in el:
            if isinstance(child.tag, str) and child.tag not in _DROP:
                parts.append(self.inline(child, depth + 1))
            if child.tail:
                parts.append(_text(child.tail))
        return "".join(parts)

    def inline(self, el: etree._Element, depth: int) -> str:
        tag = el.tag
        if tag == "br":
            return _HARD_BREAK
        if tag == "img":
            return self.image(el)
        if depth > _MAX_DEPTH:
            return _escape(" ".join("".join(el.itertext()).split()))
        if tag in _CODE:
            return _code_span(strip_controls("".join(el.itertext())))
        inner = self.inline_content(el, depth)
        if tag in _EMPHASIS:
            return _wrap(inner, _EMPHASIS[tag])
        if tag in _STRIKE:
            return _wrap(inner, "~~")
        if tag == "a":
            return self.link(el, inner)
        if tag in _BLOCKS:  # a block inside inline markup (<a><div>..): keep words apart
            return f" {inner} "
        return inner

    def link(self, el: etree._Element, inner: str) -> str:
        url = self.safe_url(el.get("href"))
        text = inner.strip().replace(_HARD_BREAK, " ")
        if not url or not text:
            return inner
        return f"[{text}]({url})"

    def image(self, el: etree._Element) -> str:
        if el.get("width") in ("0", "1") or el.get("height") in ("0", "1"):
            return ""  # a tracking pixel, not a picture
        alt = _escape(one_line(el.get("alt") or ""))
        return f"\\[image: {alt}\\]" if alt else "\\[image\\]"

    def safe_url(self, href: str | None) -> str | None:
        """Absolute http(s)/mailto URL, percent-encoded so it cannot end the link early."""
        href = _url_text(href or "")
        if not href or href.startswith("#"):
            return None
        try:
            url = urljoin(self.base_url, href) if self.base_url else href
            scheme = urlsplit(url).scheme.lower()
        except ValueError:
            return None
        if scheme not in _LINK_SCHEMES:
            return None
        return quote(url, safe=":/?#[]@!$&'*+,;=%~-._")
