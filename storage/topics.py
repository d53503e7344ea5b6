"""Topics: named filter-language queries and their materialised membership (article_topics).

Membership is decided once, at ingest, inside the ingest transaction: `assign_topics`
runs each topic's query restricted to the new and changed articles. When a topic's
query changes (its `query_hash` differs from the config's) it is re-matched once
against every article by `sync_topics`. Counters on the topics row (total, unread) are
kept by triggers on article_topics (see storage/schema.py). `topics` and
`topic_daily_counts` summarise them for the topic list and its sparklines.
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from storage.config import TopicConfig
from storage.query import CompiledQuery, QueryError, compile_query

# At ingest, topic queries run against a small temporary FTS5 index of just the
# articles being ingested (same tokenizer as articles_fts), so their cost does not grow
# with the database. Measured, 50 new articles and 10 topics: ~45-70 ms at 1M articles
# when matching in articles_fts restricted to a rowid range, against a few ms here.
# Its columns are articles_fts's (full_text included), so a topic matches the same
# articles here as in a search.
_IDS_TABLE = "temp.newsdeck_assign_ids"
_BATCH_FTS = "newsdeck_assign_fts"
_BATCH_SUBQUERY = f"SELECT rowid FROM temp.{_BATCH_FTS} WHERE {_BATCH_FTS} MATCH ?"
_CHUNK = 5000
DAY = 86400


@dataclass(frozen=True, slots=True)
class TopicInfo:
    id: int
    name: str
    query: str
    key: str | None
    position: int
    total: int
    unread: int
    new_24h: int  # first seen in the last 24 hours


class TopicQueryError(QueryError):
    """A topic's query does not compile; names the topic."""

    def __init__(self, name: str, error: QueryError) -> None:
        super().__init__(f"topic {name!r}: {error.message}", error.column, error.hint)
        self.topic = name


@lru_cache(maxsize=256)
def compile_topic(query: str) -> CompiledQuery:
    """A topic's compiled query (absolute times only, so `now` does not matter)."""
    return compile_query(query, now=0, for_topic=True)


def query_hash(query: str) -> str:
    """Changes when what a query matches may change; not on spacing or comments."""
    compiled = compile_topic(query)
    text = repr((compiled.match, compiled.where, compiled.params))
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


def check_topics(topics: Sequence[TopicConfig]) -> None:
    """Raise TopicQueryError for the first topic whose query does not compile."""
    for topic in topics:
        try:
            compile_topic(topic.query)
        except QueryError as exc:
            raise TopicQueryError(topic.name, exc) from None


def sync_topics(conn: sqlite3.Connection, topics: Sequence[TopicConfig]) -> list[int]:
    """Make the topics table match the config; returns the ids that were (re-)matched.

    Upserts by name, re-matches a topic once when its query's hash changed, and deletes
    topics no longer configured (their membership goes with them). Call inside a write
    transaction, after `check_topics`.
    """
    rows = conn.execute("SELECT id, name, query_hash, query, key, position FROM topics")
    known = {row[1]: row for row in rows}
    rematched: list[int] = []
    for position, topic in enumerate(topics):
        digest = query_hash(topic.query)
        row = known.pop(topic.name, None)
        if row is None:
            cur = conn.execute(
                "INSERT INTO topics (name, query, query_hash, position, key)"
                " VALUES (?, ?, ?, ?, ?)",
                (topic.name, topic.query, digest, position, topic.key),
            )
            topic_id = int(cur.lastrowid or 0)
            rematch_topic(conn, topic_id, topic.query)
            rematched.append(topic_id)
            continue
        topic_id = row[0]
        if tuple(row[3:]) != (topic.query, topic.key, position) or row[2] != digest:
            conn.execute(
                "UPDATE topics SET query = ?, query_hash = ?, key = ?, position = ? WHERE id = ?",
                (topic.query, digest, topic.key, position, topic_id),
            )
        if row[2] != digest:
            rematch_topic(conn, topic_id, topic.query)
            rematched.append(topic_id)
    for row in known.values():
        conn.execute("DELETE FROM topics WHERE id = ?", (row[0],))
    return rematched


def rematch_topic(conn: sqlite3.Connection, topic_id: int, query: str) -> None:
    """Recompute one topic's membership over every article."""
    condition, params = compile_topic(query).condition()
    conn.execute("DELETE FROM article_topics WHERE topic_id = ?", (topic_id,))
    conn.execute(
        "INSERT INTO article_topics (topic_id, article_id, published, read)"
        f" SELECT ?, a.id, a.published, a.read FROM articles a WHERE {condition}",
        [topic_id, *params],
    )


