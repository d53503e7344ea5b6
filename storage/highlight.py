"""Marking matched words for display: FTS5 highlight()/snippet() spans, and a pure-Python
approximation (`term_spans`) for text that is not in the index.

Spans are (start, end) character offsets into plain text, so the dashboard can style
them as Rich `Text` without any markup ever being parsed from feed content.
"""

from __future__ import annotations

import sqlite3
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

# Markers FTS5 puts around matches: private-use characters that cleaned feed text does
# not contain. They never leave this module.
_OPEN, _CLOSE = "\ue000", "\ue001"


@dataclass(frozen=True, slots=True)
class Highlighted:
    """Plain text plus (start, end) character spans of the matched words."""

    text: str
    spans: tuple[tuple[int, int], ...] = ()

    def marked(self, left: str = "«", right: str = "»") -> str:
        """The text with each match wrapped in `left` ... `right`."""
        out, last = [], 0
        for start, end in self.spans:
            out += [self.text[last:start], left, self.text[start:end], right]
            last = end
        out.append(self.text[last:])
        return "".join(out)


def highlights(
    conn: sqlite3.Connection, match: str | None, ids: Sequence[int], tokens: int = 24
) -> dict[int, tuple[Highlighted, Highlighted]]:
    """Per article id: (title, snippet of the text) with the words `match` found marked.
    With no `match`: the plain title and the start of the text."""
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    if match is None:
        rows = conn.execute(
            f"SELECT id, title, substr(text, 1, 400) FROM articles WHERE id IN ({marks})",
            list(ids),
        ).fetchall()
        return {r[0]: (Highlighted(r[1]), Highlighted(shorten(r[2]))) for r in rows}
    rows = conn.execute(
        "SELECT rowid, highlight(articles_fts, 0, ?, ?),"
        " snippet(articles_fts, 2, ?, ?, '…', ?)"
        f" FROM articles_fts WHERE articles_fts MATCH ? AND rowid IN ({marks})",
        [_OPEN, _CLOSE, _OPEN, _CLOSE, max(1, min(tokens, 64)), match, *ids],
    ).fetchall()
    return {r[0]: (parse_marks(r[1] or ""), parse_marks(r[2] or "")) for r in rows}


def parse_marks(text: str) -> Highlighted:
    """Text with FTS5 markers -> plain text and spans."""
    plain: list[str] = []
    spans: list[tuple[int, int]] = []
    length = 0
    for i, part in enumerate(text.replace(_CLOSE, _OPEN).split(_OPEN)):
        if i % 2 == 1 and part:
            spans.append((length, length + len(part)))
        plain.append(part)
        length += len(part)
    return Highlighted("".join(plain), tuple(spans))


def shorten(text: str, limit: int = 200) -> str:
    """Whitespace collapsed, cut at a word boundary near `limit` characters."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > limit // 2 else limit] + "…"


def term_spans(text: str, terms: Sequence[str]) -> list[tuple[int, int]]:
    """Spans of whole words in `text` that the terms would match, approximately: case,
    diacritics and simple English endings are ignored, "weap*" matches a word start.
    For highlighting titles in lists without asking the index."""
    wanted: set[str] = set()
    prefixes: list[str] = []
    for term in terms:
        for word in _words(term):
            if term.endswith("*") and term.rstrip("*").endswith(word):
                prefixes.append(_fold(word))
            else:
                wanted.add(_stem(_fold(word)))
    spans: list[tuple[int, int]] = []
    start = None
    for i, ch in enumerate(text + " "):
        if ch.isalnum():
            if start is None:
                start = i
            continue
        if start is not None:
            word = _fold(text[start:i])
            if _stem(word) in wanted or any(word.startswith(p) for p in prefixes):
                spans.append((start, i))
            start = None
    return spans


def _words(text: str) -> list[str]:
    return "".join(ch if ch.isalnum() else " " for ch in text).split()


def _fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _stem(word: str) -> str:
    for suffix in ("ies", "es", "s", "ing", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word
