"""Matched keywords: a view's terms, found in list titles and in the reader's text.

The terms come from storage.listing.view_terms ("ukraine", "air defence", "weapon*");
storage.highlight.term_spans finds them the way search does, roughly (case, diacritics
and common English endings ignored). In the reader, matches become bold italic through
a markdown-it rule that splits text tokens only, so link targets, code and markup are
never touched.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from storage.highlight import term_spans
from storage.listing import View, view_terms

MAX_SCAN = 400  # characters of a title searched; bounds the work per row

Terms = tuple[str, ...]


def terms_of(*queries: str) -> Terms:
    """The positive terms of filter-language queries; a query that does not compile
    adds none."""
    from storage.query import QueryError

    found: list[str] = []
    for query in queries:
        if not query.strip():
            continue
        try:
            found += view_terms(View(query=query))
        except (QueryError, ValueError):
            continue
    return tuple(dict.fromkeys(found))


def spans(text: str, terms: Sequence[str]) -> list[tuple[int, int]]:
    if not terms or not text:
        return []
    return term_spans(text[:MAX_SCAN], list(terms))


def _split_text_token(token: Token, terms: Sequence[str]) -> list[Token]:
    text = token.content
    found = term_spans(text, list(terms))
    if not found:
        return [token]
    out: list[Token] = []
    pos = 0
    for start, end in found:
        if start > pos:
            out.append(_text(text[pos:start]))
        out += [Token("em_open", "em", 1), Token("strong_open", "strong", 1)]
        out.append(_text(text[start:end]))
        out += [Token("strong_close", "strong", -1), Token("em_close", "em", -1)]
        pos = end
    if pos < len(text):
        out.append(_text(text[pos:]))
    return out


def _text(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token


def markdown_parser(get_terms: Callable[[], Terms]) -> Callable[[], MarkdownIt]:
    """A parser factory for textual's Markdown that highlights the current terms."""

    def highlight(state: StateCore) -> None:
        terms = get_terms()
        if not terms:
            return
        for block in state.tokens:
            if block.type != "inline" or not block.children:
                continue
            children: list[Token] = []
            for child in block.children:
                if child.type == "text":
                    children.extend(_split_text_token(child, terms))
                else:
                    children.append(child)
            block.children = children

    def factory() -> MarkdownIt:
        parser = MarkdownIt("gfm-like")
        parser.core.ruler.push("newsdeck_highlight", highlight)
        return parser

    return factory
