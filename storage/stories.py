"""Same story, many outlets: story ids assigned at ingest, and one row per story for lists.

Ingest (`StoryPicker`, used by store.upsert_entries inside the ingest transaction): the
terms of each new article (storage/story_match.py) are looked up in `story_keys`, which
holds, per story, the hashes of its first article's INDEXED heaviest terms with that
article's publication time. Each of its terms is sought within WINDOW of its
publication; terms found in LOOKUP_LIMIT or more stories there are dropped (too common
to tell events apart: a year, a much quoted minister); the article's own feed is
skipped (a feed's follow-ups are new stories, not other outlets' versions); the weight
shared is summed per candidate. The candidate sharing the most weight that passes
`story_match.same_story` lends its story id; an article with none starts its own story
(story_id = its id), and only then are its keys indexed. So a new version is compared
with each story's first one, not with every version: a story does not drift from its
event version by version, a term many outlets repeat about one event stays rare (it
is one story), and a story costs one article's keys however many outlets carry it.
Stories are picked for a feed's new entries before they are inserted, so each row is
written once, with its story. Stories never merge later, so a story id never changes.
Keys of articles published more than RETAIN ago are pruned a slice at a time.
`assign_stories` groups articles stored without a story: ones written before grouping
existed (when they are updated), and those storage/feed_writer.py writes first and
groups once the parse process has worked out their terms.

Candidates come from a copy of story_keys that the connection holds in memory while
the table has at most 100,000 rows (storage/story_keys_cache.py: the same candidates,
found with binary searches), else from one SQL statement (`_lookup_sql`).

What it costs (tests/benchmarks/README.md): with terms worked out in the parse process,
a whole cold `newsdeck poll` of 10,000 articles (bench_grouping_poll.py) takes about
1.18x as long with grouping for summary-only feeds (1.13-1.23 over 65 runs) and
1.06-1.10x for full-text ones. The main process spends about 84,000 instructions an
article on it: the lookup, the key rows of the stories' first articles (random B-tree
writes) and their copy in memory.

Reading: `story_page` shows a view one row per story, at the place of the story's newest
article in the view, with its size, its number of feeds ("+N sources") and its unread
count. It walks the view's own pages (storage/listing.py) and drops rows whose story has
a newer article in the view, so a page costs about `limit` times the story size however
big the database is; deeper pages resume from a cached position.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from storage import listing
from storage.listing import PageCache, View, compile_view, page_ids, rows_by_id
from storage.store import ArticleRow
from storage.story_keys_cache import Candidate, Change, KeyCache
from storage.story_match import LEAD_CHARS, MIN_SHARED, W_PLACE, Packed, features, same_story

GROUPING = True  # benchmarks switch grouping off to measure what it costs at ingest
DAY = 86_400
WINDOW = 3 * DAY  # how far apart in publication time two versions of a story may be
RETAIN = 30 * DAY  # keys of articles published longer ago than this are pruned
INDEXED = 5  # keys stored per story: each is a random write; five keep recall >= 0.83
LOOKUP_LIMIT = 32  # a key found in this many stories of the window is too common to count
PRUNE_EVERY = 2048  # new articles between two prunes, each of one slice of the keys
PRUNE_SLICES = 16
_CHUNK = 500  # ids per statement: articles assigned at once, view rows read at once


@dataclass(frozen=True, slots=True)
class StoryRow:
    """One row of a list grouped by story."""

    article: ArticleRow  # the story's newest article in the view
    story_id: int
    size: int  # articles in the story, in any view
    sources: int  # feeds they came from
    unread: int

    @property
    def more_sources(self) -> int:
        """N of "+N sources": the other feeds that carry the story."""
        return self.sources - 1


# -- ingest ------------------------------------------------------------------------------


def assign_stories(
    conn: sqlite3.Connection,
    new_ids: list[int] | tuple[int, ...],
    updated_ids: tuple = (),
    known: Mapping[tuple[str, str], Packed] | None = None,
) -> None:
    """Give articles without a story one, and index their terms: new ones stored
    without (store.upsert_entries gives new articles theirs as it inserts them, unless
    asked not to), and updated ones stored before grouping existed. Call inside the
    ingest transaction, after the articles are written. `known`: terms already worked
    out (story_match.known_features), used where an article's title and lead match."""
    if not GROUPING:
        return
    given = [*new_ids, *updated_ids]
    ids: list[int] = []
    for start in range(0, len(given), _CHUNK):
        ids += _ungrouped(conn, given[start : start + _CHUNK])
    ids.sort()
    for start in range(0, len(ids), _CHUNK):
        _assign(conn, ids[start : start + _CHUNK], known or {})


