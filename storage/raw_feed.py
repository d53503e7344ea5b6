"""The format-neutral middle of parsing: what a feed says, before any cleaning.

Each reader (RSS/Atom via lxml, JSON Feed, the feedparser fallback) fills these
with the strings as written; ``storage.parse`` turns them into clean ``Entry``
objects with one set of rules, whatever the format or path.
"""

from __future__ import annotations

import html as _html
import re
from dataclasses import dataclass, field

__all__ = ["RawEntry", "RawFeed", "text_to_html"]


@dataclass(slots=True)
class RawEntry:
    id: str = ""
    link: str = ""  # absolute when the format gave a base (xml:base), else as written
    title: str = ""
    title_is_html: bool | None = None  # None: the format does not say (RSS), so sniff
    author: str = ""
    published: str = ""  # date strings as written
    updated: str = ""
    content: str = ""  # HTML
    summary: str = ""  # HTML


@dataclass(slots=True)
class RawFeed:
    kind: str
    title: str = ""
    title_is_html: bool | None = None
    link: str = ""
    entries: list[RawEntry] = field(default_factory=list)
    warning: str | None = None


_BLANK_LINES = re.compile(r"\n[ \t]*\n")


def text_to_html(text: str) -> str:
    """Plain text as HTML, so that the ``html`` field always holds HTML: blank lines
    become paragraphs, single newlines ``<br>``, and ``<`` or ``&`` stay literal."""
    if not text.strip():
        return ""
    paragraphs = (p.strip() for p in _BLANK_LINES.split(text.replace("\r\n", "\n")))
    return "".join(
        "<p>" + _html.escape(p, quote=False).replace("\n", "<br>") + "</p>" for p in paragraphs if p
    )
