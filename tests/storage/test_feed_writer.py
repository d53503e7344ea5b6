"""Feeds written together in one transaction, and what happens when one of them fails."""

from __future__ import annotations

import logging
import random
import sqlite3
import threading
from concurrent.futures import Future
from pathlib import Path

import pytest

from storage import feed_writer, parse_process
from storage.config import Config, FeedConfig, PollSettings, TopicConfig
from storage.db import StorageError
from storage.feed_writer import WRITER_CACHE_KIB, FeedWriter
from storage.fetch import FetchResult
from storage.store import Feed, Store

URLS = [f"http://127.0.0.1:9/{name}.xml" for name in ("a", "b", "c")]


def rss(feed: str, guids: list[str]) -> bytes:
    items = "".join(
        f"<item><guid>{feed}-{g}</guid><title>{feed} story {g}</title>"
        f"<link>http://example.test/{feed}/{g}</link>"
        "<pubDate>Mon, 02 Nov 2026 10:00:00 GMT</pubDate>"
        f"<description>Text of {feed} {g}</description></item>"
        for g in guids
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Feed {feed}</title>'
        f"<link>http://example.test/{feed}</link>{items}</channel></rss>"
    ).encode()


def ok(url: str, body: bytes) -> FetchResult:
    return FetchResult(url=url, final_url=url, status=200, body=body, etag='"v1"')


@pytest.fixture
def writer(tmp_path: Path):
    config = Config(
        poll=PollSettings(),
        feeds=tuple(FeedConfig(url=u) for u in URLS),
        topics=(),
        exists=True,
    )
    with Store(tmp_path / "news.db") as store:
        store.sync_feeds(config.feeds)
    w = FeedWriter(tmp_path / "news.db", config, random.Random(1))
    w.open()
    yield w
    w.close()


def feeds(writer: FeedWriter) -> list[Feed]:
    assert writer.store is not None
    by_url = {f.url: f for f in writer.store.feeds()}
    return [by_url[u] for u in URLS]


def commits_during(writer: FeedWriter, call):  # type: ignore[no-untyped-def]
    """Run `call` and count the COMMITs the writer's connection sent meanwhile."""
    assert writer.store is not None
    seen: list[str] = []
    writer.store.conn.set_trace_callback(seen.append)
    try:
        result = call()
    finally:
        writer.store.conn.set_trace_callback(None)
    return result, sum(1 for s in seen if s.strip().upper() == "COMMIT")


def test_feeds_finished_together_share_one_transaction(writer: FeedWriter) -> None:
    items = [
        (f, ok(f.url, rss(name, ["1", "2"])), 0)
        for f, name in zip(feeds(writer), "abc", strict=True)
    ]
    results, commits = commits_during(writer, lambda: writer.record_many(items))
    assert commits == 1
    assert [r[0].status for r in results] == ["ok", "ok", "ok"]
    assert [r[0].new for r in results] == [2, 2, 2]
    assert writer.store is not None
    conn = writer.store.conn
    assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 6
    assert conn.execute("SELECT count(*) FROM polls").fetchone()[0] == 3
    assert [f.etag for f in feeds(writer)] == ['"v1"'] * 3


def test_not_modified_feeds_are_recorded_in_one_transaction(writer: FeedWriter) -> None:
    items = [(f, FetchResult(url=f.url, final_url=f.url, status=304), 0) for f in feeds(writer)]
    results, commits = commits_during(writer, lambda: writer.record_many(items))
    assert commits == 1
    assert [r[0].status for r in results] == ["not modified"] * 3
    assert all(f.last_status == 304 and f.next_poll_at for f in feeds(writer))


