"""Counts and pages of views: every plan gives the same rows in the same order as the
plain SQL it optimises, deep pages continue seamlessly, and search results carry
snippets, highlights and topic names."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from entries import entry as Entry

from storage import listing
from storage.config import FeedConfig, TopicConfig
from storage.highlight import Highlighted, term_spans
from storage.listing import View
from storage.query import compile_query
from storage.store import Store

NOW = 1_790_000_000
WORDS = [
    "ukraine",
    "missiles",
    "aid",
    "migration",
    "asylum",
    "football",
    "weather",
    "markets",
    "election",
    "harbour",
    "rail",
    "museum",
]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    rng = random.Random(7)
    s = Store(tmp_path_factory.mktemp("listing") / "news.db")
    s.sync_feeds(
        [FeedConfig(url=f"https://feed{i}.example/rss", title=f"Feed {i}") for i in range(3)]
    )
    s.sync_topics(
        [
            TopicConfig("Ukraine", "ukraine (missiles OR aid)"),
            TopicConfig("Migration", "migration OR asylum"),
            TopicConfig("Sport", "football -weather"),
        ]
    )
    feeds = [f.id for f in s.feeds()]
    for batch in range(6):  # several ingests, published times out of id order
        entries = []
        for i in range(100):
            words = rng.sample(WORDS, 3) + rng.choices(WORDS, k=2)
            entries.append(
                Entry(
                    guid=f"{batch}-{i}",
                    title=" ".join(words[:3]).capitalize(),
                    text=" ".join(words) + ".",
                    published=NOW - rng.randrange(60 * 86400),
                )
            )
        s.ingest(feeds[batch % 3], entries, now=NOW - (6 - batch) * 3600)
    ids = [r[0] for r in s.conn.execute("SELECT id FROM articles")]
    s.set_read(rng.sample(ids, 250))
    s.set_starred(rng.sample(ids, 40))
    return s


def reference(store: Store, view: View) -> list[int]:
    """The obviously correct SQL: the whole condition, no plan, sorted by date."""
    condition, params = compile_query(view.query, now=NOW).condition()
    sql = f"SELECT a.id FROM articles a WHERE ({condition})"
    if view.topic_id is not None:
        sql += " AND a.id IN (SELECT article_id FROM article_topics WHERE topic_id = ?)"
        params.append(view.topic_id)
    return [r[0] for r in store.conn.execute(f"{sql} ORDER BY a.published DESC, a.id DESC", params)]


QUERIES = [
    "",
    "ukraine",
    "missiles OR football",
    "aid -ukraine",
    "-football",
    "ukraine is:unread",
    "is:starred",
    "asylum since:20d",
    "feed:feed1 rail",
    "rail OR feed:feed2",
    "title:museum",
    "nothingmatches",
    "-is:read aid",
]


@pytest.mark.parametrize("plan", ["cost", "matches", "index"])
@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("topic", [None, "Ukraine", "Sport"])
def test_every_plan_gives_the_reference_rows(
    store: Store, monkeypatch: pytest.MonkeyPatch, plan: str, query: str, topic: str | None
) -> None:
    if plan == "matches":
        monkeypatch.setattr(listing, "COST_MATCH", 0.0)
    elif plan == "index":
        monkeypatch.setattr(listing, "COST_MATCH", 1e9)
    topic_id = {t.name: t.id for t in store.topics(now=NOW)}.get(topic or "")
    view = View(topic_id=topic_id, query=query)
    expected = reference(store, view)
    assert store.count(view, now=NOW) == len(expected)
    assert [r.id for r in store.page(view, 0, 1000, now=NOW)] == expected
    assert [r.id for r in store.page(view, 7, 5, now=NOW)] == expected[7:12]


def test_scrolling_page_by_page_equals_one_long_page(store: Store) -> None:
    view = View(query="-weather")
    whole = [r.id for r in store.page(view, 0, 1000, now=NOW)]
    scrolled: list[int] = []
    while batch := store.page(view, len(scrolled), 37, now=NOW):
        scrolled += [r.id for r in batch]
    assert scrolled == whole
    # Jumping back and to an offset between cached boundaries still lines up.
    assert [r.id for r in store.page(view, 100, 10, now=NOW)] == whole[100:110]
    assert [r.id for r in store.page(view, 5, 3, now=NOW)] == whole[5:8]


def test_cached_boundaries_are_dropped_when_articles_change(store: Store) -> None:
    view = View(query="is:unread")
    first = [r.id for r in store.page(view, 0, 20, now=NOW)]
    store.page(view, 20, 20, now=NOW)  # remembers where row 40 starts
    store.set_read(first[:5])
    try:
        assert [r.id for r in store.page(view, 20, 20, now=NOW)] == reference(store, view)[20:40]
    finally:
        store.set_read(first[:5], False)


def test_relevance_puts_title_matches_first(tmp_path: Path) -> None:
    s = Store(tmp_path / "r.db")
    s.sync_feeds([FeedConfig(url="https://f.example/rss")])
    feed = s.feeds()[0].id
    s.ingest(
        feed,
        [
            Entry("1", "Weather report", "Rain, with a mention of harbour traffic.", NOW - 60),
            Entry(
                "2", "Harbour reopens", "The harbour reopened after the harbour strike.", NOW - 7200
            ),
        ],
        now=NOW,
    )
    newest = s.page(View(query="harbour"), 0, now=NOW)
    best = s.page(View(query="harbour", sort="relevance"), 0, now=NOW)
    assert [r.title for r in newest] == ["Weather report", "Harbour reopens"]
    assert [r.title for r in best] == ["Harbour reopens", "Weather report"]


def test_search_results_carry_snippets_highlights_and_topics(store: Store) -> None:
    results = store.search(View(query="ukraine missiles"), 0, 5, now=NOW)
    assert results
    for result in results:
        assert "Ukraine" in result.topics
        marked = result.snippet.marked()
        assert "«ukraine»" in marked.lower() and "«missiles»" in marked.lower()
        for start, end in result.title.spans:
            assert result.title.text[start:end].lower() in ("ukraine", "missiles")
    plain = store.search(View(query="is:starred"), 0, 3, now=NOW)
    assert all(r.snippet.spans == () and r.snippet.text for r in plain)


def test_view_terms_and_term_spans() -> None:
    view = View(query='Ukraine "air defence" weap* -russia feed:bbc')
    terms = listing.view_terms(view)
    assert terms == ["ukraine", "air defence", "weap*"]
    title = "Ukraine's air-defence weapons, not Russia's; said the museum"
    spans = term_spans(title, terms)
    assert [title[a:b] for a, b in spans] == ["Ukraine", "air", "defence", "weapons"]
    assert term_spans("The museum said", ["eu", "aid"]) == []


def test_marked_snippet() -> None:
    assert Highlighted("EU aid said", ((3, 6),)).marked() == "EU «aid» said"


def test_topics_and_daily_counts(store: Store) -> None:
    infos = store.topics(now=NOW)
    assert [t.name for t in infos] == ["Ukraine", "Migration", "Sport"]
    for info in infos:
        members = reference(store, View(topic_id=info.id))
        assert info.total == len(members) > 0
        assert info.unread == store.count(View(topic_id=info.id, query="is:unread"), now=NOW)
        assert info.new_24h == info.total  # every article was first seen within 6 hours
    later = store.topics(now=NOW + 2 * 86400)
    assert all(t.new_24h == 0 for t in later)
    days = store.topic_daily_counts(infos[0].id, days=30, now=NOW)
    assert len(days) == 30
    in_window = store.count(View(topic_id=infos[0].id, query=f"since:{29 * 24}h"), now=NOW)
    assert abs(sum(days) - in_window) <= days[0]  # the first day is partly out of the window
    assert sum(store.topic_daily_counts(None, days=61, now=NOW)) == 600


def test_mark_view_read_updates_topic_counters(store: Store) -> None:
    sport = next(t for t in store.topics(now=NOW) if t.name == "Sport")
    view = View(topic_id=sport.id, query="is:unread")
    unread = store.count(view, now=NOW)
    ids = [r.id for r in store.page(view, 0, 1000, now=NOW)]
    try:
        assert store.mark_view_read(view, now=NOW) == unread > 0
        assert next(t for t in store.topics(now=NOW) if t.name == "Sport").unread == 0
    finally:
        store.set_read(ids, False)
    assert next(t for t in store.topics(now=NOW) if t.name == "Sport").unread == unread
