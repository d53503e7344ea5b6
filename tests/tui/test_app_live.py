"""Live data: writes from other processes, polling from the dashboard.

Hang-ups (a closed terminal under a real pty) are in tests/faults/test_hangup.py.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

import pytest

from storage.config import Config, FeedConfig, PollSettings
from tui.screens.main import MainScreen

ROOT = Path(__file__).resolve().parents[2]

WRITER = """
import sys
from dataclasses import dataclass
from storage.store import Store

@dataclass(frozen=True)
class Entry:
    guid: str; url: str; title: str; author: str; published: int; updated: None
    summary: str; text: str; html: str

with Store(sys.argv[1]) as store:
    feed = store.feeds()[0].id
    store.ingest(feed, [Entry("late", "https://news.example/late", "Late news from Kyiv",
                              "", int(sys.argv[2]), None, "", "Late news", "")])
"""

RSS = b"""<?xml version="1.0"?>
<rss version="2.0"><channel><title>Local wire</title><link>http://127.0.0.1/</link>
<item><title>Fresh report on Kyiv air defence aid</title><guid>w1</guid>
<link>http://127.0.0.1/w1</link><pubDate>Fri, 15 Jan 2027 07:30:00 GMT</pubDate></item>
</channel></rss>
"""


async def wait_for(pilot, app, condition, timeout: float = 8.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await pilot.pause(0.1)


async def test_an_article_written_by_another_process_appears(kit, db_path: Path) -> None:
    app = kit.make_app(db_path, watch_interval=0.2)
    async with app.run_test(size=(80, 24)) as pilot:
        await kit.settle(pilot, app)
        screen = app.screen
        assert isinstance(screen, MainScreen)
        await pilot.press("j", "j", "j")
        await kit.settle(pilot, app)
        before = screen.articles.current()
        writer = await asyncio.create_subprocess_exec(
            sys.executable, "-c", WRITER, str(db_path), str(kit.NOW), cwd=ROOT
        )
        assert await writer.wait() == 0
        await wait_for(pilot, app, lambda: screen.articles.total == 25)
        await kit.settle(pilot, app)
        assert "Late news from Kyiv" in kit.screen_text(app)
        assert "1-19 of 25" in kit.screen_text(app)
        assert screen.articles.current() == before  # the cursor stayed on its article
        assert screen.articles.cursor == 4
        assert "All 15" in kit.screen_text(app)


async def test_r_polls_the_feeds_and_shows_what_came(kit, tmp_path: Path, feed_server) -> None:
    url = feed_server.route("/wire.xml", lambda request: _rss())
    config = Config(
        poll=PollSettings(interval=3600, timeout=5),
        feeds=(FeedConfig(url, "Local wire"),),
        topics=kit.TOPICS,
    )
    db = tmp_path / "poll.db"
    from storage.store import Store

    with Store(db) as store:
        store.sync_feeds(config.feeds)
        store.sync_topics(config.topics)
    app = kit.make_app(db, config)
    app.notice_settle = 0.2
    async with app.run_test(size=(80, 24)) as pilot:
        await kit.settle(pilot, app)
        assert "No articles yet — press r to poll 1 feed" in kit.screen_text(app)
        await pilot.press("r")
        await wait_for(pilot, app, lambda: not app.polling)
        await kit.settle(pilot, app)
        screen = app.screen
        assert isinstance(screen, MainScreen)
        await wait_for(pilot, app, lambda: screen.articles.total == 1)
        await kit.settle(pilot, app)
        text = kit.screen_text(app)
        assert "Fresh report on Kyiv air defence aid" in text
        assert "idle" in text and "Ukraine aid 1" in text
        assert "1 new" in " ".join(str(n.message) for n in app._notifications)
        assert feed_server.count("/wire.xml") == 1

        def topic_notices() -> list[str]:
            return [str(n.message) for n in app._notifications if ": 1 new" in str(n.message)]

        await wait_for(pilot, app, topic_notices)  # the topic that got it is named, once
        await pilot.pause(0.4)
        assert topic_notices() == ["Ukraine aid: 1 new article"]


def _rss():
    from feedserver import Reply

    return Reply(body=RSS, headers={"Content-Type": "application/rss+xml"})


async def test_poll_progress_shows_in_the_header(
    kit, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    from storage import poller

    release = threading.Event()

    def fake_poll_once(db_path, config, *, force=False, on_progress=None):
        on_progress(0, 2, 0)
        on_progress(1, 2, 3)
        release.wait(10)
        raise RuntimeError("the network is down")

    monkeypatch.setattr(poller, "poll_once", fake_poll_once)
    app = kit.make_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await kit.settle(pilot, app)
        await pilot.press("r")
        await wait_for(pilot, app, lambda: "polling 1/2, 3 new articles" in kit.screen_text(app))
        await pilot.press("r")
        assert "Already polling" in " ".join(str(n.message) for n in app._notifications)
        release.set()
        await wait_for(pilot, app, lambda: not app.polling)
        await kit.settle(pilot, app)
        assert "idle" in kit.screen_text(app)
        assert "Poll failed: the network is down" in " ".join(
            str(n.message) for n in app._notifications
        )
