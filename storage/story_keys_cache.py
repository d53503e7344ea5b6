"""story_keys in memory, for a connection that groups many articles at once.

storage/stories.py finds a new article's candidates in story_keys with one statement of
two index seeks per term: 40-50 µs an article, most of what grouping costs the writer of
a big poll (tests/benchmarks/README.md). `KeyCache` holds the same rows in Python, each
key's sorted by publication time, and finds the same candidates with two binary searches
per term (10-15 µs).

It never answers from a stale copy. Every transaction that changes story_keys also
writes a new random token into story_keys_version (`Change`), and the cache holds the
token of the state it copies. Each change first reads the token: a change by another
connection, or a rollback of one of ours, shows as a token the cache does not hold, and
the cache is dropped.

It is kept only while it pays and stays small:
- built by reading the whole table, so only when the table has at most MAX_ROWS rows
  (the keys of 30,000 stories or so; about 160 bytes a row, so up to 16 MB), and only
  once the articles grouped through SQL since the cache was dropped have cost about as
  much as reading it would (ROWS_PER_ARTICLE rows each): a first poll into an empty
  table builds it at once, a daemon adding a few articles at a time to a big table
  never reads it;
- dropped when it grows past MAX_ROWS.
"""

from __future__ import annotations

import random
import sqlite3
import threading
import weakref
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass

MAX_ROWS = 100_000  # the largest table held in memory
ROWS_PER_ARTICLE = 32  # rows read to build the cache cost about one article's SQL lookup

# One candidate, as stories.py's SQL lookup returns it:
# (article_id, story_id, shared weight doubled, anchors doubled, places).
Candidate = tuple[int, int, int, int, int]
# An article as its rows carry it: (article_id, story_id, anchors doubled, places), one
# tuple shared by all its rows.
_Head = tuple[int, int, int, int]
# One key's rows, ordered by publication time: the times apart (for the binary
# searches), and beside each, (feed_id, weight doubled, the article's head).
_Postings = tuple[list[int], list[tuple[int, int, _Head]]]


class KeyCache:
    """A copy of story_keys: per key, its rows ordered by publication time."""

    def __init__(self, token: int) -> None:
        self.token = token
        self.postings: dict[int, _Postings] = {}
        self.rows = 0

    @classmethod
    def load(cls, conn: sqlite3.Connection, token: int) -> KeyCache:
        cache = cls(token)
        read = conn.cursor()
        read.row_factory = None
        postings = cache.postings
        heads: dict[int, _Head] = {}
        # The table's own order (its primary key): each key's rows come sorted.
        for key, published, article, feed, story, weight, anchors, places in read.execute(
            "SELECT key, published, article_id, feed_id, story_id, weight, anchors, places"
            " FROM story_keys"
        ):
            head = heads.get(article)
            if head is None:
                head = heads[article] = (article, story, anchors, places)
            found = postings.get(key)
            if found is None:
                postings[key] = ([published], [(feed, weight, head)])
            else:
                found[0].append(published)
                found[1].append((feed, weight, head))
            cache.rows += 1
        return cache

    def candidates(
        self,
        keys: dict[int, int],
        feed_id: int,
        earliest: int,
        latest: int,
        limit: int,
        least: int,
    ) -> list[Candidate]:
        """What stories.py's lookup statement returns: per article of another feed that
        shares any of `keys` (key -> doubled weight) published within [earliest, latest],
        the doubled weight shared, each key counting the lower of the two weights; keys
        found in `limit` or more rows of that span do not count. Only articles sharing
        at least `least` come back."""
        shared: dict[_Head, int] = {}
        postings = self.postings
        for key, mine in keys.items():
            found = postings.get(key)
            if found is None:
                continue
            times = found[0]
            first = bisect_left(times, earliest)
            last = bisect_right(times, latest, first)
            if first == last or last - first >= limit:
                continue
            for feed, weight, head in found[1][first:last]:
                if feed != feed_id:
                    shared[head] = shared.get(head, 0) + (weight if weight < mine else mine)
        return [
            (head[0], head[1], total, head[2], head[3])
            for head, total in shared.items()
            if total >= least
        ]

    def add(
        self,
        published: int,
        article: int,
        feed: int,
        story: int,
        anchors: int,
        places: int,
        keys: Iterable[tuple[int, int]],
    ) -> None:
        """One article's rows (`keys`: key and doubled weight), as inserted with INSERT
        OR IGNORE: a row already there for the same key, published and article stays."""
        head = (article, story, anchors, places)
        postings = self.postings
        for key, weight in keys:
            found = postings.get(key)
            if found is None:
                postings[key] = ([published], [(feed, weight, head)])
            elif found[0][-1] < published:  # newer than all the key's rows
                found[0].append(published)
                found[1].append((feed, weight, head))
            else:
                times, rows = found
                end = bisect_right(times, published)
                if end and times[end - 1] == published:  # rows of the same second: its own?
                    at = bisect_left(times, published, 0, end)
                    if any(row[2][0] == article for row in rows[at:end]):
                        continue
                times.insert(end, published)
                rows.insert(end, (feed, weight, head))
            self.rows += 1

    def prune(self, before: int, low_key: int | None = None, high_key: int | None = None) -> None:
        """Rows deleted for being published before `before`, of keys in [low_key,
        high_key) or of every key."""
        for key in [
            k
            for k in self.postings
            if low_key is None or high_key is None or low_key <= k < high_key
        ]:
            times, rows = self.postings[key]
            cut = bisect_left(times, before)
            if cut:
                del times[:cut]
                del rows[:cut]
                self.rows -= cut
                if not times:
                    del self.postings[key]


