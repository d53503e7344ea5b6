"""Feed bytes to text the parsers can trust: decoding, and making XML safe to parse.

Decoding: a BOM wins; then bytes that are valid UTF-8 are UTF-8 whatever the
labels say (servers mislabel far more often than Latin-1 text happens to be
valid UTF-8); then a declared non-Western charset; and otherwise UTF-8 with each
invalid byte read as windows-1252, which turns Latin-1 and cp1252 text
mislabelled as UTF-8 (and mixed files) into "café", “quotes” and €.

XML preparation: the DOCTYPE always goes (so no entity declared by a document is
ever expanded, whatever libxml2's own limits: no XXE, no billion laughs, no
quadratic blowup; a reference to an entity it declared is dropped). When libxml2
then reports errors, the text is repaired and parsed again: control characters
and terminal escapes go (libxml2 drops a raw ESC but keeps "[31m"), and named
references, XML's five and HTML's (&eacute;), become character references,
because after any error libxml2 silently drops named references but keeps
numeric ones ("&lt;p&gt;" would come out as "p"); a bare "&" is escaped.
"""

from __future__ import annotations

import codecs
import re
from html.entities import html5

from storage.clean import strip_controls

__all__ = ["decode_body", "remove_doctype", "repair_xml"]


def _cp1252_table() -> list[str]:
    table = []
    for byte in range(256):
        try:
            table.append(bytes([byte]).decode("cp1252"))
        except UnicodeDecodeError:
            table.append(chr(byte))  # the 5 undefined bytes: C1 controls, stripped later
    return table


_CP1252 = _cp1252_table()


def _cp1252_for_invalid_utf8(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeDecodeError):
        raise error
    bad = error.object[error.start : error.end]
    return "".join(_CP1252[b] for b in bad), error.end


codecs.register_error("newsdeck-cp1252", _cp1252_for_invalid_utf8)

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE, whose BOM is its prefix
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9._:-]{1,40})""")
_CHARSET = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9._:-]{1,40})""", re.I)
# Labels that mean "some Western single-byte encoding": the cp1252 fallback covers them.
_WESTERN = frozenset(("utf-8", "ascii", "latin-1", "iso8859-1", "cp1252", "iso8859-15"))


def decode_body(body: bytes, content_type: str | None = None) -> str:
    """The document as text; never fails, at worst some characters come out wrong."""
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(codec, "replace")
    if len(body) >= 4 and body[0] and not body[1] and body[2] and not body[3]:
        return body.decode("utf-16-le", "replace")  # "<\0?\0": UTF-16 without a BOM
    if len(body) >= 4 and not body[0] and body[1] and not body[2] and body[3]:
        return body.decode("utf-16-be", "replace")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    codec = _declared_codec(body, content_type)
    if codec and codec not in _WESTERN and not codec.startswith("utf-"):
        return body.decode(codec, "replace")
    return body.decode("utf-8", "newsdeck-cp1252")


def _declared_codec(body: bytes, content_type: str | None) -> str | None:
    label = None
    match = _CHARSET.search(content_type or "")
    if match:
        label = match.group(1)
    else:
        found = _XML_ENCODING.match(body[:300])
        if found:
            label = found.group(1).decode("ascii")
    if not label:
        return None
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


# --- XML preparation ------------------------------------------------------------

_FIRST_ELEMENT = re.compile(r"<[A-Za-z_]")
_SUBSET_END = re.compile(r"\]\s*>")
# Character references to characters XML forbids (C0 controls, surrogates): libxml2
# rejects them and, once it has seen an error, silently drops every later entity
# reference ("&lt;p&gt;" becomes "p"). They are turned into the raw characters,
# which strip_controls then removes together with any escape sequence they start.
_BAD_CHAR_REF = re.compile(
    r"&#(?:0*(?:[0-8]|1[124-9]|2[0-9]|3[01])|[xX]0*(?:[0-8bBcCeEfF]|1[0-9a-fA-F]|[dD][89a-fA-F][0-9a-fA-F]{2}));"
)
# Named references become character references, which survive libxml2's recovery.
_PREDEFINED = (
    ("&amp;", "&#38;"),
    ("&lt;", "&#60;"),
    ("&gt;", "&#62;"),
    ("&quot;", "&#34;"),
    ("&apos;", "&#39;"),
)
# What is left: an HTML named reference (&eacute;), an unknown one, or a bare "&".
_AMPERSAND_FIX = re.compile(
    r"&(?!#[0-9]{1,7};|#[xX][0-9a-fA-F]{1,6};)(?:([A-Za-z][A-Za-z0-9]{0,31});)?"
)


def repair_xml(text: str) -> str:
    """Text that libxml2 rejected, mended where mending is safe: references to forbidden
    characters, HTML named references, bare "&", control characters.

    Only run after a parse reported errors: a well-formed document reads the same
    either way, and the mending costs more than the parse (str.replace on every
    "&lt;" of escaped HTML). CDATA sections are left as they are (their "&" is
    literal); they are found with str.find, not a regex, so an unterminated section
    cannot make the work quadratic.
    """
    if "&" in text:
        out: list[str] = []
        pos = 0
        while pos < len(text):
            start = text.find("<![CDATA[", pos)
            if start == -1:
                out.append(_fix_references(text[pos:]))
                break
            end = text.find("]]>", start + 9)
            end = len(text) if end == -1 else end + 3
            out.append(_fix_references(text[pos:start]))
            out.append(text[start:end])
            pos = end
        text = "".join(out)
    # Last, so that it also takes the controls that bad references turned into.
    return strip_controls(text)


def _fix_references(segment: str) -> str:
    if "&" not in segment:
        return segment
    if "&#" in segment:
        segment = _BAD_CHAR_REF.sub(_char_for_reference, segment)
    for name, number in _PREDEFINED:
        segment = segment.replace(name, number)
    if segment.count("&") == segment.count("&#"):
        return segment  # only character references left: the usual case, and no regex
    return _AMPERSAND_FIX.sub(_fix_one, segment)


def _char_for_reference(match: re.Match[str]) -> str:
    ref = match.group(0)[2:-1]
    code = int(ref[1:], 16) if ref[0] in "xX" else int(ref)
    return "" if 0xD800 <= code <= 0xDFFF else chr(code)


def _fix_one(match: re.Match[str]) -> str:
    name = match.group(1)
    if name is None:
        return "&#38;"  # "AT&T": libxml2 would drop the "&T"
    chars = html5.get(name + ";")
    if chars is None:
        return ""  # unknown, or declared by the (removed) DOCTYPE: never expanded
    return "".join(f"&#{ord(c)};" for c in chars)


def remove_doctype(text: str) -> tuple[str, bool]:
    """The text without its DOCTYPE, and whether that declared entities. Always run:
    no entity a document declares is ever expanded, whatever libxml2's own limits."""
    first = _FIRST_ELEMENT.search(text)
    limit = first.start() if first else len(text)
    start = text.find("<!DOCTYPE", 0, limit)  # after the root element it is just text
    if start == -1:
        return text, False
    bracket = text.find("[", start, limit)
    close = text.find(">", start)
    if bracket != -1 and (close == -1 or bracket < close):
        subset_end = _SUBSET_END.search(text, bracket)  # an internal subset ends at "]>"
        close = subset_end.end() - 1 if subset_end else -1
    declared = "<!ENTITY" in text[start : close if close != -1 else len(text)]
    if close == -1:
        return text[:start], declared
    return text[:start] + text[close + 1 :], declared
