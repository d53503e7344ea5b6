"""The read side for lists: counts, pages, topic summaries and search results.

A `View` is what a pane shows: one topic (or all articles), an optional filter-language
query, and an order. Pages are read as ids first, then as rows. How the ids are found
depends on how many articles the query's words match (FTS5 counts that in a few ms):

- few matches: walk the matches and sort them by date;
- many matches: walk the date index from the newest and keep the matching ones,
  which stops after about `limit` rows.

Deep pages continue from the (published, id) of the previous page's last row when it is
known (a small cache, dropped whenever the database changes), so scrolling costs the
same at row 100,000 as at row 0. See tests/benchmarks/bench_query.py for the numbers.
"""

from __future__ import annotations

import math
import re
import sqlite3
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime

from storage.highlight import Highlighted, highlights
from storage.query import FTS_SUBQUERY, CompiledQuery, compile_query
from storage.store import ArticleRow, row_to_article_row
from storage.topics import TopicInfo, topic_daily_counts, topics

__all__ = [
    "PageCache",
    "SearchResult",
    "TopicInfo",
    "View",
    "count",
    "page",
    "search",
    "topic_daily_counts",
    "topics",
    "view_terms",
]

SORTS = ("new", "relevance")
BM25 = "bm25(articles_fts, 4.0, 2.0, 1.0)"  # weights: title, author, text
RELEVANCE_POOL = 5_000  # bm25 ranks at most this many of the newest matches (see docs)
# Microseconds per step, measured at 1M articles; they choose between plans (see _plan).
COST_MATCH, COST_LIST, COST_INDEX_ROW = 1.5, 0.16, 0.2
_ROW_COLUMNS = (
    "a.id, a.feed_id, coalesce(f.title, f.url) AS feed, a.title, a.url, a.author,"
    " a.published, a.read, a.starred"
)


@dataclass(frozen=True, slots=True)
class View:
    """What a pane or a search shows. topic_id None: all articles; query '': no filter."""

    topic_id: int | None = None
    query: str = ""
    sort: str = "new"  # "new" | "relevance" (bm25; "new" when the query has no words)


@dataclass(frozen=True, slots=True)
class SearchResult:
    article: ArticleRow
    title: Highlighted
    snippet: Highlighted
    topics: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Plan:
    """SELECT id, published, id ... [WHERE ...] with a keyset hook and an ORDER BY."""

    sql: str
    params: list[object]
    order: str
    keyset: str | None = None  # "(published_col, id_col)" when the order is by date


class PageCache:
    """(view, offset) -> the (published, id) of the row just before that offset."""

    def __init__(self, size: int = 512) -> None:
        self.size = size
        self.state: tuple[int, int] | None = None
        self.entries: OrderedDict[tuple[object, int], tuple[int, int]] = OrderedDict()

    def check(self, conn: sqlite3.Connection) -> None:
        state = (conn.execute("PRAGMA data_version").fetchone()[0], conn.total_changes)
        if state != self.state:
            self.entries.clear()
            self.state = state

    def nearest(self, key: object, offset: int) -> tuple[int, tuple[int, int]] | None:
        best = None
        for (k, at), boundary in self.entries.items():
            if k == key and at <= offset and (best is None or at > best[0]):
                best = (at, boundary)
        return best

    def remember(self, key: object, offset: int, boundary: tuple[int, int]) -> None:
        self.entries[(key, offset)] = boundary
        self.entries.move_to_end((key, offset))
        while len(self.entries) > self.size:
            self.entries.popitem(last=False)


def compile_view(view: View, now: int | None = None) -> CompiledQuery:
    if view.sort not in SORTS:
        raise ValueError(f"unknown sort {view.sort!r}")
    return compile_query(view.query, now=now) if view.query.strip() else CompiledQuery()


def fts_count(conn: sqlite3.Connection, match: str, limit: int | None = None) -> int:
    """How many articles the full-text match finds (at most `limit`: counting stops)."""
    if limit is None:
        sql, params = "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH ?", [match]
    else:
        sql = "SELECT count(*) FROM (SELECT 1 FROM articles_fts WHERE articles_fts MATCH ? LIMIT ?)"
        params = [match, limit]
    return conn.execute(sql, params).fetchone()[0]