def test_one_feed_failing_to_write_keeps_the_others(
    writer: FeedWriter, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = feed_writer.upsert_entries
    a, b, c = feeds(writer)

    def upsert(conn: sqlite3.Connection, feed_id: int, entries, now, *rest):  # type: ignore[no-untyped-def]
        if feed_id == b.id:
            raise sqlite3.IntegrityError("b cannot be written")
        return real(conn, feed_id, entries, now, *rest)

    monkeypatch.setattr(feed_writer, "upsert_entries", upsert)
    items = [(f, ok(f.url, rss(name, ["1"])), 0) for f, name in zip((a, b, c), "abc", strict=True)]
    results = writer.record_many(items)
    assert results[0][0].new == 1 and results[2][0].new == 1
    # sqlite3's errors reach the poller as the store's own, with the database named.
    assert isinstance(results[1], StorageError)
    assert "b cannot be written" in str(results[1])
    assert writer.store is not None
    stored = writer.store.conn.execute("SELECT guid FROM articles ORDER BY guid").fetchall()
    assert [g for (g,) in stored] == ["a-1", "c-1"]
    # b's fetch is not recorded as done, so its next poll fetches it again.
    assert feeds(writer)[1].etag is None


def test_a_feed_that_is_not_a_feed_fails_alone(writer: FeedWriter) -> None:
    a, b, c = feeds(writer)
    html = b"<!doctype html><html><head><title>Home</title></head><body>Hi</body></html>"
    items = [
        (a, ok(a.url, rss("a", ["1"])), 0),
        (b, ok(b.url, html), 0),
        (c, ok(c.url, rss("c", ["1"])), 0),
    ]
    results = writer.record_many(items)
    assert [r[0].status for r in results] == ["ok", "failed", "ok"]
    assert "not a feed" in (results[1][0].error or "")
    assert feeds(writer)[1].error_count == 1


# -- story terms worked out elsewhere, for bodies the writer parses itself ------------------

SAME_STORY = (
    "Germany to deliver two more Patriot systems to Ukraine",
    "Defence Minister Katrin Vollmer said Berlin would hand over two additional Patriot "
    "air defence systems to Ukraine, with 600 interceptor missiles.",
)


def one_story(feed: str) -> bytes:
    title, lead = SAME_STORY
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Feed {feed}</title>'
        f"<item><guid>{feed}-1</guid><title>{title}</title>"
        "<pubDate>Mon, 02 Nov 2026 10:00:00 GMT</pubDate>"
        f"<description>{lead}</description></item></channel></rss>"
    ).encode()


def story_of(writer: FeedWriter, guid: str) -> tuple[int, int | None]:
    assert writer.store is not None
    row = writer.store.conn.execute(
        "SELECT id, story_id FROM articles WHERE guid = ?", (guid,)
    ).fetchone()
    return row[0], row[1]


class TermsLater:
    """Stands where the parse process would: keeps each request's future open until
    the test answers it, with the real terms (parse_process._terms) or an error."""

    def __init__(self, begun: bool = False) -> None:
        self.asked: list[tuple[list[tuple[str, str]], Future]] = []
        self.begun = begun  # whether the worker is on each request already

    def __call__(self, pairs: list[tuple[str, str]]) -> Future:
        future: Future = Future()
        if self.begun:
            future.set_running_or_notify_cancel()
        self.asked.append((pairs, future))
        return future

    def answer(self) -> None:
        for pairs, future in self.asked:
            future.set_result(parse_process._terms(pairs))


def test_a_body_parsed_here_gets_its_stories_once_its_terms_are_back(writer: FeedWriter) -> None:
    a, b, c = feeds(writer)
    later = TermsLater()
    writer.terms_later = later
    writer.record_many([(a, ok(a.url, one_story("a")), 0)])
    assert [pairs for pairs, _ in later.asked] == [[SAME_STORY]]
    assert story_of(writer, "a-1")[1] is None  # written at once, without a story
    writer.terms_later = None  # b's terms at once: it cannot see a, so starts a story
    writer.record_many([(b, ok(b.url, one_story("b")), 0)])
    b_id, b_story = story_of(writer, "b-1")
    assert b_story == b_id
    later.answer()
    writer.record_many([(c, FetchResult(url=c.url, final_url=c.url, status=304), 0)])
    assert story_of(writer, "a-1")[1] == b_id  # grouped with the next batch
    assert writer.ungrouped == []


@pytest.mark.parametrize("begun", [True, False])
def test_closing_the_writer_groups_what_is_left(
    tmp_path: Path, writer: FeedWriter, begun: bool
) -> None:
    """Terms the worker is on are waited for; ones it has not begun are taken back and
    worked out here (say the poll was interrupted with bodies still queued)."""
    a, b, _ = feeds(writer)
    writer.record_many([(b, ok(b.url, one_story("b")), 0)])
    later = TermsLater(begun=begun)
    writer.terms_later = later
    writer.record_many([(a, ok(a.url, one_story("a")), 0)])
    if begun:
        threading.Timer(0.2, later.answer).start()
    writer.close()
    (future,) = [f for _, f in later.asked]
    assert future.cancelled() is not begun
    with Store(tmp_path / "news.db") as store:
        rows = dict(store.conn.execute("SELECT guid, story_id FROM articles").fetchall())
    assert rows["a-1"] == rows["b-1"] is not None


