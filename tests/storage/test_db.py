"""Opening, creating and migrating the database, and the domain errors for bad places."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from storage import db
from storage.listing import View
from storage.schema import MIGRATIONS, SCHEMA_VERSION
from storage.store import Store


def test_new_database_is_created_with_wal_and_schema(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "folder" / "news.db"
    conn = db.connect(path)
    assert path.exists()
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    tables = set(db.as_database(conn).table_names())
    assert {"feeds", "articles", "articles_fts", "topics", "article_topics", "polls"} <= tables
    assert db.integrity_problems(conn) == []


def build_at(path: Path, version: int) -> sqlite3.Connection:
    """A database at schema `version`, made with the old migration steps."""
    conn = sqlite3.connect(path, isolation_level=None)
    for step in range(version):
        conn.execute("BEGIN")
        MIGRATIONS[step](conn)
        conn.execute(f"PRAGMA user_version = {step + 1}")
        conn.execute(f"PRAGMA application_id = {db.APPLICATION_ID}")
        conn.execute("COMMIT")
    return conn


@pytest.mark.parametrize("start", range(SCHEMA_VERSION))
def test_migrates_from_every_earlier_version(tmp_path: Path, start: int) -> None:
    """Build a database at version `start` with the old steps, then open it normally."""
    path = tmp_path / "old.db"
    build_at(path, start).close()
    with Store(path) as store:
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert db.integrity_problems(store.conn) == []


def test_articles_stay_searchable_across_the_index_rebuild(tmp_path: Path) -> None:
    """Version 3 rebuilds the full-text index with other prefixes: what a version 2
    database held is found afterwards by words and by prefixes of any length."""
    path = tmp_path / "v2.db"
    conn = build_at(path, 2)
    conn.execute("INSERT INTO feeds (id, url, added_at) VALUES (1, 'https://a.example/rss', 1)")
    conn.execute(
        "INSERT INTO articles (feed_id, guid, title, text, published, content_hash, first_seen)"
        " VALUES (1, 'g1', 'Patriot batteries for Kyiv', 'Weapons deliveries resumed.',"
        " 1, 'h', 1)"
    )
    conn.close()
    with Store(path) as store:
        found = {
            q: store.count(View(query=q))
            for q in ("patriot", "weapon", "we*", "wea*", "weap*", "kyiv", "museum")
        }
        assert db.integrity_problems(store.conn) == []
    assert found == {
        "patriot": 1,
        "weapon": 1,
        "we*": 1,
        "wea*": 1,
        "weap*": 1,
        "kyiv": 1,
        "museum": 0,
    }


def test_reopening_does_not_migrate_again(tmp_path: Path) -> None:
    path = tmp_path / "news.db"
    Store(path).close()
    with Store(path) as store:
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_database_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "news.db"
    Store(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.close()
    with pytest.raises(db.DatabaseUnavailable, match="newer newsdeck"):
        Store(path)


def test_someone_elses_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (x)")
    conn.commit()
    conn.close()
    with pytest.raises(db.DatabaseUnavailable, match="not a newsdeck database"):
        Store(path)
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT name FROM sqlite_master").fetchall() == [("notes",)]


def test_corrupt_file_gives_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "news.db"
    path.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(db.DatabaseUnavailable, match="corrupt"):
        Store(path)
    assert path.read_bytes().startswith(b"this is not sqlite")


def test_folder_instead_of_file(tmp_path: Path) -> None:
    with pytest.raises(db.DatabaseUnavailable, match="is a folder"):
        Store(tmp_path)


def test_uncreatable_folder(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(db.DatabaseUnavailable, match="cannot create folder"):
        Store(blocker / "sub" / "news.db")


def test_bad_database_path_on_the_command_line(tmp_path: Path, capsys) -> None:
    from tui.cli import run

    blocker = tmp_path / "file"
    blocker.write_text("x")
    code = run(["--db", str(blocker / "news.db"), "--config", str(tmp_path / "c.toml")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "Traceback" not in err


def test_storage_never_imports_textual_or_rich() -> None:
    """The data side stays usable without the UI libraries (checked in a fresh process)."""
    code = (
        "import importlib, pkgutil, sys\n"
        "import storage\n"
        "for m in pkgutil.walk_packages(storage.__path__, 'storage.'):\n"
        "    importlib.import_module(m.name)\n"
        "bad = sorted(n for n in ('textual', 'rich') if n in sys.modules)\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert out.stdout.strip() == "", f"storage imported: {out.stdout.strip()}"
