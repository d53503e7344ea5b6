"""Adaptive polling: a feed that posts rarely is polled less often.

The rule is a pure function (storage.adaptive.adaptive_interval), tested without I/O;
then the poller end to end against feeds on 127.0.0.1 whose entries are hours apart.
"""

from __future__ import annotations

import email.utils
import time
from pathlib import Path

import pytest
from feedserver import FeedServer, Reply, conditional
from hypothesis import given
from hypothesis import strategies as st

from storage.adaptive import MAX_ADAPTIVE_INTERVAL, adaptive_interval
from storage.config import Config, FeedConfig, PollSettings
from storage.poller import poll_once, seconds_until_next_due
from storage.store import Store
from tui.cli import run

NOW = 1_800_000_000
MIN, HOUR, DAY = 60, 3600, 86400


def every(gap: int, n: int = 12, newest: int = NOW - 600) -> list[int]:
    return [newest - i * gap for i in range(n)]


# --- the rule ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("published", "configured", "expected"),
    [
        (every(6 * HOUR), 15 * MIN, 6 * HOUR),  # four posts a day: polled four times a day
        (every(5 * MIN), 15 * MIN, 15 * MIN),  # busier than the interval: the interval
        (every(7 * DAY), 15 * MIN, DAY),  # weekly: still looked at once a day
        (every(5 * MIN), 2 * DAY, 2 * DAY),  # a configured interval is never shortened
        (every(7 * DAY), 2 * DAY, 2 * DAY),  # ... and never lengthened past 24 h by this
        (every(6 * HOUR, n=3), 15 * MIN, 15 * MIN),  # too few entries to tell
        ([], 15 * MIN, 15 * MIN),  # a feed that never posted
        ([NOW - HOUR] * 12, 15 * MIN, 15 * MIN),  # a batch posted at once is a busy feed
    ],
    ids=["6h", "busy", "weekly", "configured", "configured-quiet", "few", "none", "batch"],
)
def test_interval_follows_the_median_gap(published, configured, expected) -> None:
    assert adaptive_interval(published, configured, now=NOW) == expected


def test_median_is_not_swung_by_one_long_silence() -> None:
    # Hourly posts, then a two-week holiday in the middle: still hourly.
    published = every(HOUR, n=8) + every(HOUR, n=8, newest=NOW - 15 * DAY)
    assert adaptive_interval(published, 15 * MIN, now=NOW) == HOUR


def test_only_recent_entries_count() -> None:
    # Years of daily posts, but the newest twenty are hourly: the feed got busy.
    published = every(HOUR, n=20) + every(DAY, n=200, newest=NOW - 30 * DAY)
    assert adaptive_interval(published, 15 * MIN, now=NOW) == HOUR


def test_order_does_not_matter_and_minutes_are_whole() -> None:
    published = list(reversed(every(3 * HOUR + 17)))
    assert adaptive_interval(published, 15 * MIN, now=NOW) == 3 * HOUR


def test_entries_dated_in_the_future_are_ignored() -> None:
    published = [*every(2 * HOUR), NOW + 30 * DAY, NOW + 400 * DAY]
    assert adaptive_interval(published, 15 * MIN, now=NOW) == 2 * HOUR


def test_interval_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1 second"):
        adaptive_interval(every(HOUR), 0, now=NOW)


@given(
    published=st.lists(st.integers(min_value=0, max_value=2 * NOW), max_size=40),
    configured=st.integers(min_value=1, max_value=7 * DAY),
)
def test_bounded_by_configured_and_a_day(published: list[int], configured: int) -> None:
    interval = adaptive_interval(published, configured, now=NOW)
    assert configured <= interval <= max(configured, MAX_ADAPTIVE_INTERVAL)


# --- the poller uses it for successful polls --------------------------------------------------


def rss(gap: int, n: int = 10, prefix: str = "") -> bytes:
    now = int(time.time())
    items = "".join(
        f"<item><guid>{prefix}{i}</guid><title>Item {i}</title>"
        f"<link>http://example.test/{prefix}{i}</link>"
        f"<pubDate>{email.utils.formatdate(now - 300 - i * gap, usegmt=True)}</pubDate></item>"
        for i in range(n)
    )
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Loopback</title>'
        f"<link>http://example.test/</link>{items}</channel></rss>"
    ).encode()


def feed_rows(db_path: Path) -> dict[str, object]:
    with Store(db_path) as store:
        return {f.url: f for f in store.feeds()}


def test_poller_polls_a_quiet_feed_less_often(feed_server: FeedServer, tmp_path: Path) -> None:
    quiet = feed_server.route("/quiet.xml", conditional(rss(6 * HOUR), etag='"q"'))
    busy = feed_server.route("/busy.xml", conditional(rss(2 * MIN, prefix="b"), etag='"b"'))
    weekly = feed_server.route("/weekly.xml", conditional(rss(7 * DAY, prefix="w")))
    db_path = tmp_path / "n.db"
    config = Config(
        poll=PollSettings(interval=15 * MIN),
        feeds=(FeedConfig(url=quiet), FeedConfig(url=busy), FeedConfig(url=weekly)),
        exists=True,
    )

    before = int(time.time())
    poll_once(db_path, config, force=True)
    rows = feed_rows(db_path)

    expected = {quiet: 6 * HOUR, busy: 15 * MIN, weekly: DAY}
    for url, interval in expected.items():
        feed = rows[url]
        assert feed.effective_interval_s == interval, url
        assert before + interval <= feed.next_poll_at <= int(time.time()) + interval
    # The daemon sleeps until the busy feed is due, not the quiet one.
    assert 14 * MIN <= seconds_until_next_due(db_path, config) <= 15 * MIN

    # A 304 keeps the quiet feed's pace (its history is in the database).
    poll_once(db_path, config, force=True)
    quiet_row = feed_rows(db_path)[quiet]
    assert quiet_row.last_status == 304
    assert quiet_row.effective_interval_s == 6 * HOUR
    assert quiet_row.next_poll_at >= int(time.time()) + 6 * HOUR - 5


def test_a_failing_feed_backs_off_from_its_configured_interval(
    feed_server: FeedServer, tmp_path: Path
) -> None:
    answers = [Reply(200, {"Content-Type": "application/rss+xml"}, rss(6 * HOUR)), Reply(500)]
    url = feed_server.route("/quiet.xml", lambda _req: answers.pop(0))
    db_path = tmp_path / "n.db"
    config = Config(poll=PollSettings(interval=15 * MIN), feeds=(FeedConfig(url=url),))
    poll_once(db_path, config, force=True)
    poll_once(db_path, config, force=True)
    feed = feed_rows(db_path)[url]
    assert feed.error_count == 1
    assert feed.effective_interval_s == 6 * HOUR  # remembered for when it recovers
    # Retried after the usual backoff (2 x 15 min, jittered), not 6 hours later.
    assert feed.next_poll_at <= int(time.time()) + 30 * MIN


def test_feeds_table_shows_the_effective_interval(
    feed_server: FeedServer, tmp_path: Path, capsys
) -> None:
    url = feed_server.route("/quiet.xml", conditional(rss(6 * HOUR)))
    config = tmp_path / "config.toml"
    config.write_text(f'[poll]\ninterval = "15m"\n\n[[feeds]]\nurl = "{url}"\n')
    args = ["--config", str(config), "--db", str(tmp_path / "n.db")]
    assert run([*args, "poll", "--once"]) == 0
    capsys.readouterr()
    assert run([*args, "feeds"]) == 0
    out = capsys.readouterr().out
    assert "Every" in out and " 6h " in out
