"""The keyword filter language: text to an AST, AST to one FTS5 MATCH string plus SQL.

    ukraine (weapons OR "air defence") -russia title:aid* feed:bbc is:unread since:7d

Words are whole words, case- and diacritic-insensitive, stemmed by FTS5's porter
tokenizer. Every user term is emitted as a double-quoted FTS5 string and every other
value is a bound parameter, so no user text ever reaches FTS5 or SQL as syntax.
docs/query-language.md is the user's reference.

The compiled SQL refers to the articles table as `a` (columns id, feed_id, published,
read, starred). A malformed query raises QueryError with a 1-based column.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from storage.query_parse import (
    FIELDS,
    And,
    Filter,
    Node,
    Not,
    Or,
    QueryError,
    Term,
    parse_query,
)

__all__ = [
    "FIELDS",
    "FTS_SUBQUERY",
    "CompiledQuery",
    "QueryError",
    "compile_query",
    "parse_query",
    "parse_time",
    "quote",
]

STATES = {
    "unread": "a.read = 0",
    "read": "a.read = 1",
    "starred": "a.starred = 1",
    "unstarred": "a.starred = 0",
}
FTS_SUBQUERY = "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?"
# The host of feeds.url, in SQL: what follows "://" up to the next "/".
_REST = "substr(url, instr(url, '://') + 3)"
_HOST = f"substr({_REST}, 1, instr({_REST} || '/', '/') - 1)"

# -- compiling -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CompiledQuery:
    """`match` (when not None) must hold: `a.id IN (SELECT rowid FROM articles_fts WHERE
    articles_fts MATCH :match)`; `where` is an SQL condition on `a` with `params`."""

    match: str | None = None
    where: str = ""
    params: tuple[object, ...] = ()
    terms: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return self.match is None and not self.where

    def condition(self, fts_subquery: str = FTS_SUBQUERY) -> tuple[str, list[object]]:
        """The whole query as one SQL condition on `a` ("1" when empty). `fts_subquery`
        replaces the full-text subquery, e.g. to restrict it to a few rowids at ingest."""
        parts: list[str] = []
        params: list[object] = []
        if self.match is not None:
            parts.append(f"a.id IN ({fts_subquery})")
            params.append(self.match)
        if self.where:
            parts.append(self.where.replace(FTS_SUBQUERY, fts_subquery))
            params.extend(self.params)
        return (" AND ".join(parts) or "1"), params


@dataclass(frozen=True, slots=True)
class _Fts:
    positive: bool
    expr: str


@dataclass(slots=True)
class _Sql:
    sql: str
    params: list[object] = field(default_factory=list)


def quote(text: str) -> str:
    """One FTS5 string literal: the only way user text enters a MATCH."""
    return '"' + text.replace("\x00", "").replace('"', '""') + '"'


def compile_query(text: str, *, now: int | None = None, for_topic: bool = False) -> CompiledQuery:
    """Compile filter-language text. `for_topic` rejects what cannot be materialised at
    ingest (is:, and since:/before: relative to now)."""
    node = parse_query(text)
    if node is None:
        return CompiledQuery()
    now = int(time.time()) if now is None else now
    compiler = _Compiler(now, for_topic)
    if isinstance(node, And):
        results = [compiler.node(c) for c in node.children]
        fts = [r for r in results if isinstance(r, _Fts)]
        sql = [r for r in results if isinstance(r, _Sql)]
        merged = _and_fts(fts) if fts else None
        if sql and merged is not None and merged.positive:
            # The usual shape, "words ... filters": one MATCH plus SQL conditions.
            return CompiledQuery(
                match=merged.expr,
                where=" AND ".join(f"({s.sql})" for s in sql),
                params=tuple(p for s in sql for p in s.params),
                terms=compiler.unique_terms(),
            )
        result = compiler.combine(And, results)
    else:
        result = compiler.node(node)
    if isinstance(result, _Fts):
        if result.positive:
            return CompiledQuery(match=result.expr, terms=compiler.unique_terms())
        return CompiledQuery(
            where=f"a.id NOT IN ({FTS_SUBQUERY})",
            params=(result.expr,),
            terms=compiler.unique_terms(),
        )
    return CompiledQuery(
        where=result.sql, params=tuple(result.params), terms=compiler.unique_terms()
    )


class _Compiler:
    def __init__(self, now: int, for_topic: bool) -> None:
        self.now = now
        self.for_topic = for_topic
        self.terms: list[str] = []

    def node(self, node: Node, negated: bool = False) -> _Fts | _Sql:
        if isinstance(node, Term):
            if not negated:
                self.terms.append(node.text.lower() + ("*" if node.prefix else ""))
            expr = quote(node.text) + ("*" if node.prefix else "")
            if node.column is not None:
                expr = f"{node.column} : {expr}"
            return _Fts(True, expr)
        if isinstance(node, Filter):
            return self.filter(node)
        if isinstance(node, Not):
            child = self.node(node.child, not negated)
            if isinstance(child, _Fts):
                return _Fts(not child.positive, child.expr)
            return _Sql(f"NOT ({child.sql})", child.params)
        return self.combine(type(node), [self.node(c, negated) for c in node.children])

    def combine(self, kind: type[And] | type[Or], children: list[_Fts | _Sql]) -> _Fts | _Sql:
        fts = [c for c in children if isinstance(c, _Fts)]
        sql = [c for c in children if isinstance(c, _Sql)]
        merged = (_and_fts if kind is And else _or_fts)(fts) if fts else None
        if not sql:
            assert merged is not None
            return merged
        parts = [*sql, _as_sql(merged)] if merged is not None else sql
        joiner = " AND " if kind is And else " OR "
        return _Sql(joiner.join(f"({p.sql})" for p in parts), [x for p in parts for x in p.params])

    def unique_terms(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.terms))

    def filter(self, node: Filter) -> _Sql:
        value = node.value.strip()
        if node.kind == "feed":
            if not value:
                raise QueryError("feed: needs a name", node.pos)
            like = "%" + re.sub(r"([\\%_])", r"\\\1", value) + "%"
            return _Sql(
                "a.feed_id IN (SELECT id FROM feeds WHERE title LIKE ? ESCAPE '\\'"
                f" OR {_HOST} LIKE ? ESCAPE '\\')",
                [like, like],
            )
        if node.kind == "is":
            if self.for_topic:
                raise QueryError("topics cannot use is:", node.pos, "it changes after ingest")
            state = STATES.get(value.lower())
            if state is None:
                raise QueryError(
                    f"unknown state 'is:{value}'", node.pos, "use is:unread, is:read, is:starred"
                )
            return _Sql(state)
        moment, relative = parse_time(value, self.now, node)
        if relative and self.for_topic:
            raise QueryError(f"topics cannot use a relative {node.kind}:", node.pos, "use a date")
        op = ">=" if node.kind == "since" else "<"
        return _Sql(f"a.published {op} ?", [moment])


def _as_sql(fts: _Fts) -> _Sql:
    op = "IN" if fts.positive else "NOT IN"
    return _Sql(f"a.id {op} ({FTS_SUBQUERY})", [fts.expr])


def _group(exprs: list[str], op: str) -> str:
    return exprs[0] if len(exprs) == 1 else "(" + f" {op} ".join(exprs) + ")"


def _and_fts(items: list[_Fts]) -> _Fts:
    # FTS5 has only a binary NOT: a AND NOT b AND NOT c == a NOT (b OR c), and a query of
    # nothing but negations stays negative: NOT b AND NOT c == NOT (b OR c).
    pos = [i.expr for i in items if i.positive]
    neg = [i.expr for i in items if not i.positive]
    if not pos:
        return _Fts(False, _group(neg, "OR"))
    expr = _group(pos, "AND")
    if neg:
        expr = f"{expr} NOT {_group(neg, 'OR')}"
    return _Fts(True, f"({expr})" if neg else expr)


def _or_fts(items: list[_Fts]) -> _Fts:
    # a OR NOT b OR NOT c == NOT ((b AND c) NOT a)
    pos = [i.expr for i in items if i.positive]
    neg = [i.expr for i in items if not i.positive]
    if not neg:
        return _Fts(True, _group(pos, "OR"))
    expr = _group(neg, "AND")
    if pos:
        expr = f"({expr} NOT {_group(pos, 'OR')})"
    return _Fts(False, expr)


_DURATION_RE = re.compile(r"(\d{1,6})([mhdw])")
_UNITS = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_DATE_FORMATS = ("%Y-%m-%d", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M")


def parse_time(value: str, now: int, node: Filter | None = None) -> tuple[int, bool]:
    """'24h', '7d', '2w', '1d12h' (before now) or '2026-07-01[T10:00[:00]][Z]' (UTC)
    -> (Unix seconds, is_relative)."""
    text = value.strip().lower()
    pos = node.pos if node else 1
    kind = node.kind if node else "since"
    parts = _DURATION_RE.findall(text)
    if parts and "".join(a + b for a, b in parts) == text:
        return now - sum(int(n) * _UNITS[u] for n, u in parts), True
    stamp = text.removesuffix("z")
    for fmt in _DATE_FORMATS:
        try:
            moment = datetime.strptime(stamp, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
        return int(moment.timestamp()), False
    raise QueryError(
        f"bad time '{kind}:{value}'", pos, f"use e.g. {kind}:24h, {kind}:7d, {kind}:2026-07-01"
    )