@dataclass
class _State:
    """What one connection knows about story_keys."""

    cache: KeyCache | None = None
    uncached: int = 0  # articles grouped through SQL since the last look at the table's size
    rows_seen: int = 0  # the table's size then (MAX_ROWS + 1: more than that)


_states: weakref.WeakKeyDictionary[sqlite3.Connection, _State] = weakref.WeakKeyDictionary()
_states_lock = threading.Lock()


def _state(conn: sqlite3.Connection) -> _State | None:
    with _states_lock:
        try:
            state = _states.get(conn)
            if state is None:
                state = _states[conn] = _State()
        except TypeError:  # a plain sqlite3.Connection: no weak references, no cache
            return None
        return state


def current_token(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT token FROM story_keys_version").fetchone()[0]


class Change:
    """One change to story_keys inside the caller's transaction.

        with Change(conn, articles=len(ids)) as change:
            ... look candidates up in change.cache (None: in SQL), write rows,
            ... and apply the same rows to change.cache

    On the way in, the connection's cache is checked against the table's token (and
    built, when that pays); on the way out a new token goes into the table and the cache
    takes it. If the block fails, the cache is dropped: it may hold half a change."""

    def __init__(self, conn: sqlite3.Connection, articles: int = 0) -> None:
        self.conn = conn
        self.articles = articles
        self.state = _state(conn)
        self.cache: KeyCache | None = None

    def __enter__(self) -> Change:
        state = self.state
        if state is None:
            return self
        token = current_token(self.conn)
        if state.cache is not None and state.cache.token != token:
            state.cache = None
        if state.cache is None and self.articles:
            state.uncached += self.articles
            if state.uncached * ROWS_PER_ARTICLE >= state.rows_seen:
                state.rows_seen = _bounded_count(self.conn)
                if state.rows_seen <= MAX_ROWS:
                    state.cache = KeyCache.load(self.conn, token)
                state.uncached = 0
        self.cache = state.cache
        return self

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        state = self.state
        if kind is not None:
            if state is not None:
                state.cache = None
            return
        token = random.getrandbits(62)
        self.conn.execute("UPDATE story_keys_version SET token = ?", (token,))
        if state is None or state.cache is None:
            return
        if state.cache.rows > MAX_ROWS:
            state.cache, state.rows_seen, state.uncached = None, state.cache.rows, 0
        else:
            state.cache.token = token


def _bounded_count(conn: sqlite3.Connection) -> int:
    """Rows in story_keys, counted up to MAX_ROWS + 1."""
    return conn.execute(
        "SELECT count(*) FROM (SELECT 1 FROM story_keys LIMIT ?)", (MAX_ROWS + 1,)
    ).fetchone()[0]
