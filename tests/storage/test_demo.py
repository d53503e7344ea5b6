"""The offline demo: its content, its feed formats, and one copy of every article."""

from __future__ import annotations

import collections
import re
from pathlib import Path

import pytest

import storage.demo as demo_module
from storage import db
from storage.demo import DemoError, build_demo, load_articles, load_outlets, open_demo, start_demo
from storage.parse import parse_feed
from storage.store import Store


def words(html: str) -> int:
    text = re.sub(r"<script.*?</script>|<style.*?</style>", " ", html, flags=re.S)
    return len(re.sub(r"<[^>]+>", " ", text).split())


def test_demo_content_is_big_and_varied_enough() -> None:
    articles = load_articles()
    outlets = load_outlets()
    assert len(articles) >= 150
    assert len({a.id for a in articles}) == len(articles)
    assert len({a.outlet for a in articles}) >= 8
    assert {o.format for o in outlets} == {"rss", "atom", "json"}
    assert all(80 <= words(a.html) <= 400 for a in articles)
    assert all(0 < a.hours_ago <= 21 * 24 for a in articles)
    topics = collections.Counter(a.topic for a in articles)
    assert topics["ukraine_aid"] >= 40 and topics["eu_migration"] >= 40 and topics["other"] >= 40
    stories = collections.Counter(a.story for a in articles if a.story)
    assert max(stories.values()) >= 3  # near-duplicates of one story across outlets
    for story, count in stories.items():
        outlets_of_story = {a.outlet for a in articles if a.story == story}
        assert len(outlets_of_story) == count, story


def test_every_demo_feed_parses_in_its_own_format(tmp_path: Path) -> None:
    config = build_demo(tmp_path, now=1_800_000_000)
    kinds = set()
    total = 0
    for feed in config.feeds:
        path = Path(feed.url.removeprefix("file://"))
        parsed = parse_feed(path.read_bytes(), feed.url, now=1_800_000_000)
        kinds.add(parsed.kind[:4])
        total += len(parsed.entries)
        assert parsed.warning is None
        assert all(e.published and e.published <= 1_800_000_000 for e in parsed.entries)
    assert kinds >= {"rss2", "atom", "json"}
    assert total == len(load_articles())


def test_demo_database_has_every_article_exactly_once(tmp_path: Path) -> None:
    config, db_path = open_demo(tmp_path)
    with Store(db_path) as store:
        assert store.count_articles() == len(load_articles())
        feeds = store.feeds()
        assert len(feeds) == len(config.feeds)
        assert all(f.last_error is None and f.last_status == 200 for f in feeds)
        guids = store.conn.execute("SELECT guid FROM articles").fetchall()
        assert len({g[0] for g in guids}) == len(guids)
        assert db.integrity_problems(store.conn) == []
        newest = store.recent(limit=1)[0]
    assert newest.title  # dates were shifted: the newest article is recent
    assert newest.published > 1_700_000_000


def test_heavy_html_is_cleaned_for_search(tmp_path: Path) -> None:
    _, db_path = open_demo(tmp_path)
    with Store(db_path) as store:
        rows = store.conn.execute(
            "SELECT a.text FROM articles a JOIN feeds f ON f.id = a.feed_id"
            " WHERE f.title = 'Atlantic Dispatch'"
        ).fetchall()
    assert rows
    for (text,) in rows:
        assert "track(" not in text and "<" not in text and "{" not in text


def test_demo_polled_in_a_child_process_has_every_article_once(tmp_path: Path) -> None:
    config, db_path, ready = start_demo(tmp_path)
    ready()
    with Store(db_path) as store:
        assert store.count_articles() == len(load_articles())
        assert len(store.feeds()) == len(config.feeds)
        assert db.integrity_problems(store.conn) == []


def test_a_failed_demo_poll_is_one_clear_error(tmp_path: Path, monkeypatch) -> None:
    def broken(db_path: Path, config: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(demo_module, "_poll_demo", broken)
    _, _, ready = start_demo(tmp_path)
    with pytest.raises(DemoError, match="the demo poll failed: OSError: disk full"):
        ready()
