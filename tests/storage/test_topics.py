"""Topics from the config: membership decided at ingest, re-matched once when a query
changes, counters that follow reads, and bad topic queries reported by name."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from storage import db
from storage.config import FeedConfig, TopicConfig
from storage.listing import View
from storage.query import QueryError
from storage.store import Store
from storage.topics import query_hash

NOW = 1_790_000_000


@dataclass(frozen=True)
class Entry:
    guid: str
    title: str
    text: str = ""
    author: str = ""
    published: int | None = NOW - 60
    url: str | None = None
    updated: int | None = None
    summary: str = ""
    html: str = ""


def members(store: Store, name: str) -> set[str]:
    return {
        row[0]
        for row in store.conn.execute(
            "SELECT a.guid FROM article_topics t JOIN topics p ON p.id = t.topic_id"
            " JOIN articles a ON a.id = t.article_id WHERE p.name = ?",
            (name,),
        )
    }


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "news.db")
    s.sync_feeds([FeedConfig(url="https://a.example/rss"), FeedConfig(url="https://b.example/rss")])
    return s


def feed(store: Store, n: int = 0) -> int:
    return store.feeds()[n].id


def test_new_articles_join_their_topics_at_ingest(store: Store) -> None:
    store.sync_topics([TopicConfig("Aid", "ukraine aid"), TopicConfig("Sport", "football")])
    store.ingest(
        feed(store),
        [
            Entry("1", "Ukraine aid package"),
            Entry("2", "Football final"),
            Entry("3", "Ukraine said nothing"),
            Entry("4", "Aid for Ukraine's football"),
        ],
        now=NOW,
    )
    assert members(store, "Aid") == {"1", "4"}
    assert members(store, "Sport") == {"2", "4"}


def test_a_changed_article_moves_between_topics(store: Store) -> None:
    store.sync_topics([TopicConfig("Aid", "aid"), TopicConfig("Sport", "football")])
    store.ingest(feed(store), [Entry("1", "Aid convoy")], now=NOW)
    store.ingest(feed(store), [Entry("1", "Football result")], now=NOW + 60)
    assert members(store, "Aid") == set()
    assert members(store, "Sport") == {"1"}
    infos = {t.name: t for t in store.topics(now=NOW)}
    assert (infos["Aid"].total, infos["Sport"].total) == (0, 1)


def test_topics_added_later_and_changed_queries_are_matched_once(store: Store) -> None:
    store.ingest(feed(store), [Entry("1", "Aid convoy"), Entry("2", "Football")], now=NOW)
    assert store.sync_topics([TopicConfig("T", "aid")]) != []
    assert members(store, "T") == {"1"}
    assert store.sync_topics([TopicConfig("T", "aid")]) == []  # same query: nothing to do
    assert store.sync_topics([TopicConfig("T", "  aid ")]) == []  # same meaning
    assert store.conn.execute("SELECT query FROM topics").fetchone()[0] == "  aid "
    assert store.sync_topics([TopicConfig("T", "football")]) != []
    assert members(store, "T") == {"2"}


def test_topics_follow_config_order_keys_and_deletions(store: Store) -> None:
    store.ingest(feed(store), [Entry("1", "Aid"), Entry("2", "Football")], now=NOW)
    store.sync_topics([TopicConfig("A", "aid", key="1"), TopicConfig("B", "football")])
    store.sync_topics([TopicConfig("B", "football", key="2"), TopicConfig("C", "aid")])
    infos = store.topics(now=NOW)
    assert [(t.name, t.key, t.position) for t in infos] == [("B", "2", 0), ("C", None, 1)]
    assert store.conn.execute("SELECT count(*) FROM article_topics").fetchone()[0] == 2
    assert db.integrity_problems(store.conn) == []


def test_counters_follow_read_state_and_deletes(store: Store) -> None:
    store.sync_topics([TopicConfig("Aid", "aid")])
    result = store.ingest(feed(store), [Entry(str(i), f"Aid {i}") for i in range(5)], now=NOW)
    store.ingest(feed(store, 1), [Entry("x", "Aid x")], now=NOW)
    aid = store.topics(now=NOW)[0]
    assert (aid.total, aid.unread, aid.new_24h) == (6, 6, 6)
    store.set_read(list(result.new_ids[:2]))
    store.set_read(list(result.new_ids[:1]))  # already read: no double counting
    assert store.topics(now=NOW)[0].unread == 4
    store.set_read(list(result.new_ids[:1]), False)
    assert store.topics(now=NOW)[0].unread == 5
    with store.transaction() as conn:
        conn.execute("DELETE FROM feeds WHERE id = ?", (feed(store, 1),))
    aid = store.topics(now=NOW)[0]
    assert (aid.total, aid.unread) == (5, 4)
    assert aid.unread == store.count(View(topic_id=aid.id, query="is:unread"), now=NOW)


def test_topic_queries_may_use_feeds_and_dates_but_not_state(store: Store) -> None:
    store.ingest(feed(store), [Entry("1", "Aid", published=NOW - 400 * 86400)], now=NOW)
    store.ingest(feed(store, 1), [Entry("2", "Aid")], now=NOW)
    store.sync_topics(
        [TopicConfig("Recent", "aid since:2026-01-01"), TopicConfig("B only", "aid feed:b.example")]
    )
    assert members(store, "Recent") == {"2"}
    assert members(store, "B only") == {"2"}
    with pytest.raises(QueryError, match=r"topic 'Unread': topics cannot use is:"):
        store.sync_topics([TopicConfig("Unread", "aid is:unread")])
    with pytest.raises(QueryError, match=r"topic 'Bad': unbalanced quote at column 5"):
        store.sync_topics([TopicConfig("Bad", 'aid "x')])
    assert [t.name for t in store.topics(now=NOW)] == ["Recent", "B only"]  # untouched


def test_negative_topic_queries_are_restricted_to_the_ingested_articles(store: Store) -> None:
    store.ingest(feed(store), [Entry("old", "Weather")], now=NOW)
    store.sync_topics([TopicConfig("Not sport", "-football")])
    store.ingest(feed(store), [Entry("1", "Football"), Entry("2", "Markets")], now=NOW)
    assert members(store, "Not sport") == {"old", "2"}


def test_far_apart_ids_are_matched_in_separate_ranges(store: Store) -> None:
    store.sync_topics([TopicConfig("Aid", "aid")])
    first = store.ingest(feed(store), [Entry("a", "Aid early")], now=NOW)
    store.ingest(feed(store), [Entry(f"f{i}", "Filler") for i in range(600)], now=NOW)
    store.ingest(
        feed(store), [Entry("a", "Aid early, updated"), Entry("z", "Aid late")], now=NOW + 60
    )
    assert members(store, "Aid") == {"a", "z"}
    assert first.new_ids[0] in {r.id for r in store.page(View(topic_id=1), 0, 10, now=NOW)}


def test_query_hash_ignores_spelling_not_meaning() -> None:
    assert query_hash("a  b") == query_hash("a AND b")
    assert query_hash("a b") != query_hash("a OR b")
