"""Untrusted feed text and HTML to safe plain text (and, on demand, Markdown).

Owns the rules for what may reach a terminal: no C0/C1 control characters, no
terminal escape sequences, no lone surrogates. Everything here runs on hostile
input, must never raise for any ``str``, and ``html_to_text`` sits on the ingest
hot path (one call per article), so it avoids per-call setup and Python-level walks.
"""

from __future__ import annotations

import html as _html
import re
import threading

from lxml import etree

__all__ = ["has_controls", "html_to_markdown", "html_to_text", "one_line", "strip_controls"]

# Every character strip_controls acts on: C0 except \t and \n (so \r counts), DEL,
# C1, and lone surrogates (which would make SQLite's UTF-8 encoding fail later).
_CONTROL_CHARS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]+")
_CONTROLS_BUT_CR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]+")
# Terminal escape sequences are removed whole, so no "[31m" debris is left behind.
# String bodies stop at any ESC or C1 character, so every attempt scans at most to
# the next introducer and the pattern stays linear on hostile input; an OSC without
# its terminator only loses its introducer (the rest is then harmless text).
_ESCAPE_SEQUENCES = re.compile(
    # OSC, DCS, SOS, PM, APC: 7-bit or 8-bit introducer, ended by BEL or ST
    "(?:\x1b[\\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x80-\x9f]*(?:\x07|\x1b\\\\|\x9c)"
    "|(?:\x1b\\[|\x9b)[0-?]*[ -/]*[@-~]"  # CSI, 7-bit and 8-bit
    "|\x1b[ -/]*[0-~]"  # two-byte and nF sequences: ESC c, ESC ( B, ESC 7, ...
)


_C0_AND_DEL = bytes([*range(0, 9), *range(11, 32), 127])
_C1_IN_UTF8 = re.compile(b"\xc2[\x80-\x9f]")


def has_controls(s: str) -> bool:
    """Whether strip_controls would change ``s``.

    Byte-level checks in C run several times faster than a regex over the str, and
    nearly every string on the ingest path is clean, so this is the common answer.
    """
    try:
        data = s.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return True
    if len(data.translate(None, _C0_AND_DEL)) != len(data):
        return True
    return b"\xc2" in data and _C1_IN_UTF8.search(data) is not None


def strip_controls(s: str) -> str:
    """Remove control characters and terminal escape sequences; keep ``\\n`` and ``\\t``.

    ``\\r\\n`` and a lone ``\\r`` become ``\\n`` rather than vanishing, so old Mac line
    endings do not glue lines together (and a bare CR can never overwrite a line).
    """
    if not has_controls(s):
        return s
    if "\r" in s:
        s = s.replace("\r\n", "\n").replace("\r", "\n")
    s = _ESCAPE_SEQUENCES.sub("", s)
    return _CONTROL_CHARS.sub("", s)


def one_line(s: str) -> str:
    """Clean text for titles and authors: no controls, all whitespace runs become one space."""
    return " ".join(strip_controls(s).split())


# --- HTML to plain text -----------------------------------------------------------

# Markers for paragraph and line breaks, written while walking the tree: in Python
# for short fragments, by an XSLT text transform (the walk in C) for long ones,
# where it is 1.5x faster; the transform's setup costs more on short ones. Tab and
# CR are replaced in the input beforehand, so only a character reference such as
# &#9; can fake one: an extra line break, at worst.
_PARA = "\t"
_BREAK = "\r"
_INPUT_PREP = str.maketrans({"\t": " ", "\r": "\n", "\x00": None})
_SHORT_HTML = 2_500  # below this many characters, walk in Python rather than run the XSLT

_BLOCK_TAGS = frozenset(
    "address article aside blockquote body caption center dd details dialog dir div dl dt "  # noqa: SIM905
    "fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr legend li "
    "main menu nav ol p pre section summary table tbody tfoot thead ul".split()
)
# Content that is code, styling, embedded documents or form widgets, never prose.
DROP_TAGS = frozenset(
    "script style iframe noscript template head title object embed applet svg math select "  # noqa: SIM905
    "option textarea button canvas audio video frameset frame".split()
)
_MANY_NEWLINES = re.compile(r"\n{3,}")
# Anything that makes a string HTML rather than plain text: a tag, comment,
# doctype or CDATA opener. A lone "<" followed by a space or digit is just text.
_LOOKS_LIKE_TAG = re.compile(r"<[A-Za-z/!?]")
_BLANK_LINES = re.compile(r"\n[ \t\f\v\xa0]*\n")

_local = threading.local()


def _html_parser() -> etree.HTMLParser:
    # lxml parsers (and XSLT objects) must not be shared between threads, and building
    # one per call costs more than converting a short entry; keep one per thread.
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = etree.HTMLParser(
            encoding="utf-8",  # what parse_html passes; a <meta charset> must not override it
            recover=True,
            no_network=True,
            remove_comments=True,
            remove_pis=True,
            collect_ids=False,
            default_doctype=False,
        )
        _local.parser = parser
    return parser


