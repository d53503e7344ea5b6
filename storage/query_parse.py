"""Reading filter-language text: tokens, then a tree of terms, filters and operators.

storage/query.py compiles the tree; docs/query-language.md is the user's reference.
A malformed query raises QueryError with a 1-based column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

FIELDS = ("title", "author", "feed", "is", "since", "before")
TEXT_FIELDS = {"title": 0, "author": 1}  # column index in articles_fts
_FIELD_HINT = "use " + ", ".join(f"{f}:" for f in FIELDS)


class QueryError(ValueError):
    """A query that cannot be compiled; str() is one line, e.g. '... at column 14'."""

    def __init__(self, message: str, column: int, hint: str = "") -> None:
        super().__init__(f"{message} at column {column}" + (f" ({hint})" if hint else ""))
        self.message = message
        self.column = column
        self.hint = hint


# -- the AST ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Term:
    """A word, "phrase" or prefix*; `column` limits it to title or author."""

    text: str
    phrase: bool = False
    prefix: bool = False
    column: str | None = None


@dataclass(frozen=True, slots=True)
class Filter:
    """A condition outside the full-text index: feed:, is:, since:, before:."""

    kind: str
    value: str
    pos: int


@dataclass(frozen=True, slots=True)
class Not:
    child: Node


@dataclass(frozen=True, slots=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    children: tuple[Node, ...]


Node = Term | Filter | Not | And | Or


# -- tokens ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # "(", ")", "AND", "OR", "NOT", "-", "word", "phrase", "field"
    text: str
    pos: int  # 1-based column


_FIELD_RE = re.compile(r"([A-Za-z_]+):")
_WORD_END = re.compile(r'[\s()"]')


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in "()":
            tokens.append(Token(ch, ch, i + 1))
            i += 1
        elif ch == '"':
            end = text.find('"', i + 1)
            if end < 0:
                raise QueryError("unbalanced quote", i + 1)
            tokens.append(Token("phrase", text[i + 1 : end], i + 1))
            i = end + 1
        elif ch == "-" and i + 1 < n and not text[i + 1].isspace() and text[i + 1] != ")":
            tokens.append(Token("-", "-", i + 1))
            i += 1
        else:
            field_match = _FIELD_RE.match(text, i)
            if field_match:
                name = field_match.group(1)
                if name.lower() not in FIELDS:
                    raise QueryError(f"unknown field '{name}:'", i + 1, _FIELD_HINT)
                tokens.append(Token("field", name.lower(), i + 1))
                i = field_match.end()
                continue
            end_match = _WORD_END.search(text, i)
            end = end_match.start() if end_match else n
            word = text[i:end]
            kind = word if word in ("AND", "OR", "NOT") else "word"
            tokens.append(Token(kind, word, i + 1))
            i = end
    return tokens


# -- parsing ---------------------------------------------------------------------------


class _Parser:
    """Recursive descent: or := and (OR and)*; and := unary (AND? unary)*; unary := NOT unary
    | -unary | primary; primary := ( or ) | term | field:value."""

    def __init__(self, text: str, tokens: list[Token]) -> None:
        self.text = text
        self.tokens = tokens
        self.i = 0

    def peek(self) -> Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def end_column(self) -> int:
        return len(self.text.rstrip()) + 1

    def parse(self) -> Node | None:
        if not self.tokens:
            return None
        node = self.or_expr()
        token = self.peek()
        if token is not None:
            if token.kind == ")":
                raise QueryError("unbalanced parenthesis: ')' without '('", token.pos)
            raise QueryError(f"unexpected {token.text!r}", token.pos)  # pragma: no cover
        return node

    def or_expr(self) -> Node | None:
        token = self.peek()
        if token is not None and token.kind in ("OR", "AND"):
            raise QueryError(f"{token.kind} needs a term before it", token.pos)
        parts = [self.and_expr()]
        while (token := self.peek()) is not None and token.kind == "OR":
            self.take()
            self.need_operand(token)
            parts.append(self.and_expr())
        return _combine(Or, parts)

    def and_expr(self) -> Node | None:
        parts = [self.unary()]
        while (token := self.peek()) is not None and token.kind not in ("OR", ")"):
            if token.kind == "AND":
                self.take()
                self.need_operand(token)
            parts.append(self.unary())
        return _combine(And, parts)

    def need_operand(self, op: Token) -> None:
        token = self.peek()
        if token is None or token.kind in ("OR", "AND", ")"):
            raise QueryError(f"{op.kind} needs a term after it", op.pos)

    def unary(self) -> Node | None:
        token = self.peek()
        if token is not None and token.kind in ("NOT", "-"):
            self.take()
            self.need_operand(token if token.kind == "NOT" else Token("-", "-", token.pos))
            child = self.unary()
            return Not(child) if child is not None else None
        return self.primary()

    def primary(self, column: str | None = None) -> Node | None:
        token = self.peek()
        if token is None:  # pragma: no cover - callers check first
            raise QueryError("a term is missing", self.end_column())
        if token.kind in ("AND", "OR"):
            raise QueryError(f"{token.kind} needs a term before it", token.pos)
        if token.kind == ")":
            raise QueryError("unbalanced parenthesis: ')' without '('", token.pos)
        self.take()
        if token.kind == "(":
            if (inner := self.peek()) is not None and inner.kind == ")":
                raise QueryError("empty parentheses", token.pos)
            if inner is None:
                raise QueryError("unbalanced parenthesis: '(' without ')'", token.pos)
            node = self.or_expr()
            close = self.peek()
            if close is None or close.kind != ")":
                raise QueryError("unbalanced parenthesis: '(' without ')'", token.pos)
            self.take()
            return _with_column(node, column)
        if token.kind == "field":
            return self.field(token, column)
        if token.kind == "phrase":
            return _term(token.text, phrase=True, column=column)
        if token.kind in ("-", "NOT"):  # pragma: no cover - unary handles these
            raise QueryError(f"{token.kind} needs a term after it", token.pos)
        word = token.text
        prefix = word.endswith("*")
        stem = word.rstrip("*")
        if prefix and not stem:
            raise QueryError("* must follow the start of a word, as in weap*", token.pos)
        if "*" in stem:
            raise QueryError("* is only allowed at the end of a word", token.pos)
        return _term(stem, prefix=prefix, column=column)

    def field(self, token: Token, column: str | None) -> Node | None:
        name = token.text
        value = self.peek()
        adjacent = value is not None and value.pos == token.pos + len(name) + 1
        if not adjacent or value is None or value.kind in (")", "AND", "OR", "-", "NOT"):
            raise QueryError(f"{name}: needs a value right after it", token.pos)
        if name in TEXT_FIELDS:
            if column is not None and column != name:
                raise QueryError(f"{name}: cannot be used inside {column}:", token.pos)
            if value.kind == "field":
                raise QueryError(f"{name}: needs a word, phrase or group", token.pos)
            return self.primary(column=name)
        if column is not None:
            raise QueryError(f"{name}: cannot be used inside {column}:", token.pos)
        if value.kind not in ("word", "phrase"):
            raise QueryError(f'{name}: needs a word or "phrase"', token.pos)
        self.take()
        return Filter(name, value.text, token.pos)


def _term(
    text: str, *, phrase: bool = False, prefix: bool = False, column: str | None = None
) -> Term | None:
    text = text.replace("\x00", "")
    # A term with nothing FTS5 would index (e.g. "&") would match nothing; drop it,
    # as a search box would.
    if not any(ch.isalnum() for ch in text):
        return None
    return Term(text, phrase, prefix, column)


def _with_column(node: Node | None, column: str | None) -> Node | None:
    if node is None or column is None:
        return node
    if isinstance(node, Term):
        return Term(node.text, node.phrase, node.prefix, column)
    if isinstance(node, Not):
        return Not(_with_column(node.child, column))  # type: ignore[arg-type]
    if isinstance(node, And | Or):
        kids = tuple(_with_column(c, column) for c in node.children)
        return type(node)(kids)  # type: ignore[arg-type]
    return node  # a filter inside title:(...) still applies, as a filter


def _combine(kind: type[And] | type[Or], parts: list[Node | None]) -> Node | None:
    kept = [p for p in parts if p is not None]
    if not kept:
        return None
    if len(kept) == 1:
        return kept[0]
    return kind(tuple(kept))


def parse_query(text: str) -> Node | None:
    """The AST of a query; None for a query with nothing in it."""
    return _Parser(text, tokenize(text)).parse()
