"""Upsert semantics, read/starred state, feeds sync, and two processes sharing one file."""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from storage import db
from storage.config import FeedConfig
from storage.store import Store


@dataclass(frozen=True)
class FakeEntry:
    """Stands in for storage.parse.Entry: the store needs only these fields."""

    guid: str
    title: str = "Title"
    url: str | None = None
    author: str = ""
    published: int | None = 1_700_000_000
    updated: int | None = None
    summary: str = ""
    text: str = "Some text"
    html: str = "<p>Some text</p>"


def make_store(tmp_path: Path, feeds: int = 1) -> Store:
    store = Store(tmp_path / "news.db")
    store.sync_feeds([FeedConfig(url=f"https://feed{i}.example/rss") for i in range(feeds)])
    return store


def fts_rows(store: Store, word: str) -> list[int]:
    return [
        r[0]
        for r in store.conn.execute(
            "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?", (f'"{word}"',)
        )
    ]


def total_changes(store: Store) -> int:
    return store.conn.total_changes


def test_new_entries_are_stored_and_indexed(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    feed_id = store.feeds()[0].id
    result = store.ingest(feed_id, [FakeEntry("a", title="Patriot batteries"), FakeEntry("b")])
    assert len(result.new_ids) == 2 and result.updated_ids == ()
    assert store.count_articles() == 2
    assert fts_rows(store, "patriot") == [result.new_ids[0]]


def test_reingesting_identical_entries_writes_nothing(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    feed_id = store.feeds()[0].id
    entries = [FakeEntry(f"g{i}", title=f"Story {i}") for i in range(20)]
    store.ingest(feed_id, entries, now=100)
    before = total_changes(store)
    result = store.ingest(feed_id, entries, now=200)
    assert result.new_ids == () and result.updated_ids == ()
    # Only the transaction's own bookkeeping: no row written, no index work.
    assert total_changes(store) == before
    assert store.conn.execute("SELECT min(first_seen) FROM articles").fetchone()[0] == 100


def test_changed_entry_updates_in_place_and_keeps_state(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    feed_id = store.feeds()[0].id
    (article_id,) = store.ingest(feed_id, [FakeEntry("g", title="Old headline")]).new_ids
    store.set_read([article_id])
    store.set_starred([article_id])
    store.save_markdown(article_id, "cached")
    result = store.ingest(feed_id, [FakeEntry("g", title="New headline")])
    assert result.updated_ids == (article_id,)
    article = store.article(article_id)
    assert article.title == "New headline"
    assert article.read and article.starred
    assert article.markdown is None  # the cache follows the content
    assert fts_rows(store, "new") == [article_id]
    assert fts_rows(store, "old") == []
    assert db.integrity_problems(store.conn) == []


def test_marking_read_does_not_touch_the_index(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    feed_id = store.feeds()[0].id
    ids = store.ingest(feed_id, [FakeEntry(f"g{i}") for i in range(5)]).new_ids
    fired: list[str] = []
    store.conn.set_trace_callback(fired.append)
    assert store.set_read(ids) == 5
    store.conn.set_trace_callback(None)
    assert not any("articles_fts" in sql for sql in fired)
    assert store.set_read(ids) == 0  # already read: nothing changes
    assert store.set_read(ids, read=False) == 5


def test_identity_is_per_feed(tmp_path: Path) -> None:
    store = make_store(tmp_path, feeds=2)
    first, second = (f.id for f in store.feeds())
    store.ingest(first, [FakeEntry("same")])
    store.ingest(second, [FakeEntry("same")])
    assert store.count_articles() == 2


def test_duplicate_guids_in_one_feed_keep_the_first(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    feed_id = store.feeds()[0].id
    result = store.ingest(
        feed_id, [FakeEntry("dup", title="first"), FakeEntry("dup", title="second")]
    )
    assert len(result.new_ids) == 1
    assert store.article(result.new_ids[0]).title == "first"


def test_missing_date_takes_first_seen_and_keeps_it(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    feed_id = store.feeds()[0].id
    (article_id,) = store.ingest(feed_id, [FakeEntry("g", published=None)], now=5000).new_ids
    store.ingest(feed_id, [FakeEntry("g", published=None, title="changed")], now=9000)
    assert store.article(article_id).published == 5000


def test_entry_rewritten_on_every_fetch_stops_costing_writes(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    feed_id = store.feeds()[0].id
    for i in range(30):
        store.ingest(feed_id, [FakeEntry("churn", title=f"version {i}")])
    row = store.conn.execute("SELECT title, hash_changes FROM articles").fetchone()
    assert row["hash_changes"] == 24
    assert row["title"] == "version 24"


def test_recent_pages_newest_first_with_keyset(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    feed_id = store.feeds()[0].id
    store.ingest(feed_id, [FakeEntry(f"g{i}", published=1000 + i) for i in range(120)])
    first = store.recent(limit=50)
    assert [r.published for r in first[:3]] == [1119, 1118, 1117]
    second = store.recent(limit=50, before=(first[-1].published, first[-1].id))
    assert second[0].published == first[-1].published - 1
    assert len({r.id for r in first + second}) == 100


def test_sync_feeds_adds_updates_and_pauses(tmp_path: Path) -> None:
    store = Store(tmp_path / "news.db")
    store.sync_feeds(
        [FeedConfig("https://a.example/rss", title="A"), FeedConfig("https://b.example/rss")]
    )
    a = next(f for f in store.feeds() if f.url.startswith("https://a"))
    store.ingest(a.id, [FakeEntry("x")])
    store.sync_feeds([FeedConfig("https://b.example/rss", enabled=False)])
    states = {f.url: f.state for f in store.feeds()}
    assert states == {"https://a.example/rss": "paused", "https://b.example/rss": "paused"}
    assert store.count_articles() == 1  # a feed leaving the config keeps its articles
    store.sync_feeds([FeedConfig("https://a.example/rss", interval=600)])
    a = next(f for f in store.feeds() if f.url.startswith("https://a"))
    assert a.state == "active" and a.interval_s == 600 and a.title == "A"


def test_moved_feed_is_still_found_by_its_config_url(tmp_path: Path) -> None:
    store = Store(tmp_path / "news.db")
    store.sync_feeds([FeedConfig("https://old.example/rss")])
    feed_id = store.feeds()[0].id
    store.conn.execute("UPDATE feeds SET url = 'https://new.example/rss' WHERE id = ?", (feed_id,))
    store.sync_feeds([FeedConfig("https://old.example/rss")])
    assert [(f.id, f.url) for f in store.feeds()] == [(feed_id, "https://new.example/rss")]


def test_unknown_article_is_not_found(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    with pytest.raises(db.NotFound, match="no article with id 99"):
        store.article(99)


def test_held_write_lock_becomes_database_busy(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(db, "BUSY_TIMEOUT_S", 0.2)
    store = make_store(tmp_path)
    feed_id = store.feeds()[0].id
    blocker = sqlite3.connect(tmp_path / "news.db", isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        store.conn.execute("PRAGMA busy_timeout = 200")
        with pytest.raises(db.DatabaseBusy, match="busy"):
            store.ingest(feed_id, [FakeEntry("x")])
        with pytest.raises(db.DatabaseBusy):
            store.set_read([1])
    finally:
        blocker.execute("ROLLBACK")
    assert store.ingest(feed_id, [FakeEntry("x")]).new_ids


def test_write_waits_for_a_short_lock(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    feed_id = store.feeds()[0].id
    blocker = sqlite3.connect(tmp_path / "news.db", isolation_level=None, check_same_thread=False)
    blocker.execute("BEGIN IMMEDIATE")
    threading.Timer(0.3, lambda: blocker.execute("COMMIT")).start()
    assert store.ingest(feed_id, [FakeEntry("x")]).new_ids  # waited, then wrote


def _writer(path: str, batches: int, size: int) -> None:
    store = Store(path)
    feed_id = store.feeds()[0].id
    for b in range(batches):
        store.ingest(
            feed_id,
            [
                FakeEntry(f"b{b}-{i}", title=f"batch {b} item {i}", published=b * 1000 + i)
                for i in range(size)
            ],
        )
    store.close()


def _reader(path: str, stop_after: int) -> None:
    store = Store(path)
    done = 0
    while done < stop_after:
        rows = store.recent(limit=50)
        store.set_read([r.id for r in rows[:10]])
        if rows:
            before = (rows[-1].published, rows[-1].id)
            store.recent(limit=50, before=before)
        done += 1
    store.close()


def test_two_processes_write_and_read_at_once(tmp_path: Path) -> None:
    """One process writes batches while another pages and marks read; nothing is lost."""
    store = make_store(tmp_path)
    path = str(store.path)
    store.close()
    ctx = multiprocessing.get_context("spawn")
    writer = ctx.Process(target=_writer, args=(path, 40, 25))
    reader = ctx.Process(target=_reader, args=(path, 150))
    writer.start()
    reader.start()
    writer.join(120)
    reader.join(120)
    assert writer.exitcode == 0 and reader.exitcode == 0
    with Store(path) as check:
        assert check.count_articles() == 40 * 25
        assert db.integrity_problems(check.conn) == []


def test_fake_entry_matches_the_parser_entry_fields() -> None:
    """Keep the test double honest: it has exactly the fields the parser's Entry has."""
    parse = pytest.importorskip("storage.parse")
    assert set(parse.Entry.__slots__) == set(FakeEntry.__dataclass_fields__)
    assert replace(FakeEntry("x"), title="y").title == "y"
