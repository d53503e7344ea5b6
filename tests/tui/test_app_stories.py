"""Same story, many outlets; and the full text of an article's page (`f`) in the reader."""

from __future__ import annotations

import sqlite3
import time
from dataclasses import replace
from pathlib import Path

import pytest
from feedserver import FeedServer, Reply
from textual.widgets import Markdown

from storage.config import FeedConfig, PollSettings
from storage.db import StorageError
from storage.listing import View
from storage.store import Store
from tui.screens.main import MainScreen
from tui.widgets.list_source import StoryListRow, count_stories

PAGES = Path(__file__).resolve().parents[1] / "storage" / "pages"
# A paragraph of tests/storage/pages/semantic.html's article, and boilerplate around it.
ARTICLE_WORDS = "Interior ministers"
BOILERPLATE = ("We use cookies", "Most read", "Privacy policy")


def main(app) -> MainScreen:
    assert isinstance(app.screen, MainScreen)
    return app.screen


def notices(app) -> str:
    return " | ".join(str(n.message) for n in app._notifications)


async def wait_for(pilot, condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await pilot.pause(0.05)


async def test_a_story_is_one_row_with_its_other_sources(kit, story_db: Path) -> None:
    app = kit.make_app(story_db)
    async with app.run_test(size=(100, 30)) as pilot:
        await kit.settle(pilot, app)
        screen = main(app)
        assert screen.articles.total == len(kit.ARTICLES) + 1  # three versions, one row
        text = kit.screen_text(app)
        assert "+2 sources" in text
        assert "Berlin pledges extra Patriot" in text  # the newest version stands for it
        assert "Germany to deliver two more" not in text and "Vollmer: Germany" not in text
        story = next(r for _, r in screen.articles.pages.rows() if getattr(r, "size", 1) > 1)
        assert isinstance(story, StoryListRow) and story.size == 3 and story.sources == 3
        await pilot.press("S")  # every article on its own row
        await kit.settle(pilot, app)
        assert screen.articles.total == len(kit.ARTICLES) + 3
        assert "+2 sources" not in kit.screen_text(app)
        await pilot.press("S")
        await kit.settle(pilot, app)
        assert screen.articles.total == len(kit.ARTICLES) + 1


async def test_opening_a_story_shows_every_version_and_marks_them_read(kit, story_db: Path) -> None:
    titles = {title for _, _, title, _ in kit.STORY}
    app = kit.make_app(story_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await kit.settle(pilot, app)
        screen = main(app)
        index = next(
            i for i, r in screen.articles.pages.rows() if isinstance(r, StoryListRow) and r.size > 1
        )
        screen.articles.move_cursor(index)
        await pilot.press("enter")
        await kit.settle(pilot, app)
        text = kit.screen_text(app)
        assert "3 versions from 3 outlets" in text
        for feed in ("The Kyiv Ledger", "Brussels Wire", "North Sea Post"):
            assert feed in text
        with Store(story_db) as store:
            versions = [r for r in store.page(View(), 0, 100) if r.title in titles]
        assert len(versions) == 3 and all(v.read for v in versions)
        shown = screen.reader.article
        await pilot.press("v")  # the next outlet's version
        await kit.settle(pilot, app)
        assert screen.reader.article.id != shown.id
        assert screen.reader.article.title in titles
        await pilot.press("V")
        await kit.settle(pilot, app)
        assert screen.reader.article.id == shown.id
        await pilot.press("m")  # unread again: the whole story
        await kit.settle(pilot, app)
        with Store(story_db) as store:
            versions = [r for r in store.page(View(), 0, 100) if r.title in titles]
        assert not any(v.read for v in versions)
        assert not screen.articles.current().read


def _article_db(tmp_path: Path, kit, urls: list[str]) -> Path:
    """Feeds and topics as usual; one article per URL, with only a lead in the feed."""
    db = tmp_path / "pages.db"
    with Store(db) as store:
        store.sync_feeds(kit.FEEDS, now=kit.NOW)
        store.sync_topics(kit.TOPICS)
        feed = store.feeds()[0].id
        entries = [
            replace(
                kit.entry(i, i + 1, f"Ministers meet on asylum rules, part {i}"),
                url=url,
                html="<p>Only the lead is in the feed.</p>",
                text="Only the lead is in the feed.",
            )
            for i, url in enumerate(urls)
        ]
        store.ingest(feed, entries, now=kit.NOW)
    return db


def _page(name: str) -> Reply:
    body = (PAGES / f"{name}.html").read_bytes()
    return Reply(headers={"Content-Type": "text/html; charset=utf-8"}, body=body)


async def test_f_shows_the_full_text_and_f_again_the_feeds(
    kit, tmp_path: Path, feed_server: FeedServer
) -> None:
    good = feed_server.route("/news/semantic", lambda request: _page("semantic"))
    empty = feed_server.route("/europe/", lambda request: _page("section_front"))
    db = _article_db(tmp_path, kit, [good, empty])
    config = replace(kit.make_config(), poll=PollSettings(interval=3600, timeout=3.0))
    app = kit.make_app(db, config)
    async with app.run_test(size=(100, 30)) as pilot:
        await kit.settle(pilot, app)
        screen = main(app)
        await pilot.press("enter")  # part 0: the semantic page
        await kit.settle(pilot, app)
        reader = screen.reader
        assert "Only the lead is in the feed." in _body(app)
        await pilot.press("f")
        await wait_for(pilot, lambda: reader.full.showing)
        await kit.settle(pilot, app)
        body = _body(app)
        assert ARTICLE_WORDS in body and not any(b in body for b in BOILERPLATE)
        assert "full text" in str(reader.border_title)
        assert "Full text from the article's page" in kit.screen_text(app)
        await pilot.press("f")  # back to the feed's own text, which was kept
        await kit.settle(pilot, app)
        assert "Only the lead is in the feed." in _body(app)
        assert "full text" not in str(reader.border_title)
        assert feed_server.count("/news/semantic") == 1
        await pilot.press("n", "f")  # part 1: a section front, no article on it
        await wait_for(pilot, lambda: "could not find the article text" in notices(app))
        await kit.settle(pilot, app)
        assert "could not find the article text on the page" in kit.screen_text(app)
        assert "Only the lead is in the feed." in _body(app)
        await pilot.press("p")  # the stored full text shows at once when reopened
        await kit.settle(pilot, app)
        assert reader.full.showing and ARTICLE_WORDS in _body(app)
        assert feed_server.count("/news/semantic") == 1


def _body(app) -> str:
    body = app.screen.query_one("#reader-body", Markdown)
    return body.source


def test_a_story_count_no_longer_needed_stops(tmp_path: Path) -> None:
    """Switching on before the stories are counted stops that count (it would take a
    core from the next view's) instead of letting it run to the end."""
    with Store(tmp_path / "news.db") as store:
        store.sync_feeds([FeedConfig(url="https://a.example/rss")])
        conn = store.conn
        with conn:  # 4,000 articles, every third one in another's story
            conn.executemany(
                "INSERT INTO articles (id, feed_id, guid, title, published, content_hash,"
                " first_seen, read, story_id) VALUES (?, 1, ?, 't', ?, 'h', 1, ?, ?)",
                [(i, f"g{i}", i, i % 2, i - 1 if i % 3 == 0 else i) for i in range(1, 4001)],
            )
        view = View(query="is:unread")
        expected = store.story_count(view)
        assert count_stories(store, view, lambda: False) == expected
        with pytest.raises((StorageError, sqlite3.OperationalError)):
            count_stories(store, view, lambda: True)
        assert count_stories(store, view) == expected  # the connection is fine afterwards