def _domain_size(conn: sqlite3.Connection, topic_id: int | None) -> int:
    if topic_id is None:  # max(id) is free and close enough for a cost estimate
        return conn.execute("SELECT coalesce(max(id), 0) FROM articles").fetchone()[0]
    row = conn.execute("SELECT total FROM topics WHERE id = ?", (topic_id,)).fetchone()
    return row[0] if row else 0


_TOPIC_COLUMNS = re.compile(r"\ba\.(id|read|published)\b")
_TOPIC_NAMES = {"id": "t.article_id", "read": "t.read", "published": "t.published"}


def _in_topic(where: str) -> tuple[str, bool]:
    """A condition on `a` moved onto article_topics `t` where the copied columns allow;
    and whether it still needs the articles table (starred, feed)."""
    moved = _TOPIC_COLUMNS.sub(lambda m: _TOPIC_NAMES[m.group(1)], where)
    return moved, "a." in moved


def _plan(
    conn: sqlite3.Connection, view: View, q: CompiledQuery, reach: int, *, counting: bool = False
) -> _Plan:
    """How to find a view's ids; `reach` is offset + limit (how far the page goes).

    Every plan selects (id, published, id) and orders by date, newest first, except
    relevance, which orders by bm25.
    """
    topic = view.topic_id
    if topic is None:
        select, source, args = "SELECT a.id, a.published, a.id", "articles a", []
        where, keyset = q.where, "(a.published, a.id)"
        order = "ORDER BY a.published DESC, a.id DESC"
        first, id_col = "", "a.id"
    else:
        where, needs_articles = _in_topic(q.where)
        select, args = "SELECT t.article_id, t.published, t.article_id", [topic]
        source = "article_topics t" + (
            " CROSS JOIN articles a ON a.id = t.article_id" if needs_articles else ""
        )
        keyset = "(t.published, t.article_id)"
        order = "ORDER BY t.published DESC, t.article_id DESC"
        first, id_col = "t.topic_id = ?", "t.article_id"
    conditions = [c for c in (first, f"({where})" if where else "") if c]
    if q.match is None:  # filters only (their SQL may hold a full-text subquery)
        # Every plan has a top-level WHERE, so page_ids can add the keyset with AND.
        sql = f"{select} FROM {source} WHERE {' AND '.join(conditions) or '1'}"
        return _Plan(sql, [*args, *q.params], order, keyset)
    if view.sort == "relevance" and not counting:
        return _fts_driven(
            select,
            source,
            topic,
            where,
            [q.match, *q.params],
            args,
            f"ORDER BY {BM25}, {id_col} DESC",
            None,
        )
    if counting:
        driven_by_matches = not where
    else:
        # Walking matches costs ~1.5 us each; walking the date index costs ~0.16 us per
        # match to build a lookup list, plus ~0.2 us per index row, and it visits about
        # reach * domain / matches rows. Measured at 1M articles (bench_query.py).
        # Past `enough` matches the index walk wins whatever their number (the difference
        # only grows with it), so counting stops there: a common word has 100,000.
        domain = _domain_size(conn, topic)
        spare = COST_MATCH - COST_LIST
        enough = math.isqrt(int(reach * domain * COST_INDEX_ROW / spare)) + 1 if spare > 0 else None
        matches = fts_count(conn, q.match, limit=enough)
        walk_index = matches * COST_LIST + reach * domain / max(matches, 1) * COST_INDEX_ROW
        driven_by_matches = matches != enough and matches * COST_MATCH <= walk_index
    if driven_by_matches:
        return _fts_driven(select, source, topic, where, [q.match, *q.params], args, order, keyset)
    # The unary + keeps SQLite from turning the IN list into rowid lookups: the list is
    # built once and probed while the date index is walked in order.
    conditions.insert(1 if first else 0, f"+{id_col} IN ({FTS_SUBQUERY})")
    return _Plan(
        f"{select} FROM {source} WHERE {' AND '.join(conditions)}",
        [*args, q.match, *q.params],
        order,
        keyset,
    )