def _ungrouped(conn: sqlite3.Connection, ids: list[int]) -> list[int]:
    marks = ",".join("?" * len(ids))
    sql = f"SELECT id FROM articles WHERE id IN ({marks}) AND story_id IS NULL"
    return [r[0] for r in conn.execute(sql, ids)]


def _assign(
    conn: sqlite3.Connection, ids: list[int], known: Mapping[tuple[str, str], Packed]
) -> None:
    marks = ",".join("?" * len(ids))
    read = conn.cursor()
    read.row_factory = None  # plain tuples: cheaper than sqlite3.Row
    rows = read.execute(
        # Columns before `text` only: reading past it would load the whole article.
        "SELECT id, feed_id, published, title,"
        f" CASE WHEN summary != '' THEN summary ELSE substr(text, 1, {LEAD_CHARS}) END"
        f" FROM articles WHERE id IN ({marks}) ORDER BY id",
        ids,
    ).fetchall()
    if not rows:
        return
    with StoryPicker(conn, known, articles=len(rows)) as picker:
        updates: list[tuple[int, int, int]] = []
        for article_id, feed_id, published, title, lead in rows:
            story, found = picker.pick(feed_id, title, lead, published, article_id)
            story = story or article_id
            updates.append((story, found[0], article_id))
            picker.add(article_id, feed_id, published, story, found)
        conn.executemany("UPDATE articles SET story_id = ?, fingerprint = ? WHERE id = ?", updates)


