"""The poller and full-text feeds: new articles' pages fetched, extracted and stored.

A real loopback server serves the feed and the pages, the real poller polls it into a
real SQLite file.
"""

from __future__ import annotations

import time
from pathlib import Path

from feedserver import FeedServer, Reply, slow
from fulltext_pages import html_reply, page_bytes, rss_linking, rss_reply

from storage.config import Config, FeedConfig, PollSettings, TopicConfig
from storage.fulltext import PAGES_PER_FEED_POLL
from storage.listing import View
from storage.poller import poll_once
from storage.store import Store


def test_poller_fetches_pages_of_new_articles_for_full_text_feeds(
    feed_server: FeedServer, tmp_path: Path
) -> None:
    for name in ("semantic", "divsoup", "aggregator"):
        feed_server.route(f"/p/{name}", html_reply(page_bytes(name)))
    feed_server.route("/p/missing", Reply(404))
    items = [("1", feed_server.url("/p/semantic")), ("2", feed_server.url("/p/missing"))]
    feed_items = {"full": items, "plain": [("9", feed_server.url("/p/divsoup"))]}
    full = feed_server.route("/full.xml", lambda _req: rss_reply(rss_linking(feed_items["full"])))
    plain = feed_server.route("/plain.xml", rss_reply(rss_linking(feed_items["plain"])))
    db_path = tmp_path / "n.db"
    config = Config(
        poll=PollSettings(timeout=3.0),
        feeds=(FeedConfig(url=full, full_text=True), FeedConfig(url=plain)),
        topics=(TopicConfig(name="Ferns", query="quillwort"),),
        exists=True,
    )

    summary = poll_once(db_path, config, force=True)

    assert summary.new_articles == 3
    assert feed_server.count("/p/semantic") == 1 and feed_server.count("/p/missing") == 1
    assert feed_server.count("/p/divsoup") == 0  # not a full-text feed: pages stay unread
    with Store(db_path) as store:
        by_guid = {
            guid: article_id
            for guid, article_id in store.conn.execute("SELECT guid, id FROM articles")
        }
        good = store.full_text(by_guid["1"])
        missing = store.full_text(by_guid["2"])
        assert good is not None and good.ok and "quillwort clause" in (good.text or "")
        assert missing is not None and missing.error == "HTTP 404 Not Found"
        assert store.full_text(by_guid["9"]) is None
        assert store.article(by_guid["1"]).text == "Only the lead is in the feed."
        # Searchable, and in the topic, through words only the page has.
        assert [r.id for r in store.page(View(query="quillwort"))] == [by_guid["1"]]
        assert store.article_topics(by_guid["1"]) == ["Ferns"]
        assert [f.full_text for f in store.feeds()] == [True, False]

    # Next poll: one new entry, and only its page is fetched.
    feed_items["full"] = [("3", feed_server.url("/p/aggregator")), *items]
    poll_once(db_path, config, force=True)
    assert feed_server.count("/p/aggregator") == 1
    assert feed_server.count("/p/semantic") == 1 and feed_server.count("/p/missing") == 1
    # A feed's full_text can be switched off in the config.
    off = Config(poll=config.poll, feeds=(FeedConfig(url=full), FeedConfig(url=plain)))
    with Store(db_path) as store:
        store.sync_feeds(off.feeds)
        assert [f.full_text for f in store.feeds()] == [False, False]


def test_page_fetches_run_concurrently_within_the_per_host_limit(
    feed_server: FeedServer, tmp_path: Path
) -> None:
    feed_server.route("/p/slow", slow(html_reply(page_bytes("semantic")), 0.3))
    items = [(str(i), feed_server.url(f"/p/slow?n={i}")) for i in range(6)]
    url = feed_server.route("/full.xml", rss_reply(rss_linking(items)))
    config = Config(feeds=(FeedConfig(url=url, full_text=True),), exists=True)
    started = time.monotonic()
    poll_once(tmp_path / "n.db", config, force=True)
    elapsed = time.monotonic() - started
    assert len(feed_server.requests_for("/p/slow?n=0")) == 1
    assert feed_server.max_active == 2  # two at a time per host, as for feeds
    assert elapsed < 6 * 0.3  # ... but not one after the other
    with Store(tmp_path / "n.db") as store:
        stored = [store.full_text(i) for i in range(1, 7)]
    assert all(s is not None and s.ok for s in stored)


def test_a_new_full_text_feed_fetches_only_its_newest_pages(
    feed_server: FeedServer, tmp_path: Path
) -> None:
    items = [(str(i), feed_server.url(f"/p/{i}")) for i in range(PAGES_PER_FEED_POLL + 5)]
    url = feed_server.route("/full.xml", rss_reply(rss_linking(items)))
    config = Config(feeds=(FeedConfig(url=url, full_text=True),), exists=True)
    poll_once(tmp_path / "n.db", config, force=True)
    fetched = {r.path for r in feed_server.requests if r.path.startswith("/p/")}
    assert fetched == {f"/p/{i}" for i in range(PAGES_PER_FEED_POLL)}