def _fts_driven(
    select: str,
    source: str,
    topic: int | None,
    where: str,
    params: list[object],
    args: list[object],
    order: str,
    keyset: str | None,
) -> _Plan:
    """Walk the full-text matches first (CROSS JOIN fixes the order of the loops)."""
    if topic is None:
        joined = "articles_fts CROSS JOIN articles a ON a.id = articles_fts.rowid"
    else:
        joined = (
            "articles_fts CROSS JOIN article_topics t"
            " ON t.topic_id = ? AND t.article_id = articles_fts.rowid"
            + source.removeprefix("article_topics t")
        )
    extra = f" AND ({where})" if where else ""
    return _Plan(
        f"{select} FROM {joined} WHERE articles_fts MATCH ?{extra}", [*args, *params], order, keyset
    )


def count(conn: sqlite3.Connection, view: View, now: int | None = None) -> int:
    return _count(conn, view, compile_view(view, now))


def _count(conn: sqlite3.Connection, view: View, q: CompiledQuery) -> int:
    if q.empty:
        if view.topic_id is not None:
            return _domain_size(conn, view.topic_id)
        return conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    if q.match is not None and not q.where and view.topic_id is None:
        return fts_count(conn, q.match)
    if q.match is None and q.where == f"a.id NOT IN ({FTS_SUBQUERY})":
        # Only negations: everything minus what the words would find.
        words = CompiledQuery(match=str(q.params[0]))
        return _count(conn, view, CompiledQuery()) - _count(conn, view, words)
    plan = _plan(conn, view, q, 0, counting=True)
    return conn.execute(f"SELECT count(*) FROM ({plan.sql})", plan.params).fetchone()[0]


def page_ids(
    conn: sqlite3.Connection,
    view: View,
    offset: int,
    limit: int,
    now: int | None = None,
    cache: PageCache | None = None,
) -> list[int]:
    q = compile_view(view, now)
    offset, limit = max(0, offset), max(0, limit)
    if view.sort == "relevance" and q.match is not None:
        return _relevance_ids(conn, view, q, offset, limit)
    plan = _plan(conn, view, q, offset + limit)
    sql, params, skip = plan.sql, list(plan.params), offset
    key = (view.topic_id, view.sort, q.match, q.where, q.params)
    if cache is not None and plan.keyset is not None:
        cache.check(conn)
        known = cache.nearest(key, offset)
        if known is not None:
            at, boundary = known
            sql = f"{sql} AND {plan.keyset} < (?, ?)"
            params += list(boundary)
            skip = offset - at
    rows = conn.execute(f"{sql} {plan.order} LIMIT ? OFFSET ?", [*params, limit, skip]).fetchall()
    if cache is not None and plan.keyset is not None and rows:
        cache.remember(key, offset + len(rows), (rows[-1][1], rows[-1][2]))
    return [r[0] for r in rows]


def rows_by_id(conn: sqlite3.Connection, ids: list[int]) -> list[ArticleRow]:
    """List rows for the given ids, in the given order."""
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    rows = conn.execute(
        f"SELECT {_ROW_COLUMNS} FROM articles a JOIN feeds f ON f.id = a.feed_id"
        f" WHERE a.id IN ({marks})",
        ids,
    ).fetchall()
    by_id = {row[0]: row_to_article_row(row) for row in rows}
    return [by_id[i] for i in ids if i in by_id]


def page(
    conn: sqlite3.Connection,
    view: View,
    offset: int,
    limit: int = 50,
    now: int | None = None,
    cache: PageCache | None = None,
) -> list[ArticleRow]:
    return rows_by_id(conn, page_ids(conn, view, offset, limit, now, cache))