class StoryPicker:
    """Picks story ids for a batch of articles inside the caller's transaction, and
    indexes their keys as the batch ends: so the batch's articles do not see each
    other, and must be one feed's (never each other's candidates anyway), or articles
    that may be grouped without seeing each other.

        with StoryPicker(conn, known, articles=n) as picker:
            story, found = picker.pick(feed_id, title, lead, published)
            ... store the article with `story` (None: a story of its own, its id)
            picker.add(article_id, feed_id, published, story_id, found)
    """

    def __init__(
        self,
        conn: sqlite3.Connection,
        known: Mapping[tuple[str, str], Packed] | None = None,
        articles: int = 0,
    ) -> None:
        self.conn = conn
        self.known = known or {}
        self.change = Change(conn, articles=articles)
        self.read = conn.cursor()
        self.read.row_factory = None  # plain tuples: cheaper than sqlite3.Row
        self.indexed: list[tuple[int, int, int, int, Packed]] = []  # published, id, feed, story

    def __enter__(self) -> StoryPicker:
        self.change.__enter__()
        return self

    def pick(
        self, feed_id: int, title: str, lead: str, published: int, article_id: int = 0
    ) -> tuple[int | None, Packed]:
        """The story an article joins (None: it starts its own) and its terms.
        `article_id`: its id if it is stored already, so that it cannot find itself."""
        found = self.known.get((title, lead)) or features(title, lead).packed()
        story = _find_story(self.read, self.change.cache, article_id, feed_id, published, found)
        return story, found

    def add(self, article_id: int, feed_id: int, published: int, story: int, found: Packed) -> None:
        """An article stored with its story: if it starts the story, its keys go into the
        index with the batch."""
        self.indexed.append((published, article_id, feed_id, story, found))

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        try:
            if kind is None and self.indexed:
                self._index()
        finally:
            self.change.__exit__(kind, error, trace)

    def _index(self) -> None:
        conn, cache = self.conn, self.change.cache
        rows: list[tuple[int, int, int, int, int, int, int, int]] = []
        latest = self.indexed[0][0]
        for published, article_id, feed_id, story, found in self.indexed:
            if published > latest:
                latest = published
            if story != article_id:
                continue  # a later version: its story is found through its first article
            places, anchors = found[1], found[2]
            keys = iter(found[3 : 3 + 2 * INDEXED])
            pairs = tuple(zip(keys, keys, strict=True))  # key, weight doubled
            for key, weight in pairs:
                rows.append((key, published, article_id, feed_id, story, weight, anchors, places))
            if cache is not None:  # a failed insert below drops the cache (Change)
                cache.add(published, article_id, feed_id, story, anchors, places, pairs)
        conn.executemany("INSERT OR IGNORE INTO story_keys VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
        for article in self.indexed:
            if article[1] % PRUNE_EVERY == 0:
                part = (article[1] // PRUNE_EVERY) % PRUNE_SLICES
                _prune(conn, cache, latest - RETAIN, part)


@lru_cache(maxsize=64)
def _lookup_sql(n: int) -> str:
    """Candidates sharing any of n keys, with the weight they share, summed by SQLite.

    Per key: the other feeds' stories (their first articles) within the window that
    have it, unless LOOKUP_LIMIT or more stories do. A term that common in the window (a
    year, a much quoted minister) tells no event from another. Both parts are capped
    ranges of the primary key. Weights are doubled integers; a key counts the lower of
    the two (story_match.pair_weight). Only candidates that could still pass once their
    shared places are added come back, so Python sees a handful of rows, not every
    posting.
    """
    # The count comes first, in a subquery of at most one row that LIMIT keeps from
    # being flattened: as a condition beside the scan, SQLite would test it on every
    # posting of a common key (thousands) instead of skipping the key at once.
    one = (
        "SELECT s.article_id, s.story_id, min(s.weight, ?{mine}) AS value, s.anchors,"
        " s.places FROM (SELECT 1 WHERE (SELECT count(*) FROM (SELECT 1 FROM story_keys"
        " WHERE key = ?{key} AND published BETWEEN ?{lo} AND ?{hi} LIMIT ?{cap})) < ?{cap}"
        " LIMIT 1) AS rare CROSS JOIN story_keys s"
        " WHERE s.key = ?{key} AND s.published BETWEEN ?{lo} AND ?{hi}"
        " AND s.feed_id != ?{feed}"
    )
    feed, least = 5 * n + 1, 5 * n + 2
    numbered = (
        one.format(key=i + 1, lo=i + 2, hi=i + 3, cap=i + 4, mine=i + 5, feed=feed)
        for i in range(0, 5 * n, 5)
    )
    postings = " UNION ALL ".join(f"SELECT * FROM ({part})" for part in numbered)
    return (
        f"SELECT article_id, story_id, sum(value), anchors, places FROM ({postings})"
        f" GROUP BY article_id HAVING sum(value) >= ?{least}"
    )


def _find_story(
    read: sqlite3.Cursor,
    cache: KeyCache | None,
    article_id: int,
    feed_id: int,
    published: int,
    found: Packed,
) -> int | None:
    """The story id of the candidate sharing most with one article, or None. Candidates
    come from `cache` when the connection holds story_keys in memory, else from SQL.
    Weights here are doubled integers, as in Packed and the index."""
    places, anchors_mine = found[1], found[2] / 2
    # Shared places add at most this much weight; the keys must bring the rest.
    least = int(2 * MIN_SHARED - 2 * W_PLACE * places.bit_count())
    # A hash collision between two of its own terms keeps one.
    mine = dict(zip(found[3::2], found[4::2], strict=True))
    if sum(mine.values()) < least:
        return None
    candidates: Iterable[Candidate]
    if cache is not None:
        earliest, latest = published - WINDOW, published + WINDOW
        candidates = cache.candidates(mine, feed_id, earliest, latest, LOOKUP_LIMIT, least)
    else:
        params: list[int] = []
        for key, weight in mine.items():
            params += (key, published - WINDOW, published + WINDOW, LOOKUP_LIMIT, weight)
        params += (feed_id, least)
        candidates = read.execute(_lookup_sql(len(mine)), params)
    best: tuple[float, int, int] | None = None
    for other, story, doubled, anchors, theirs in candidates:
        shared = doubled / 2 + W_PLACE * (places & theirs).bit_count()
        if other != article_id and same_story(shared, anchors_mine, anchors / 2):
            rank = (shared, -other, story)  # most shared weight; ties: the oldest
            if best is None or rank > best:
                best = rank
    return best[2] if best else None


def prune_keys(conn: sqlite3.Connection, before: int, part: int | None = None) -> int:
    """Delete the keys of articles published before `before`: all of them, or one of
    PRUNE_SLICES slices of the key space (each prune then scans a sixteenth of the
    table). Returns how many went."""
    with Change(conn) as change:
        return _prune(conn, change.cache, before, part)


def _prune(conn: sqlite3.Connection, cache: KeyCache | None, before: int, part: int | None) -> int:
    if part is None:
        cur = conn.execute("DELETE FROM story_keys WHERE published < ?", (before,))
        if cache is not None:
            cache.prune(before)
        return cur.rowcount
    size = 2**32 // PRUNE_SLICES
    low, high = part * size, (part + 1) * size
    cur = conn.execute(
        "DELETE FROM story_keys WHERE key >= ? AND key < ? AND published < ?",
        (low, high, before),
    )
    if cache is not None:
        cache.prune(before, low, high)
    return cur.rowcount


# -- reading -----------------------------------------------------------------------------


def story_page(
    conn: sqlite3.Connection,
    view: View,
    offset: int = 0,
    limit: int = 50,
    now: int | None = None,
    cache: PageCache | None = None,
    view_cache: PageCache | None = None,
) -> list[StoryRow]:
    """Stories `offset` .. `offset + limit` of a view, one row each, in the view's order.
    `cache` remembers where earlier pages ended; `view_cache` is listing's own."""
    q = compile_view(view, now)  # a bad query fails here, before any work
    offset, limit = max(0, offset), max(0, limit)
    key = ("stories", view.topic_id, view.sort, q.match, q.where, q.params)
    stories, position = 0, 0  # stories before `position`, an offset into the view's rows
    if cache is not None:
        cache.check(conn)
        known = cache.nearest(key, offset)
        if known is not None:
            stories, (position, _) = known
    chunk = min(_CHUNK, max(64, 2 * (offset - stories + limit)))
    picked: list[int] = []
    while len(picked) < limit:
        ids = page_ids(conn, view, position, chunk, now, view_cache)
        if not ids:
            break
        heads = _story_heads(conn, view, ids, now)
        for i, article_id in enumerate(ids):
            if article_id not in heads:
                continue
            if stories >= offset:
                picked.append(article_id)
            stories += 1
            if len(picked) == limit:
                position += i + 1
                break
        else:
            position += len(ids)
        if len(ids) < chunk:
            break
    if cache is not None:
        cache.remember(key, stories, (position, 0))
    return _story_rows(conn, picked)


def story_page_from_end(
    conn: sqlite3.Connection,
    view: View,
    offset: int,
    limit: int,
    total: int,
    now: int | None = None,
) -> list[StoryRow]:
    """Stories `offset` .. `offset + limit` of a view that shows `total` stories, found
    from its end: the view's rows oldest first, keeping each story's newest article in
    the view, until the page is complete. For the last pages of a long view (G), where
    `story_page` would walk every story above them. Date order only."""
    q = compile_view(view, now)
    offset, limit = max(0, offset), max(0, limit)
    need = min(limit, total - offset)
    if need <= 0:
        return []
    skip = total - offset - need  # stories below the page
    plan = listing._plan(conn, view, q, total)
    oldest_first = plan.order.replace(" DESC", " ASC")
    picked: list[int] = []
    seen, position = 0, 0
    while len(picked) < need:
        ids = [
            row[0]
            for row in conn.execute(
                f"{plan.sql} {oldest_first} LIMIT ? OFFSET ?", [*plan.params, _CHUNK, position]
            )
        ]
        if not ids:
            break
        heads = _story_heads(conn, view, ids, now)
        for article_id in ids:
            if article_id in heads:
                if seen >= skip:
                    picked.append(article_id)
                seen += 1
                if len(picked) == need:
                    break
        position += len(ids)
        if len(ids) < _CHUNK:
            break
    picked.reverse()
    return _story_rows(conn, picked)


def _story_heads(conn: sqlite3.Connection, view: View, ids: list[int], now: int | None) -> set[int]:
    """Those of `ids` that are their story's newest article in the view."""
    marks = ",".join("?" * len(ids))
    rows = conn.execute(
        f"SELECT id, story_id, published FROM articles WHERE id IN ({marks})", ids
    ).fetchall()
    grouped = {story for _, story, _ in rows if story is not None}
    members: dict[int, list[tuple[int, int]]] = {}
    if grouped:
        story_marks = ",".join("?" * len(grouped))
        for member, story, published in conn.execute(
            f"SELECT id, story_id, published FROM articles WHERE story_id IN ({story_marks})",
            list(grouped),
        ):
            members.setdefault(story, []).append((published, member))
    newer: dict[int, list[int]] = {}
    for article_id, story, published in rows:
        if story is not None:
            later = [m for p, m in members.get(story, ()) if (p, m) > (published, article_id)]
            if later:
                newer[article_id] = later
    shown = in_view(conn, view, sorted({m for ms in newer.values() for m in ms}), now)
    return {row[0] for row in rows if not any(m in shown for m in newer.get(row[0], ()))}


def in_view(conn: sqlite3.Connection, view: View, ids: list[int], now: int | None) -> set[int]:
    """Which of `ids` a view shows (its topic, query and filters)."""
    q = compile_view(view, now)
    if not ids or (view.topic_id is None and q.empty):
        return set(ids)
    numbers = ",".join(str(int(i)) for i in ids)  # integers from the database, not input
    fts = f"SELECT rowid FROM articles_fts WHERE articles_fts MATCH ? AND rowid IN ({numbers})"
    condition, params = q.condition(fts)
    sql = f"SELECT a.id FROM articles a WHERE a.id IN ({numbers}) AND {condition}"
    if view.topic_id is not None:
        sql += (
            " AND EXISTS (SELECT 1 FROM article_topics t"
            " WHERE t.topic_id = ? AND t.article_id = a.id)"
        )
        params.append(view.topic_id)
    return {r[0] for r in conn.execute(sql, params)}


def _story_rows(conn: sqlite3.Connection, ids: list[int]) -> list[StoryRow]:
    articles = rows_by_id(conn, ids)
    if not articles:
        return []
    marks = ",".join("?" * len(ids))
    story_of = dict(
        conn.execute(
            f"SELECT id, coalesce(story_id, id) FROM articles WHERE id IN ({marks})", ids
        ).fetchall()
    )
    stories = sorted(set(story_of.values()))
    story_marks = ",".join("?" * len(stories))
    counts = {
        story: (size, sources, unread)
        for story, size, sources, unread in conn.execute(
            "SELECT story_id, count(*), count(DISTINCT feed_id), sum(read = 0) FROM articles"
            f" WHERE story_id IN ({story_marks}) GROUP BY story_id",
            stories,
        )
    }
    out = []
    for row in articles:
        story = story_of[row.id]
        size, sources, unread = counts.get(story, (1, 1, int(not row.read)))
        out.append(StoryRow(row, story, size, sources, unread))
    return out


def story_count(conn: sqlite3.Connection, view: View, now: int | None = None) -> int:
    """How many stories a view shows: its article count, less one for every article
    beyond the first of each story in it. Only articles that joined another's story can
    make that difference, so the correction reads the small index of those
    (articles_story_members), not the view's rows."""
    q = compile_view(view, now)
    if view.topic_id is None and q.empty:
        total = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        members = conn.execute("SELECT count(*) FROM articles WHERE story_id != id").fetchone()[0]
        return total - members
    condition, params = q.condition()
    if view.topic_id is not None:
        condition += (
            " AND EXISTS (SELECT 1 FROM article_topics t"
            " WHERE t.topic_id = ? AND t.article_id = a.id)"
        )
        params.append(view.topic_id)
    # Per story with members in the view: those members, plus its first article when
    # the view shows it too; each such story is one row, not that many.
    shown = re.sub(r"\ba\.", "r.", condition)  # the same condition on the first article
    extra = conn.execute(
        "SELECT coalesce(sum(n + (SELECT count(*) FROM articles r WHERE r.id = s"
        f" AND {shown}) - 1), 0) FROM (SELECT a.story_id AS s, count(*) AS n"
        f" FROM articles a WHERE a.story_id != a.id"
        f" AND {condition} GROUP BY a.story_id)",
        [*params, *params],
    ).fetchone()[0]
    return listing.count(conn, view, now) - extra


def story_of(conn: sqlite3.Connection, article_id: int) -> int | None:
    """The story an article belongs to (its own id when alone), None when no such article."""
    row = conn.execute(
        "SELECT coalesce(story_id, id) FROM articles WHERE id = ?", (article_id,)
    ).fetchone()
    return None if row is None else row[0]


def story_article_ids(conn: sqlite3.Connection, story_id: int) -> list[int]:
    """A story's articles, oldest first. Any member's id finds the whole story."""
    story = story_of(conn, story_id)
    if story is None:
        return []
    return [
        r[0]
        for r in conn.execute(
            "SELECT id FROM articles WHERE story_id = ? OR id = ? ORDER BY published, id",
            (story, story),
        )
    ]


def story_articles(conn: sqlite3.Connection, story_id: int) -> list[ArticleRow]:
    """Each outlet's version of a story, oldest first."""
    return rows_by_id(conn, story_article_ids(conn, story_id))
