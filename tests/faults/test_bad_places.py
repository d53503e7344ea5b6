"""Bad places for the database and the config: one clear line, exit 2, nothing lost.

The tests run as root here, where chmod stops nothing, so "read-only" and "full" are
real file systems: a small tmpfs mounted read-only, and one of 1 MiB that fills up
(`mount -t tmpfs`; a test is skipped where mounting is not allowed). Every command is a
real `newsdeck` process; the dashboard's part runs under Pilot. "Nothing lost" is
checked by counting articles before and after with plain sqlite3.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from browsing import make_app, notifications, trouble
from feed_farm import FeedFarm
from processes import count_articles, error_lines, health, newsdeck, start_newsdeck, stop

from storage.config import load_config


def one_line_error(result: subprocess.CompletedProcess[str], *words: str) -> str:
    """The command failed as promised: exit 2, one line on stderr naming the problem."""
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, (result.returncode, result.stderr[-2000:])
    assert len(lines) == 1 and lines[0].startswith("newsdeck: "), result.stderr[-2000:]
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


@contextmanager
def tmpfs(where: Path, size: str) -> Iterator[Path]:
    """A fresh tmpfs of `size` at `where`, unmounted afterwards; skips if not allowed."""
    where.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(where)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def remount(where: Path, options: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{options}", str(where)], check=True)


@pytest.fixture(scope="module")
def small_farm() -> Iterator[FeedFarm]:
    with FeedFarm(feeds=4, items=10) as farm:
        yield farm


def test_a_missing_folder_is_created(small_farm: FeedFarm, tmp_path: Path) -> None:
    config = small_farm.write_config(tmp_path / "config.toml")
    db = tmp_path / "not" / "there" / "yet" / "news.db"
    result = newsdeck("poll", "--once", db=db, config=config)
    assert result.returncode == 0, result.stderr
    assert count_articles(db) == 40


def test_a_file_where_a_folder_should_be(small_farm: FeedFarm, tmp_path: Path) -> None:
    config = small_farm.write_config(tmp_path / "config.toml")
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes\n")
    for args in (("poll", "--once"), ("topics",), ()):  # () opens the dashboard
        line = one_line_error(newsdeck(*args, db=notes / "news.db", config=config), "is a file")
        assert str(notes) in line
    assert notes.read_text() == "my notes\n"


async def test_a_read_only_place(small_farm: FeedFarm, tmp_path: Path) -> None:
    config = small_farm.write_config(tmp_path / "config.toml")
    with tmpfs(tmp_path / "ro", "4m") as place:
        db = place / "news.db"
        assert newsdeck("poll", "--once", db=db, config=config).returncode == 0
        stored = count_articles(db)
        remount(place, "ro")
        for args in (("poll", "--once"), ("search", "--json", "aid"), ("topics",), ()):
            one_line_error(newsdeck(*args, db=db, config=config), "read-only")
        one_line_error(newsdeck("topics", db=place / "new.db", config=config), "read-only")
        # The dashboard started on it anyway (by a script, say) shows the line inline.
        app = make_app(load_config(config), db, watch_interval=3600)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause(0.5)
            await pilot.press("j", "r")
            deadline = time.monotonic() + 10
            while not any("read-only" in t for _, t in notifications(app)):
                assert time.monotonic() < deadline, notifications(app)
                await pilot.pause(0.1)
        assert not trouble(app, allow=("read-only",))
        remount(place, "rw")
        assert count_articles(db) == stored


async def test_a_full_disk(small_farm: FeedFarm, tmp_path: Path) -> None:
    with FeedFarm(feeds=40, items=50) as big, tmpfs(tmp_path / "full", "1m") as place:
        small = small_farm.write_config(tmp_path / "small.toml")
        large = big.write_config(tmp_path / "large.toml")
        db = place / "news.db"
        assert newsdeck("poll", "--once", db=db, config=small).returncode == 0
        stored = count_articles(db)
        one_line_error(newsdeck("poll", "--once", db=db, config=large), "disk is full")
        after = count_articles(db)
        assert after >= stored and (after - stored) % big.items == 0  # whole feeds only
        # The dashboard's own poll says so inline, and the dashboard goes on.
        app = make_app(load_config(large), db, watch_interval=3600)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.press("r")
            deadline = time.monotonic() + 60
            while not any("disk is full" in t for _, t in notifications(app)):
                assert time.monotonic() < deadline, notifications(app)
                await pilot.pause(0.2)
            await pilot.press("j", "k")
        assert not trouble(app, allow=("disk is full",))
        assert count_articles(db) >= after
        remount(place, "size=64m")  # space freed: the next poll completes the ingest
        assert newsdeck("poll", "--once", db=db, config=large).returncode == 0
        final = health(db)
        assert final.sound, final
        assert final.articles == stored + big.feeds * big.items


def break_page(db: Path, table: str) -> None:
    """Overwrite the b-tree page header of `table`'s root page, as a bad disk would."""
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()
    conn.close()
    with db.open("r+b") as f:
        f.seek((root[0] - 1) * page_size)
        f.write(b"\xff" * 12)