def assign_topics(conn: sqlite3.Connection, article_ids: Sequence[int]) -> None:
    """Record which topics the given new or changed articles belong to.

    Their old memberships are replaced. Call inside the ingest transaction.
    """
    topics = conn.execute("SELECT id, query FROM topics ORDER BY position").fetchall()
    if not topics or not article_ids:
        return
    compiled = []
    for topic_id, query in topics:
        try:
            compiled.append((topic_id, compile_topic(query)))
        except QueryError:
            continue  # stored before the language changed; sync_topics reports it
    conn.execute(f"CREATE TABLE IF NOT EXISTS {_IDS_TABLE} (id INTEGER PRIMARY KEY)")
    conn.execute(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.{_BATCH_FTS} USING fts5("
        "title, author, text, full_text, content = '',"
        " tokenize = 'porter unicode61 remove_diacritics 2')"
    )
    ordered = sorted(set(article_ids))
    for start in range(0, len(ordered), _CHUNK):
        chunk = ordered[start : start + _CHUNK]
        conn.execute(f"DELETE FROM {_IDS_TABLE}")
        conn.execute(f"INSERT INTO temp.{_BATCH_FTS}({_BATCH_FTS}) VALUES ('delete-all')")
        conn.executemany(f"INSERT INTO {_IDS_TABLE} (id) VALUES (?)", [(i,) for i in chunk])
        conn.execute(
            f"INSERT INTO temp.{_BATCH_FTS} (rowid, title, author, text, full_text)"
            " SELECT id, title, author, text, full_text FROM articles"
            f" WHERE id IN (SELECT id FROM {_IDS_TABLE})"
        )
        conn.execute(
            f"DELETE FROM article_topics WHERE article_id IN (SELECT id FROM {_IDS_TABLE})"
        )
        for topic_id, query in compiled:
            condition, params = query.condition(_BATCH_SUBQUERY)
            conn.execute(
                "INSERT INTO article_topics (topic_id, article_id, published, read)"
                " SELECT ?, a.id, a.published, a.read FROM articles a"
                f" WHERE a.id IN (SELECT id FROM {_IDS_TABLE}) AND {condition}",
                [topic_id, *params],
            )
    conn.execute(f"DELETE FROM {_IDS_TABLE}")
    conn.execute(f"INSERT INTO temp.{_BATCH_FTS}({_BATCH_FTS}) VALUES ('delete-all')")


# -- summaries for the topic list and its sparklines -----------------------------------


def topics(conn: sqlite3.Connection, now: int | None = None) -> list[TopicInfo]:
    now = int(time.time()) if now is None else now
    fresh = dict(
        conn.execute(
            # CROSS JOIN keeps the planner on the first_seen index: a day of articles,
            # not a scan of every membership.
            "SELECT t.topic_id, count(*) FROM articles a"
            " CROSS JOIN article_topics t ON t.article_id = a.id"
            " WHERE a.first_seen >= ? GROUP BY t.topic_id",
            (now - DAY,),
        ).fetchall()
    )
    rows = conn.execute(
        "SELECT id, name, query, key, position, total, unread FROM topics ORDER BY position, id"
    ).fetchall()
    return [TopicInfo(*row, new_24h=fresh.get(row[0], 0)) for row in rows]


def topic_daily_counts(
    conn: sqlite3.Connection, topic_id: int | None, days: int = 30, now: int | None = None
) -> list[int]:
    """Articles per UTC day by publication date, oldest first; the last is today."""
    now = int(time.time()) if now is None else now
    days = max(1, days)
    start = (now // DAY - days + 1) * DAY
    if topic_id is None:
        sql = "SELECT (published - ?) / ?, count(*) FROM articles WHERE published >= ?"
        params: list[object] = [start, DAY, start]
    else:
        sql = (
            "SELECT (published - ?) / ?, count(*) FROM article_topics"
            " WHERE topic_id = ? AND published >= ?"
        )
        params = [start, DAY, topic_id, start]
    counts = [0] * days
    for day, n in conn.execute(
        f"{sql} AND published < ? GROUP BY 1", [*params, start + days * DAY]
    ):
        counts[int(day)] = n
    return counts
