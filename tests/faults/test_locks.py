"""Another process holds the write lock: the poller waits and carries on, the dashboard
stays usable and says the database is busy, nothing crashes.

CI shrinks time: storage.db.BUSY_TIMEOUT_S is 1 s and the lock is held 3.5 s, longer
than one wait, so the poller's writer waits again (storage/poller.py: up to 3 waits per
feed) and, when those run out, the daemon loop retries the round instead of dying; the
poller loop and the dashboard run in this process. The `slow` test uses the real 10 s
timeout with a real `newsdeck poll` daemon: a hold of exactly 10 s, then one of 25 s.
Reading commands need no write lock at all: `search` and `topics` answer under a hold
far longer than the busy timeout.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from browsing import make_app, notifications, trouble
from feed_farm import FeedFarm
from lock_runs import daemon_through_locks
from processes import (
    WriteLock,
    count_articles,
    newsdeck,
    parse_json,
)

from storage import db as storage_db
from storage.config import load_config
from storage.poller import poll_once, run_forever

HOLD_S = 3.5


@pytest.fixture
def moving_farm() -> Iterator[FeedFarm]:
    with FeedFarm(feeds=10, items=10, period=1.0) as farm:
        yield farm


async def wait_until(pilot, condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await pilot.pause(0.1)


async def test_a_long_write_lock_is_waited_out_and_the_dashboard_says_busy(
    moving_farm: FeedFarm,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(storage_db, "BUSY_TIMEOUT_S", 1.0)
    caplog.set_level(logging.INFO, logger="newsdeck.poller")
    config = load_config(moving_farm.write_config(tmp_path / "config.toml", interval="1s"))
    db = tmp_path / "news.db"
    await asyncio.to_thread(poll_once, db, config, force=True)
    stop_polling = threading.Event()
    crashed: list[BaseException] = []
    rounds: list[int] = []

    def daemon() -> None:
        try:
            run_forever(
                db,
                config,
                on_round=lambda s: rounds.append(s.new_articles),
                stop=stop_polling,
                max_sleep=0.5,
            )
        except BaseException as exc:  # the test fails on it below
            crashed.append(exc)

    poller = threading.Thread(target=daemon, name="test-poller")
    poller.start()
    app = make_app(config, db, watch_interval=0.5)
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            screen = app.screen
            await wait_until(pilot, lambda: (screen.articles.total or 0) > 0, 10, "articles")
            with WriteLock(db, HOLD_S) as lock:
                before = count_articles(db)
                # Nothing can be written now; let a refresh of what came just before land.
                await pilot.pause(0.6)
                start = screen.articles.cursor
                # Moving, switching topics and filtering only read: they answer at once.
                await pilot.press("j", "j", "j")
                assert screen.articles.cursor == start + 3
                await pilot.press("2")
                await wait_until(pilot, lambda: screen.tab == 2, 2, "the topic switch")
                await pilot.press("0", "slash", "a", "i", "d", "enter")
                await wait_until(pilot, lambda: screen.filter == "aid", 2, "the filter")
                await pilot.press("escape")
                await wait_until(pilot, lambda: screen.filter == "", 2, "the filter to clear")
                # Reading marks the article read: a write, which waits, then says why.
                await pilot.press("enter")
                await wait_until(
                    pilot,
                    lambda: any("busy" in text for _, text in notifications(app)),
                    HOLD_S + 2,
                    "a 'database is busy' message",
                )
                assert screen.reading and screen.reader.article is not None
                assert count_articles(db) == before  # nobody wrote under the lock...
                assert not lock.released()  # ...and all of the above happened under it
                await pilot.press("escape", "j")
            # Once the lock is gone, the poller carries on storing new articles...
            await wait_until(pilot, lambda: count_articles(db) > before, 15, "new articles")
            # ...and the dashboard's writes work again.
            await pilot.press("enter")
            await wait_until(pilot, lambda: screen.reader.article is not None, 5, "the reader")
            problems = trouble(app, allow=("database is busy",))
            assert not problems, problems
    finally:
        stop_polling.set()
        poller.join(timeout=30)
    assert not poller.is_alive()
    assert not crashed, crashed
    assert rounds and sum(rounds) > 0
    # The poller did meet the lock (and waited again, or retried the round).
    assert any("database busy" in record.getMessage() for record in caplog.records)


def test_reading_commands_need_no_write_lock(moving_farm: FeedFarm, tmp_path: Path) -> None:
    """`search` and `topics` only read: another program's write lock (held far longer
    than the 10 s busy timeout here) must not make them wait, let alone fail."""
    config = moving_farm.write_config(tmp_path / "config.toml")
    db = tmp_path / "news.db"
    assert newsdeck("poll", "--once", db=db, config=config).returncode == 0
    with WriteLock(db, 120, early=True):
        for args in (("search", "--json", "aid"), ("topics", "--json")):
            result = newsdeck(*args, db=db, config=config, timeout=60)
            assert result.returncode == 0, result.stderr
            assert parse_json(result.stdout)


@pytest.mark.slow
def test_the_daemon_waits_out_real_ten_and_twenty_five_second_locks(
    moving_farm: FeedFarm, tmp_path: Path
) -> None:
    run = daemon_through_locks(moving_farm, tmp_path, holds=(10.0, 25.0))
    assert run.exit_code == 0 and run.other_errors == []
    assert all(n > 0 for n in run.stored_after), run.stored_after