async def test_a_corrupt_database(
    small_farm: FeedFarm, fixed_farm: FeedFarm, tmp_path: Path
) -> None:
    small = small_farm.write_config(tmp_path / "small.toml")
    # Not a database at all (a file named by mistake): refused, and never overwritten.
    notes = tmp_path / "notes.db"
    notes.write_bytes(b"dear diary\n" * 500)
    before = hashlib.sha256(notes.read_bytes()).hexdigest()
    for args in (("poll", "--once"), ("search", "aid"), ("topics",), ()):
        one_line_error(newsdeck(*args, db=notes, config=small), "corrupt or not a newsdeck")
    assert hashlib.sha256(notes.read_bytes()).hexdigest() == before
    # A newsdeck database whose articles table is damaged.
    db = tmp_path / "news.db"
    assert newsdeck("poll", "--once", db=db, config=small).returncode == 0
    break_page(db, "articles")
    one_line_error(newsdeck("search", "--json", "aid", db=db, config=small), "corrupt")
    grown = fixed_farm.write_config(tmp_path / "more.toml")  # new articles to write
    one_line_error(newsdeck("poll", "--once", db=db, config=grown), "corrupt")
    app = make_app(load_config(small), db, watch_interval=3600)
    async with app.run_test(size=(100, 30)) as pilot:
        deadline = time.monotonic() + 10
        while not any("corrupt" in t for _, t in notifications(app)):
            assert time.monotonic() < deadline, notifications(app)
            await pilot.pause(0.1)
        await pilot.press("j", "tab", "slash", "a", "escape")
    assert not trouble(app, allow=("corrupt",))


def test_a_config_that_vanishes_while_the_daemon_runs(tmp_path: Path) -> None:
    with FeedFarm(feeds=5, items=10, period=1.0) as farm:
        folder = tmp_path / "conf"
        folder.mkdir()
        config = farm.write_config(folder / "config.toml", interval="1s")
        db = tmp_path / "news.db"
        log = tmp_path / "daemon.log"
        with log.open("w") as err:
            daemon = start_newsdeck("poll", db=db, config=config, stderr=err)
            try:
                deadline = time.monotonic() + 30
                while not (db.exists() and count_articles(db)) and time.monotonic() < deadline:
                    time.sleep(0.2)
                shutil.rmtree(folder)  # the config and its folder are gone
                before = count_articles(db)
                deadline = time.monotonic() + 30
                while count_articles(db) <= before + 5 and time.monotonic() < deadline:
                    assert daemon.poll() is None, log.read_text()
                    time.sleep(0.3)
                assert count_articles(db) > before + 5  # still polling, on what it loaded
                one_line_error(newsdeck("topics", db=db, config=config), "no such config file")
                one_line_error(newsdeck(db=db, config=config), "no such config file")
            finally:
                code = stop(daemon)
        assert code == 0
        assert error_lines(log.read_text()) == []
