"""Topic trends: articles per day and spikes, as pure functions and over a real database."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from storage.config import FeedConfig, TopicConfig
from storage.store import Store
from storage.trends import find_spikes, thresholds, topic_trend
from tui.cli import run

DAY = 86400
# A fixed clock: noon UTC, so "today" and the day boundaries never move under a test.
NOW = int(datetime(2026, 11, 28, 12, 0, tzinfo=UTC).timestamp())
TODAY = datetime(2026, 11, 28, tzinfo=UTC).date()


@dataclass(frozen=True)
class Entry:
    guid: str
    title: str
    published: int
    text: str = ""
    author: str = ""
    url: str | None = None
    updated: int | None = None
    summary: str = ""
    html: str = ""


# -- the rule, without a database -----------------------------------------------------


def test_a_day_far_above_its_fortnight_is_a_spike() -> None:
    counts = [2, 3, 2, 1, 2, 3, 2, 2, 1, 2, 3, 2, 2, 2, 9]
    assert find_spikes(counts) == [14]


def test_only_the_fourteen_days_before_count() -> None:
    # A burst three weeks ago does not raise the bar for today.
    counts = [40, 40, 40, 40, 40, 40] + [1] * 14 + [6]
    assert find_spikes(counts) == [20]
    assert thresholds(counts)[20] == pytest.approx(1 + 2 * 1.0)


def test_flat_history_needs_more_than_one_extra_article() -> None:
    # Zero variance: the standard deviation counts as 1, so the bar is mean + 2.
    flat = [5] * 14
    assert find_spikes([*flat, 6]) == []
    assert find_spikes([*flat, 7]) == []
    assert find_spikes([*flat, 8]) == [14]


def test_quiet_topics_need_at_least_three_articles() -> None:
    zeros = [0] * 14
    assert find_spikes([*zeros, 2]) == []  # two articles after a silent fortnight: no news
    assert find_spikes([*zeros, 3]) == [14]


def test_too_little_history_is_never_a_spike() -> None:
    assert find_spikes([1, 1, 1, 1, 1, 1, 50]) == []  # 6 days before it
    assert find_spikes([1, 1, 1, 1, 1, 1, 1, 50]) == [7]  # 7 days
    assert thresholds([1] * 3) == [None, None, None]


def test_days_before_the_data_starts_are_not_zeros() -> None:
    # The database began collecting at index 20: the 20 zeros before it are "unknown".
    counts = [0] * 20 + [1, 1, 1, 1, 1, 1, 10]
    assert find_spikes(counts, first_data=0) == [26]
    assert find_spikes(counts, first_data=20) == []


def test_several_spikes_and_a_spike_raises_the_next_bar() -> None:
    counts = [1] * 14 + [10, 10]
    # The second 10 is judged against a fortnight that includes the first.
    assert find_spikes(counts) == [14, 15]
    assert thresholds(counts)[15] > thresholds(counts)[14]


# -- over a real database ---------------------------------------------------------------


def store_with(tmp_path: Path, per_day: dict[int, int], other: int = 0) -> Store:
    """A database whose "Aid" topic got per_day[d] articles d days before today."""
    store = Store(tmp_path / "news.db")
    store.sync_feeds([FeedConfig(url="https://news.example/rss")])
    store.sync_topics([TopicConfig("Aid", "aid"), TopicConfig("Sport", "football")])
    entries = []
    for days_ago, n in per_day.items():
        for i in range(n):
            published = NOW - days_ago * DAY - 3600 - i  # within that UTC day
            entries.append(Entry(f"{days_ago}-{i}", f"Aid report {i}", published))
    for i in range(other):
        entries.append(Entry(f"f{i}", "Football match", NOW - i * DAY))
    store.ingest(store.feeds()[0].id, entries, now=NOW)
    return store


def test_topic_trend_counts_30_days_and_marks_spikes(tmp_path: Path) -> None:
    history = {d: 1 for d in range(1, 44)}  # one a day for six weeks
    history[0] = 6  # today spikes
    history[29] = 5  # so does the first day of the window, judged on the days before it
    with store_with(tmp_path, history, other=3) as store:
        aid = store.topics()[0].id
        trend = topic_trend(store, aid, now=NOW)
    assert len(trend.daily) == 30
    assert trend.start == TODAY - timedelta(days=29)
    assert trend.daily[-1] == 6 and trend.daily[0] == 5 and trend.daily[1:-1] == (1,) * 28
    assert trend.spikes == (0, 29)
    assert trend.spike_dates == [TODAY - timedelta(days=29), TODAY]
    assert trend.total == 6 + 5 + 28 and trend.peak == 6
    assert trend.mean == pytest.approx(trend.total / 30)
    assert trend.thresholds[-1] == pytest.approx(1 + 2 * 1.0)
    assert trend.dates[-1] == TODAY


def test_a_new_database_has_no_spikes_yet(tmp_path: Path) -> None:
    # Five days of data: the burst today is real, but there is nothing to compare it with.
    with store_with(tmp_path, {0: 20, 1: 1, 2: 1, 3: 1, 4: 1}) as store:
        trend = topic_trend(store, store.topics()[0].id, now=NOW)
    assert trend.daily[-5:] == (1, 1, 1, 1, 20)
    assert trend.spikes == ()
    assert trend.thresholds[-1] is None


def test_empty_topic_and_all_articles(tmp_path: Path) -> None:
    with store_with(tmp_path, {0: 2}, other=1) as store:
        sport, everything = store.topics()[1].id, None
        assert topic_trend(store, sport, days=7, now=NOW).daily == (0,) * 6 + (1,)
        assert topic_trend(store, everything, days=1, now=NOW).daily == (3,)
    with Store(tmp_path / "empty.db") as empty:
        trend = topic_trend(empty, None, now=NOW)
    assert trend.daily == (0,) * 30 and trend.spikes == () and trend.mean == 0


def test_topics_json_has_daily_counts_and_spike_dates(tmp_path: Path, capsys) -> None:
    import time

    now = int(time.time())
    config = tmp_path / "config.toml"
    config.write_text(
        '[[feeds]]\nurl = "https://news.example/rss"\n\n[[topics]]\nname = "Aid"\nquery = "aid"\n'
    )
    with Store(tmp_path / "news.db") as store:
        store.sync_feeds([FeedConfig(url="https://news.example/rss")])
        start_of_today = now // DAY * DAY
        entries = [Entry(f"d{d}", "Aid", start_of_today - d * DAY + 60) for d in range(1, 20)]
        entries += [Entry(f"t{i}", "Aid", start_of_today + i) for i in range(8)]
        store.ingest(store.feeds()[0].id, entries, now=now)
    assert (
        run(["topics", "--json", "--config", str(config), "--db", str(tmp_path / "news.db")]) == 0
    )
    [topic] = json.loads(capsys.readouterr().out)
    assert topic["daily"] == [0] * 10 + [1] * 19 + [8]
    today = datetime.fromtimestamp(now, UTC).date().isoformat()
    assert topic["spikes"] == [today]
    assert {"name", "query", "total", "unread", "new_24h"} <= set(topic)
