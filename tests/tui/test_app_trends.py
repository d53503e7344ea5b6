"""Trends (`t`) and the notification that a topic got new articles."""

from __future__ import annotations

import asyncio
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from storage.store import Store
from storage.trends import topic_trend
from tui import format
from tui.notices import NewArticles
from tui.screens.main import MainScreen
from tui.screens.trends import TrendsScreen
from tui.widgets.tabs import TopicTabs
from tui.widgets.trend_chart import SPIKE_MARK, chart_text

ROOT = Path(__file__).resolve().parents[2]
DAY = 86400


def trend_db(path: Path, kit) -> Path:
    """Ukraine aid: one article a day for four weeks, and six on the day 5 days ago."""
    with Store(path) as store:
        store.sync_feeds(kit.FEEDS, now=kit.NOW)
        store.sync_topics(kit.TOPICS)
        feed = store.feeds()[0].id  # one feed: its articles are never one story
        entries = []
        for days_ago in range(1, 29):
            for n in range(6 if days_ago == 5 else 1):
                i = days_ago * 10 + n
                hours = days_ago * 24 + n * 0.1
                entries.append(kit.entry(i, hours, f"Kyiv air defence report {i}", now=kit.NOW))
        store.ingest(feed, entries, now=kit.NOW)
    return path


async def test_t_shows_each_topics_days_with_the_spike_marked(kit, tmp_path: Path) -> None:
    db = trend_db(tmp_path / "trend.db", kit)
    app = kit.make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await kit.settle(pilot, app)
        main = app.screen
        assert isinstance(main, MainScreen)
        with Store(db) as store:
            ukraine = topic_trend(store, main.topics[0].id, 30, kit.NOW)
        assert ukraine.spike_dates and ukraine.spike_dates[0].isoformat() == "2027-01-10"
        # The tab's sparkline is the same daily counts as the chart.
        tabs = main.query_one(TopicTabs).tabs
        assert tabs[1].spark == format.sparkline(list(ukraine.daily[-14:]))
        await pilot.press("t")
        await kit.settle(pilot, app)
        assert isinstance(app.screen, TrendsScreen)
        assert [c.topic_name for c in app.screen.charts] == [
            "All articles",
            "Ukraine aid",
            "EU migration",
        ]
        await pilot.press("j")  # Ukraine aid: the list scrolls to keep it in sight
        await kit.settle(pilot, app)
        text = kit.screen_text(app)
        assert "Ukraine aid" in text and "Spike: Jan 10 (6)" in text
        assert SPIKE_MARK in text
        assert "33 in 30 days" in text
        await pilot.press("G")  # at 80x24 the last chart is below: it scrolls
        await kit.settle(pilot, app)
        assert app.screen.query_one("#trends-scroll").scroll_y > 0
        assert "No spikes" in kit.screen_text(app)
        await pilot.press("k", "enter")  # show Ukraine aid's articles
        await kit.settle(pilot, app)
        assert app.screen is main and main.tab == 1


def test_the_chart_marks_spikes_under_their_bars_and_names_their_dates() -> None:
    from datetime import date, timedelta

    @dataclass
    class Trend:
        daily: tuple[int, ...]
        spikes: tuple[int, ...]
        start: date = date(2027, 1, 1)

        @property
        def dates(self) -> list[date]:
            return [self.start + timedelta(days=i) for i in range(len(self.daily))]

    trend = Trend((1, 2, 1, 0, 8, 1), (4,))
    lines = chart_text(trend, width=40, height=4).plain.splitlines()
    assert lines[0].startswith(" 8 │")  # the peak labels the top row
    bars = lines[0].index("█")
    assert lines[-3][bars] == SPIKE_MARK  # the ▲ is under the spike's bar
    assert lines[-3].count(SPIKE_MARK) == 1
    assert lines[-2].split() == ["Jan", "01", "Jan", "06"]  # no room for the middle one
    assert lines[-1] == "Spike: Jan 05 (8)"
    assert lines[3].index("│") == 3 and lines[3][4 + 3 * 3 :][:3] == "   "  # 0: no bar


def test_new_articles_are_counted_per_topic_and_said_once() -> None:
    @dataclass
    class Topic:
        id: int
        name: str
        query: str
        total: int

    notes = NewArticles()
    assert not notes.observe([Topic(1, "Ukraine aid", "q", 10), Topic(2, "EU", "e", 5)])
    assert notes.observe([Topic(1, "Ukraine aid", "q", 12), Topic(2, "EU", "e", 5)])
    assert notes.observe([Topic(1, "Ukraine aid", "q", 13), Topic(2, "EU", "e", 6)])
    assert not notes.observe([Topic(1, "Ukraine aid", "q", 13), Topic(2, "EU", "f", 9)])
    assert notes.flush() == ["Ukraine aid: 3 new articles", "EU: 1 new article"]
    assert notes.flush() == []


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
    for n in range(int(sys.argv[3])):
        store.ingest(feed, [Entry(f"late{sys.argv[4]}{n}", f"https://news.example/l{n}",
                                  f"Kyiv air defence gets missile aid, update {n}", "",
                                  int(sys.argv[2]), None, "", "Late news", "")])
"""


async def test_a_topic_that_gets_new_articles_is_announced_once(kit, db_path: Path) -> None:
    app = kit.make_app(db_path, watch_interval=0.2)
    app.notice_settle = 0.5
    async with app.run_test(size=(80, 24)) as pilot:
        await kit.settle(pilot, app)

        async def write(count: int, batch: str) -> None:
            args = [WRITER, str(db_path), str(kit.NOW), str(count), batch]
            writer = await asyncio.create_subprocess_exec(sys.executable, "-c", *args, cwd=ROOT)
            assert await writer.wait() == 0

        def said() -> list[str]:
            return [str(n.message) for n in app._notifications if "new article" in str(n.message)]

        await write(3, "a")  # another process polls: three commits
        deadline = time.monotonic() + 10
        while not said():
            assert time.monotonic() < deadline, "no notification"
            await pilot.pause(0.1)
        await pilot.pause(1.0)
        assert said() == ["Ukraine aid: 3 new articles"]
