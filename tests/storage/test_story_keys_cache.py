"""story_keys in memory: the same candidates and stories as the SQL lookup, and never a
stale copy (another connection's ingest, a rolled-back one, a prune, a table too big)."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest
from test_stories import PATRIOT_EN, entry, ingest_labelled, open_store, story_ids

from storage import stories, story_keys_cache
from storage.store import Store, after_ingest, upsert_entries
from storage.story_keys_cache import KeyCache

NOW = 1_800_000_000
DAY = 86_400


def cache_of(store: Store) -> KeyCache | None:
    state = story_keys_cache._states.get(store.conn)
    return state.cache if state is not None else None


@pytest.mark.parametrize(
    "max_rows",
    [
        story_keys_cache.MAX_ROWS,  # held in memory from the first ingest on
        150,  # held, then dropped once the table outgrows it: SQL from then on
        -1,  # never held: SQL throughout
    ],
)
def test_the_labelled_set_gets_the_same_stories_with_or_without_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, max_rows: int
) -> None:
    (tmp_path / "sql").mkdir()
    (tmp_path / "cache").mkdir()
    monkeypatch.setattr(story_keys_cache, "MAX_ROWS", -1)
    _, expected = ingest_labelled(tmp_path / "sql")
    monkeypatch.setattr(story_keys_cache, "MAX_ROWS", max_rows)
    lookups = {"cache": 0}
    real = KeyCache.candidates

    def counted(self: KeyCache, *args: object) -> list:
        lookups["cache"] += 1
        return real(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(KeyCache, "candidates", counted)
    _, found = ingest_labelled(tmp_path / "cache")
    assert found == expected
    assert len(set(found.values())) < len(found)  # stories of several articles
    if max_rows == -1:
        assert lookups["cache"] == 0
    else:
        assert lookups["cache"] > 0


def key_table(rows: list[tuple[int, ...]]) -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    conn.execute(
        "CREATE TABLE story_keys (key INTEGER NOT NULL, published INTEGER NOT NULL,"
        " article_id INTEGER NOT NULL, feed_id INTEGER NOT NULL, story_id INTEGER NOT NULL,"
        " weight INTEGER NOT NULL, anchors INTEGER NOT NULL, places INTEGER NOT NULL,"
        " PRIMARY KEY (key, published, article_id)) WITHOUT ROWID"
    )
    conn.executemany("INSERT OR IGNORE INTO story_keys VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    return conn


def test_candidates_are_what_the_lookup_statement_returns() -> None:
    """Random rows around the window's edges, keys near the commonness limit, several
    feeds, weights above and below the article's own: loaded or added row by row, the
    cache answers every query as the SQL statement does."""
    rng = random.Random(7)
    limit = 6
    rows = []
    for article in range(1, 400):
        published = NOW + rng.choice([-1, 0, 1]) * rng.randrange(0, 3 * DAY + 2)
        feed, story = rng.randrange(1, 5), rng.choice([article, rng.randrange(1, article + 1)])
        anchors, places = rng.randrange(0, 40), rng.randrange(0, 1 << 62)
        for key in rng.sample(range(12), 3):
            rows.append(
                (key, published, article, feed, story, rng.choice([2, 4, 6, 8]), anchors, places)
            )
    conn = key_table(rows)
    loaded = KeyCache.load(conn, 0)
    added = KeyCache(0)
    for row in rows:
        key, published, article, feed, story, weight, anchors, places = row
        added.add(published, article, feed, story, anchors, places, [(key, weight)])
    assert (
        loaded.rows == added.rows == conn.execute("SELECT count(*) FROM story_keys").fetchone()[0]
    )
    for _ in range(300):
        keys = {k: rng.choice([2, 4, 6, 8]) for k in rng.sample(range(14), rng.randrange(1, 5))}
        feed, published = rng.randrange(1, 5), NOW + rng.randrange(-DAY, DAY)
        least = rng.choice([0, 4, 8, 12])
        params: list[int] = []
        for key, weight in keys.items():
            params += (key, published - 3 * DAY, published + 3 * DAY, limit, weight)
        params += (feed, least)
        expected = sorted(conn.execute(stories._lookup_sql(len(keys)), params).fetchall())
        for cache in (loaded, added):
            found = cache.candidates(
                keys, feed, published - 3 * DAY, published + 3 * DAY, limit, least
            )
            assert sorted(found) == expected


def test_another_connections_ingest_is_seen(tmp_path: Path) -> None:
    store, feeds = open_store(tmp_path)
    store.ingest(
        feeds[0], [entry("other", "Rain expected in the north", "Floods likely.")], now=NOW
    )
    assert cache_of(store) is not None
    with Store(tmp_path / "news.db") as elsewhere:
        elsewhere.ingest(feeds[1], [entry("a", *PATRIOT_EN)], now=NOW)
    store.ingest(feeds[2], [entry("b", *PATRIOT_EN)], now=NOW)
    ids = story_ids(store)
    assert ids["b"] == ids["a"]  # found although this connection's copy had no "a"


def test_a_rolled_back_ingest_leaves_nothing_behind(tmp_path: Path) -> None:
    store, feeds = open_store(tmp_path)
    store.ingest(
        feeds[0], [entry("first", "Rain expected in the north", "Floods likely.")], now=NOW
    )
    with pytest.raises(RuntimeError), store.transaction() as conn:
        result = upsert_entries(
            conn,
            feeds[1],
            [entry("gone", "Snow in the south", "Roads shut."), entry("x", *PATRIOT_EN)],
            NOW,
        )
        after_ingest(conn, result)
        raise RuntimeError("the batch failed")
    store.ingest(feeds[2], [entry("b", *PATRIOT_EN)], now=NOW)
    ids = story_ids(store)
    assert set(ids) == {"first", "b"}
    # "x" would have lent its id (3) as b's story; b, stored as 2, is a story of its own.
    assert ids["b"] == store.conn.execute("SELECT id FROM articles WHERE guid = 'b'").fetchone()[0]
    cache = cache_of(store)
    assert cache is not None
    assert cache.rows == store.conn.execute("SELECT count(*) FROM story_keys").fetchone()[0]


def test_pruned_keys_leave_the_copy_too(tmp_path: Path) -> None:
    store, feeds = open_store(tmp_path)
    store.ingest(feeds[0], [entry("a", *PATRIOT_EN, NOW - DAY)], now=NOW - DAY)
    with store.transaction() as conn:
        assert stories.prune_keys(conn, NOW - DAY + 1) > 0
    store.ingest(feeds[1], [entry("b", *PATRIOT_EN)], now=NOW)
    ids = story_ids(store)
    assert ids["a"] != ids["b"]  # a's keys are gone: b cannot find it


def test_any_integers_sqlite_holds_are_held() -> None:
    """Rows are not packed into one number, so values no feed gives (a negative id,
    64-bit masks) are held and found as the SQL statement finds them."""
    rows = [(11, NOW, 5, -1, -5, 4, 3, -(2**63)), (11, NOW + 1, 6, 2, 6, 6, 2**40, 2**63 - 1)]
    conn = key_table(rows)
    added = KeyCache(0)
    for key, published, article, feed, story, weight, anchors, places in rows:
        added.add(published, article, feed, story, anchors, places, [(key, weight)])
    params = [11, NOW - DAY, NOW + DAY, 32, 8, 7, 0]
    expected = sorted(conn.execute(stories._lookup_sql(1), params).fetchall())
    assert len(expected) == 2
    for cache in (KeyCache.load(conn, 0), added):
        assert sorted(cache.candidates({11: 8}, 7, NOW - DAY, NOW + DAY, 32, 0)) == expected


def test_a_row_added_again_is_held_once() -> None:
    """As INSERT OR IGNORE: the same key, second and article is one row, however often
    it is added, beside other articles of that same second."""
    cache = KeyCache(0)
    cache.add(NOW, 5, 1, 5, 3, 0, [(11, 4)])
    cache.add(NOW, 6, 2, 6, 3, 0, [(11, 4)])
    cache.add(NOW, 5, 1, 5, 3, 0, [(11, 4), (12, 2)])
    assert cache.rows == 3
    found = sorted(cache.candidates({11: 8, 12: 8}, 9, NOW - DAY, NOW + DAY, 32, 0))
    assert found == [(5, 5, 6, 3, 0), (6, 6, 4, 3, 0)]
