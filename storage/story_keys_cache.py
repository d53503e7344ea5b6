"""story_keys in memory, for a connection that groups many articles at once.

storage/stories.py finds a new article's candidates in story_keys with one statement of
two index seeks per term: 40-50 µs an article, most of what grouping costs the writer of
a big poll (tests/benchmarks/README.md). `KeyCache` holds the same rows in Python, each
key's sorted by publication time, and finds the same candidates with two binary searches
per term.

It never answers from a stale copy. Every transaction that changes story_keys also
writes a new random token into story_keys_version (`Change`), and the cache holds the
token of the state it copies. Each change first reads the token: a change by another
connection, or a rollback of one of ours, shows as a token the cache does not hold, and
the cache is dropped.

It is kept only while it pays and stays small:
- built by reading the whole table, so only when the table has at most MAX_ROWS rows
  (the keys of 20,000-30,000 articles, about 11 MB), and only once the articles
  grouped through SQL since the cache was dropped have cost about as much as reading it
  would (ROWS_PER_ARTICLE rows each): a first poll into an empty table builds it at
  once, a daemon adding a few articles at a time to a big table never reads it;
- dropped when it grows past MAX_ROWS.
"""

from __future__ import annotations

import random
import sqlite3
import threading
import weakref
from bisect import bisect_left
from dataclasses import dataclass

MAX_ROWS = 100_000  # the largest table held in memory
ROWS_PER_ARTICLE = 32  # rows read to build the cache cost about one article's SQL lookup

# One row of a key, packed into one int: the fields read for every row in range low,
# the publication time on top (so a key's rows sort by it), the rest between. Every field
# is as wide as SQLite's integers, so any row fits; a negative value does not (`usable`).
# About 110 bytes a row in all, against 250 as a tuple.
_FEED_AT = 32  # below it: the term's weight, doubled
_ARTICLE_AT = _FEED_AT + 63
_ANCHORS_AT = _ARTICLE_AT + 63
_PLACES_AT = _ANCHORS_AT + 32
_STORY_AT = _PLACES_AT + 63
_PUBLISHED_AT = _STORY_AT + 63
_WEIGHT_MASK, _ANCHORS_MASK, _ID_MASK = (1 << 32) - 1, (1 << 32) - 1, (1 << 63) - 1
# One candidate, as stories.py's SQL lookup returns it:
# (article_id, story_id, shared weight doubled, anchors doubled, places).
Candidate = tuple[int, int, int, int, int]


class KeyCache:
    """A copy of story_keys: per key, its rows packed and ordered by publication time.
    `usable` goes False when a row will not pack (a negative id); then drop the copy."""

    def __init__(self, token: int) -> None:
        self.token = token
        self.postings: dict[int, list[int]] = {}
        self.rows = 0
        self.usable = True

    @classmethod
    def load(cls, conn: sqlite3.Connection, token: int) -> KeyCache:
        cache = cls(token)
        read = conn.cursor()
        read.row_factory = None
        postings = cache.postings
        # The table's own order (its primary key): each key's rows come sorted.
        for key, published, article, feed, story, weight, anchors, places in read.execute(
            "SELECT key, published, article_id, feed_id, story_id, weight, anchors, places"
            " FROM story_keys"
        ):
            if (feed | article | story | weight | anchors | places) < 0:
                cache.usable = False
                break
            row = (
                published << _PUBLISHED_AT
                | story << _STORY_AT
                | places << _PLACES_AT
                | anchors << _ANCHORS_AT
                | article << _ARTICLE_AT
                | feed << _FEED_AT
                | weight
            )
            found = postings.get(key)
            if found is None:
                postings[key] = [row]
            else:
                found.append(row)
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
        # A row less its weight is its article's head: the feed (lowest bits), the id and
        # the rest, the same in each of the article's rows. Weight is summed per head.
        shared: dict[int, int] = {}
        start, end = earliest << _PUBLISHED_AT, (latest + 1) << _PUBLISHED_AT
        postings, id_mask, weight_mask = self.postings, _ID_MASK, _WEIGHT_MASK
        for key, mine in keys.items():
            found = postings.get(key)
            if not found:
                continue
            first = bisect_left(found, start)
            last = bisect_left(found, end, first)
            if first == last or last - first >= limit:
                continue
            for row in found[first:last]:
                head = row >> _FEED_AT
                if head & id_mask != feed_id:
                    weight = row & weight_mask
                    shared[head] = shared.get(head, 0) + (weight if weight < mine else mine)
        shift = _ARTICLE_AT - _FEED_AT
        return [
            (
                (head >> shift) & id_mask,
                (head >> (_STORY_AT - _FEED_AT)) & id_mask,
                total,
                (head >> (_ANCHORS_AT - _FEED_AT)) & _ANCHORS_MASK,
                (head >> (_PLACES_AT - _FEED_AT)) & id_mask,
            )
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
        keys: list[tuple[int, int]],
    ) -> None:
        """One article's rows (`keys`: key and doubled weight), as inserted with INSERT
        OR IGNORE: a row already there for the same key, published and article stays."""
        if (feed | article | story | anchors | places) < 0:
            self.usable = False
            return
        floor = published << _PUBLISHED_AT
        base = (
            floor
            | story << _STORY_AT
            | places << _PLACES_AT
            | anchors << _ANCHORS_AT
            | article << _ARTICLE_AT
            | feed << _FEED_AT
        )
        ceiling = floor + (1 << _PUBLISHED_AT)  # above every row published then
        postings = self.postings
        for key, weight in keys:
            if not 0 <= weight <= _WEIGHT_MASK:
                self.usable = False
                return
            found = postings.get(key)
            if found is None:
                postings[key] = [base | weight]
            elif found[-1] < floor:  # newer than all the key's rows
                found.append(base | weight)
            else:
                at = bisect_left(found, floor)
                if found[at] < ceiling:  # rows published at the same second: this one too?
                    end = bisect_left(found, ceiling, at)
                    if any((row >> _ARTICLE_AT) & _ID_MASK == article for row in found[at:end]):
                        continue
                    at = end
                found.insert(at, base | weight)
            self.rows += 1

    def prune(self, before: int, low_key: int | None = None, high_key: int | None = None) -> None:
        """Rows deleted for being published before `before`, of keys in [low_key,
        high_key) or of every key."""
        start = before << _PUBLISHED_AT
        for key in [
            k
            for k in self.postings
            if low_key is None or high_key is None or low_key <= k < high_key
        ]:
            found = self.postings[key]
            cut = bisect_left(found, start)
            if cut:
                del found[:cut]
                self.rows -= cut
                if not found:
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
                    cache = KeyCache.load(self.conn, token)
                    state.cache = cache if cache.usable else None
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
        if state.cache.rows > MAX_ROWS or not state.cache.usable:
            state.cache, state.rows_seen, state.uncached = None, state.cache.rows, 0
        else:
            state.cache.token = token


def _bounded_count(conn: sqlite3.Connection) -> int:
    """Rows in story_keys, counted up to MAX_ROWS + 1."""
    return conn.execute(
        "SELECT count(*) FROM (SELECT 1 FROM story_keys LIMIT ?)", (MAX_ROWS + 1,)
    ).fetchone()[0]