def _text_transform() -> etree.XSLT:
    transform = getattr(_local, "transform", None)
    if transform is None:
        stylesheet = f"""<xsl:stylesheet version="1.0"
            xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
          <xsl:output method="text" encoding="UTF-8"/>
          <xsl:template match="{"|".join(sorted(_BLOCK_TAGS))}">
            <xsl:text>&#9;</xsl:text><xsl:apply-templates/><xsl:text>&#9;</xsl:text>
          </xsl:template>
          <xsl:template match="br|tr">
            <xsl:text>&#13;</xsl:text><xsl:apply-templates/>
          </xsl:template>
          <xsl:template match="td|th"><xsl:apply-templates/><xsl:text> </xsl:text></xsl:template>
          <xsl:template match="pre//text()">
            <xsl:value-of select="translate(., '&#10;', '&#13;')"/>
          </xsl:template>
          <xsl:template match="{"|".join(sorted(DROP_TAGS))}"/>
        </xsl:stylesheet>"""
        transform = etree.XSLT(
            etree.XML(stylesheet), access_control=etree.XSLTAccessControl.DENY_ALL
        )
        _local.transform = transform
    return transform


def parse_html(html: str) -> etree._Element | None:
    """Parse an HTML fragment or page with the shared safe parser; None if nothing is in it."""
    try:
        # Bytes, not str: lxml refuses str input that carries an encoding declaration.
        # Lone surrogates cannot be encoded; "replace" turns them into "?".
        return etree.HTML(html.encode("utf-8", "replace"), _html_parser())
    except (etree.LxmlError, ValueError):
        return None


def has_markup(s: str) -> bool:
    """Whether ``s`` holds any tag, comment or doctype (else it is plain text)."""
    return _LOOKS_LIKE_TAG.search(s) is not None


def html_to_text(html: str) -> str:
    """Plain text of an HTML fragment: blocks become paragraphs (blank line), ``<br>`` a newline.

    Input without any tag is treated as plain text (entities still decoded), and its
    blank lines are kept as paragraph breaks: many feeds put plain text where HTML
    belongs, and flattening their paragraphs would be a loss nobody asked for.
    """
    if not html:
        return ""
    if not has_markup(html):
        return _plain_text(html)
    if "\t" in html or "\r" in html or "\x00" in html:
        html = html.translate(_INPUT_PREP)
    root = parse_html(html)
    if root is None:
        return ""
    if len(html) < _SHORT_HTML:
        return _join_paragraphs("".join(_walk_text(root)))
    try:
        raw = bytes(_text_transform()(root)).decode("utf-8", "replace")
    except etree.LxmlError:
        raw = "".join(_walk_text(root))
    return _join_paragraphs(raw)


def _walk_text(root: etree._Element) -> list[str]:
    """Text pieces and break markers, by a walk in Python: the same result as the XSLT
    transform (a test holds them to that)."""
    pieces: list[str] = []
    add = pieces.append
    in_pre = 0
    walker = etree.iterwalk(root, events=("start", "end"))
    for event, el in walker:
        tag = el.tag
        if event == "start":
            if tag in DROP_TAGS:
                walker.skip_subtree()  # its "end" still comes, and brings the tail
                continue
            if tag in _BLOCK_TAGS:
                add(_PARA)
                in_pre += tag == "pre"
            elif tag == "br" or tag == "tr":
                add(_BREAK)
            if el.text:
                add(el.text.replace("\n", _BREAK) if in_pre else el.text)
        else:
            if tag in _BLOCK_TAGS:
                add(_PARA)
                in_pre -= tag == "pre"
            elif tag == "td" or tag == "th":
                add(" ")
            if el.tail:
                add(el.tail.replace("\n", _BREAK) if in_pre else el.tail)
    return pieces


def _plain_text(s: str) -> str:
    if "&" in s:
        s = _html.unescape(s)
    s = strip_controls(s)
    paragraphs = (" ".join(p.split()) for p in _BLANK_LINES.split(s))
    return "\n\n".join(p for p in paragraphs if p)


def _join_paragraphs(raw: str) -> str:
    if has_controls(raw):
        # Before whitespace is normalised, so "a \x1b[1m b" leaves one space, not two;
        # CR is spared because it is the line-break marker here.
        raw = _CONTROLS_BUT_CR.sub("", _ESCAPE_SEQUENCES.sub("", raw))
    # Newlines in HTML text are spaces (those in <pre> are break markers by now).
    # str.replace runs in C: 4x cheaper than the str.split() that would do it all.
    raw = raw.replace("\n", " ")
    if "\xa0" in raw:
        raw = raw.replace("\xa0", " ")
    paragraphs = []
    for para in raw.split(_PARA):
        if _BREAK in para:
            para = "\n".join(_collapse(line) for line in para.split(_BREAK)).strip("\n")
        else:
            para = _collapse(para)
        if para:
            paragraphs.append(para)
    text = "\n\n".join(paragraphs)
    if "\n\n\n" in text:
        text = _MANY_NEWLINES.sub("\n\n", text)
    return text


def _collapse(s: str) -> str:
    while "  " in s:
        s = s.replace("  ", " ")
    return s.strip(" ")


def html_to_markdown(html: str, base_url: str | None) -> str:
    """Markdown for the reader view: links absolute and safe, markup in text escaped.

    Not on the ingest path: the reader calls it when an article is opened.
    """
    from storage.html_markdown import convert  # keeps the converter off the import path

    return convert(html, base_url)