def test_terms_that_never_come_are_worked_out_here(
    writer: FeedWriter, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b, c = feeds(writer)
    writer.record_many([(b, ok(b.url, one_story("b")), 0)])
    later = TermsLater()
    writer.terms_later = later
    # c fails to write, so the batch is written again feed by feed: a's first ids are
    # stale once that batch rolls back.
    real = feed_writer.upsert_entries

    def upsert(conn: sqlite3.Connection, feed_id: int, entries, now, *rest):  # type: ignore[no-untyped-def]
        if feed_id == c.id:
            raise sqlite3.IntegrityError("c cannot be written")
        return real(conn, feed_id, entries, now, *rest)

    monkeypatch.setattr(feed_writer, "upsert_entries", upsert)
    results = writer.record_many(
        [(a, ok(a.url, one_story("a")), 0), (c, ok(c.url, rss("c", ["1"])), 0)]
    )
    assert isinstance(results[1], StorageError)
    assert len(writer.ungrouped) == 2  # the rolled-back try and the one that stayed
    for _, future in later.asked:
        future.set_exception(RuntimeError("the parse process died"))
    writer.group_ungrouped()
    assert story_of(writer, "a-1")[1] == story_of(writer, "b-1")[1]
    assert writer.ungrouped == []


def test_terms_that_come_back_while_the_writer_looks_are_not_lost(writer: FeedWriter) -> None:
    a, b, c = feeds(writer)
    writer.record_many([(b, ok(b.url, one_story("b")), 0)])

    class BackWhileAsked(Future):
        """Not done when first asked, done right after: as if the worker answered then."""

        def done(self) -> bool:
            was = super().done()
            if not was:
                self.set_result(parse_process._terms([SAME_STORY]))
            return was

    later = TermsLater()
    writer.terms_later = later
    writer.record_many([(a, ok(a.url, one_story("a")), 0)])
    writer.terms_later = lambda pairs: BackWhileAsked()
    writer.record_many([(c, ok(c.url, one_story("c")), 0)])
    later.answer()  # a's terms are back before the writer looks
    writer.group_ungrouped()
    assert story_of(writer, "a-1")[1] == story_of(writer, "b-1")[1]
    assert len(writer.ungrouped) == 1  # c's came back during that look: kept for the next
    writer.group_ungrouped()
    assert writer.ungrouped == []
    assert story_of(writer, "c-1")[1] == story_of(writer, "b-1")[1]


@pytest.mark.parametrize("write_failed", [False, True])
def test_grouping_that_fails_at_close_is_a_warning_unless_a_write_failed_first(
    writer: FeedWriter,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    write_failed: bool,
) -> None:
    """The disk filling up fails a feed's write, and then the grouping left for the
    close: the poll reports the full disk on one line, with no second line about
    stories. Alone, a failed grouping is worth a warning."""
    a, _, c = feeds(writer)
    writer.terms_later = TermsLater()
    writer.record_many([(a, ok(a.url, one_story("a")), 0)])  # a's stories wait for terms
    full = sqlite3.OperationalError("database or disk is full")

    def fail(*args: object) -> None:
        raise full

    if write_failed:
        monkeypatch.setattr(feed_writer, "upsert_entries", fail)
        (result,) = writer.record_many([(c, ok(c.url, rss("c", ["1"])), 0)])
        assert isinstance(result, StorageError)
    monkeypatch.setattr(feed_writer, "assign_stories", fail)
    with caplog.at_level(logging.DEBUG, logger="newsdeck.poller"):
        writer.close()
    said = [(r.levelno, r.getMessage()) for r in caplog.records]
    level = logging.DEBUG if write_failed else logging.WARNING
    assert (level, "could not group 1 articles into stories") in said
    assert not [m for lv, m in said if lv >= logging.WARNING and write_failed]


def test_the_writer_keeps_temporary_tables_in_memory(writer: FeedWriter) -> None:
    """Topic matching's batch FTS table, on disk, cost a cold 10,000-article poll 345 MB
    of writes to SQLite's temporary files (strace). They are unlinked as soon as they
    are opened, so the setting is what a test can see; matching still works with it.
    The same goes for the writer's bigger page cache (its reads and writes are counted
    in tests/benchmarks/README.md)."""
    assert writer.store is not None
    assert writer.store.conn.execute("PRAGMA temp_store").fetchone()[0] == 2  # MEMORY
    cache = writer.store.conn.execute("PRAGMA cache_size").fetchone()[0]
    assert cache == -WRITER_CACHE_KIB  # negative: KiB, not pages
    writer.store.sync_topics([TopicConfig(name="Stories", query="story")])
    a, _, _ = feeds(writer)
    writer.record_many([(a, ok(a.url, rss("a", [str(i) for i in range(600)])), 0)])
    topics = writer.store.conn.execute("SELECT count(*) FROM article_topics").fetchone()[0]
    assert topics == 600  # matched through the temporary FTS table
