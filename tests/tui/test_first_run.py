"""The first real run (no config file, maybe no network), big views, and a lost browser."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from feedserver import refused_url

from storage import listing
from storage.config import Config, FeedConfig, PollSettings, default_config
from storage.listing import View
from storage.store import Store
from tui.screens.feeds import FeedsScreen
from tui.screens.main import MainScreen

ROOT = Path(__file__).resolve().parents[2]
NEWSDECK = (sys.executable, "-c", "from tui.cli import main; main()")


def notices(app) -> str:
    return " | ".join(str(n.message) for n in app._notifications)


async def test_no_config_file_gets_a_welcome_line_once_per_database(
    kit, db_path: Path, tmp_path: Path
) -> None:
    path = tmp_path / "nowhere" / "config.toml"
    config = default_config(path)  # what load_config gives when there is no file
    app = kit.make_app(db_path, config)
    async with app.run_test(size=(80, 24)) as pilot:
        await kit.settle(pilot, app)
        said = notices(app)
        assert str(path) in said and "newsdeck config init" in said
    assert not path.exists()  # saying where it would live writes nothing there
    again = kit.make_app(db_path, config)
    async with again.run_test(size=(80, 24)) as pilot:
        await kit.settle(pilot, again)
        assert "newsdeck config init" not in notices(again)
    demo = kit.make_app(kit.build_db(tmp_path / "demo.db"), config, demo=True)
    async with demo.run_test(size=(80, 24)) as pilot:
        await kit.settle(pilot, demo)
        assert "newsdeck config init" not in notices(demo)


async def test_with_no_network_each_feed_says_why_and_the_app_stays_usable(
    kit, tmp_path: Path
) -> None:
    config = Config(
        poll=PollSettings(interval=3600, timeout=2),
        feeds=(FeedConfig(refused_url(), "Local wire"), FeedConfig(refused_url(), "Other")),
        topics=kit.TOPICS,
    )
    db = tmp_path / "offline.db"
    with Store(db) as store:
        store.sync_feeds(config.feeds)
        store.sync_topics(config.topics)
    app = kit.make_app(db, config)
    async with app.run_test(size=(120, 30)) as pilot:
        await kit.settle(pilot, app)
        await pilot.press("r")
        deadline = time.monotonic() + 15
        while app.polling:
            assert time.monotonic() < deadline
            await pilot.pause(0.1)
        await kit.settle(pilot, app)
        assert "2 feeds failed (see Feeds health: F)" in notices(app)
        assert "2 feeds failing" in kit.screen_text(app)
        await pilot.press("F")
        await kit.settle(pilot, app)
        assert isinstance(app.screen, FeedsScreen)
        text = kit.screen_text(app)
        assert text.count("connection refused") >= 2  # the column and the note
        assert "Traceback" not in text
        await pilot.press("escape", "slash", *"kyiv", "enter", "t", "escape")
        await kit.settle(pilot, app)
        assert isinstance(app.screen, MainScreen) and app.screen.filter == "kyiv"


def test_mark_view_read_is_one_update_without_the_ids(
    kit, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = kit.build_db(tmp_path / "n.db")

    def no_ids(*args: object, **kwargs: object) -> list[int]:
        raise AssertionError("the view's ids were loaded into Python")

    monkeypatch.setattr(listing, "view_ids", no_ids)
    monkeypatch.setattr(listing, "page_ids", no_ids)
    with Store(db) as store:
        topics = store.topics(kit.NOW)
        eu = next(t for t in topics if t.name == "EU migration")
        unread = store.count(View(eu.id, "(asylum OR border*) is:unread"), now=kit.NOW)
        assert 0 < unread < eu.unread
        statements: list[str] = []
        store.conn.set_trace_callback(statements.append)
        assert store.mark_view_read(View(eu.id, "asylum OR border*"), now=kit.NOW) == unread
        store.conn.set_trace_callback(None)
        # The trace repeats a statement as each trigger it fires starts: count distinct.
        ran = {s for s in statements if not s.startswith(("--", "PRAGMA", "SELECT k, v"))}
        assert ran - {"BEGIN IMMEDIATE", "COMMIT", "SELECT changes()"} == {
            next(s for s in ran if s.startswith("WITH v(id, p, i)") and "UPDATE articles" in s)
        }
        assert store.topics(kit.NOW)[1].unread == eu.unread - unread
        assert store.mark_view_read(View(eu.id, "asylum OR border*"), now=kit.NOW) == 0
        assert store.mark_view_read(View(query="is:unread"), read=True, now=kit.NOW) > 0
        assert store.count(View(query="is:unread"), now=kit.NOW) == 0


def test_a_dashboard_in_a_browser_ends_when_its_server_goes(kit, db_path: Path) -> None:
    """textual-serve SIGKILLed: the dashboard's stdin closes. It must exit, not spin."""
    config = db_path.parent / "config.toml"
    config.write_text('[poll]\ninterval = "1h"\n')
    env = dict(
        os.environ,
        TEXTUAL_DRIVER="textual.drivers.web_driver:WebDriver",
        COLUMNS="80",
        ROWS="24",
    )
    proc = subprocess.Popen(
        [*NEWSDECK, "--db", str(db_path), "--config", str(config)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
        env=env,
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        seen = b""
        deadline = time.monotonic() + 20
        while b"unread" not in seen:  # the dashboard has drawn itself
            assert time.monotonic() < deadline, seen[-200:]
            if select.select([proc.stdout], [], [], 0.5)[0]:
                chunk = os.read(proc.stdout.fileno(), 65536)
                assert chunk, "the dashboard ended early"
                seen += chunk
        proc.stdin.close()  # the server is gone
        deadline = time.monotonic() + 10
        while proc.poll() is None:
            assert time.monotonic() < deadline, "still running after its input closed"
            if select.select([proc.stdout], [], [], 0.2)[0]:
                os.read(proc.stdout.fileno(), 65536)
        assert proc.returncode == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