def view_ids(conn: sqlite3.Connection, view: View, now: int | None = None) -> list[int]:
    """Every article id of a view, for bulk actions such as mark-read."""
    q = compile_view(view, now)
    plan = _plan(conn, view, q, 0, counting=True)
    return [r[0] for r in conn.execute(plan.sql, plan.params)]


def mark_view_read(
    conn: sqlite3.Connection, view: View, read: bool = True, now: int | None = None
) -> int:
    """Mark every article of a view read (or unread) in one UPDATE; returns how many
    changed. The view's ids never come into Python, so a million-article view costs one
    statement. Call inside a write transaction."""
    q = compile_view(view, now)
    plan = _plan(conn, view, q, 0, counting=True)
    conn.execute(
        f"WITH v(id, p, i) AS ({plan.sql})"
        " UPDATE articles SET read = ? WHERE read != ? AND id IN (SELECT id FROM v)",
        [*plan.params, int(read), int(read)],
    )
    # cursor.rowcount is -1 for a statement that starts with WITH; changes() counts the
    # UPDATE's own rows (not the triggers' ones).
    return int(conn.execute("SELECT changes()").fetchone()[0])


def view_terms(view: View) -> list[str]:
    """The words a view's query looks for, lower-case, for highlighting (prefixes end in *)."""
    return list(compile_view(view, 0).terms)


def view_highlights(
    conn: sqlite3.Connection, view: View, ids: list[int]
) -> dict[int, tuple[Highlighted, Highlighted]]:
    return highlights(conn, compile_view(view, 0).match, ids)


def search(
    conn: sqlite3.Connection,
    view: View,
    offset: int = 0,
    limit: int = 50,
    now: int | None = None,
    cache: PageCache | None = None,
) -> list[SearchResult]:
    """A page of a view with highlighted titles, snippets and topic names."""
    ids = page_ids(conn, view, offset, limit, now, cache)
    rows = rows_by_id(conn, ids)
    marked = highlights(conn, compile_view(view, now).match, ids)
    names = topic_names(conn, ids)
    out = []
    for row in rows:
        title, snippet = marked.get(row.id, (Highlighted(row.title), Highlighted("")))
        out.append(SearchResult(row, title, snippet, names.get(row.id, ())))
    return out


def _relevance_ids(
    conn: sqlite3.Connection, view: View, q: CompiledQuery, offset: int, limit: int
) -> list[int]:
    """bm25 order over the newest RELEVANCE_POOL matches (or more, for deep pages):
    scoring all 100,000 matches of a common word takes ~200 ms, the newest 5,000 ~10 ms."""
    assert q.match is not None
    pool = max(RELEVANCE_POOL, 4 * (offset + limit))
    floor = conn.execute(
        "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?"
        " ORDER BY rowid DESC LIMIT 1 OFFSET ?",
        (q.match, pool - 1),
    ).fetchone()
    plan = _plan(conn, view, q, offset + limit)
    sql, params = plan.sql, list(plan.params)
    if floor is not None:
        sql += " AND articles_fts.rowid >= ?"
        params.append(floor[0])
    rows = conn.execute(f"{sql} {plan.order} LIMIT ? OFFSET ?", [*params, limit, offset])
    ids = [r[0] for r in rows]
    if floor is not None and len(ids) < limit:  # the filters thinned the pool out
        rows = conn.execute(
            f"{plan.sql} {plan.order} LIMIT ? OFFSET ?", [*plan.params, limit, offset]
        )
        ids = [r[0] for r in rows]
    return ids


def topic_names(conn: sqlite3.Connection, ids: list[int]) -> dict[int, tuple[str, ...]]:
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    out: dict[int, list[str]] = {}
    for article_id, name in conn.execute(
        "SELECT t.article_id, p.name FROM article_topics t JOIN topics p ON p.id = t.topic_id"
        f" WHERE t.article_id IN ({marks}) ORDER BY p.position, p.id",
        ids,
    ):
        out.setdefault(article_id, []).append(name)
    return {k: tuple(v) for k, v in out.items()}


def iso_utc(timestamp: int) -> str:
    """'2026-11-28T09:15:00Z'."""
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
