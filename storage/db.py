"""Opening the database: pragmas, schema, migrations, transactions and domain errors.

One SQLite file in WAL mode, shared by the dashboard, the poller daemon and scripts.
Every write transaction starts with BEGIN IMMEDIATE so it waits on the busy timeout
instead of failing; callers never see sqlite3 exceptions, only the errors below.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from storage.schema import MIGRATIONS, SCHEMA_VERSION

if TYPE_CHECKING:  # sqlite-utils costs ~0.15-0.4 s to import; only tests and tools need it
    from sqlite_utils import Database

APPLICATION_ID = 0x6E646B31  # "ndk1": refuse to open other programs' databases
BUSY_TIMEOUT_S = 10.0


class StorageError(Exception):
    """Something went wrong with the database; str() is one line for people."""


class DatabaseBusy(StorageError):
    """Another process held the database for longer than the busy timeout."""


class DatabaseUnavailable(StorageError):
    """The database file cannot be opened or written (path, permissions, corruption, disk)."""


class NotFound(StorageError):
    """No such article, feed or topic."""


def describe(exc: sqlite3.Error, path: Path | str) -> StorageError:
    """Turn a sqlite3 error into a domain error with a message people understand."""
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return DatabaseBusy(f"{path}: database is busy (another program is writing); try again")
    if "readonly" in text or "read-only" in text:
        return DatabaseUnavailable(f"{path}: database is read-only")
    if "unable to open" in text:
        return DatabaseUnavailable(f"{path}: cannot open database file{_why_not(Path(path))}")
    if "malformed" in text or "not a database" in text or "file is not" in text:
        return DatabaseUnavailable(f"{path}: database file is corrupt or not a newsdeck database")
    if "disk is full" in text or "database or disk is full" in text:
        return DatabaseUnavailable(f"{path}: disk is full; nothing was lost, free space and retry")
    if "disk i/o" in text:
        return DatabaseUnavailable(f"{path}: disk I/O error")
    return StorageError(f"{path}: database error: {exc}")


def _why_not(path: Path) -> str:
    """The likely reason SQLite could not open `path`, for the one-line message."""
    folder = path.parent
    # WAL needs to create news.db-wal and -shm beside the file, so a read-only folder
    # (or file system: access() says so even to root) fails at open, not at a write.
    if folder.is_dir() and not os.access(folder, os.W_OK):
        return f" (its folder {folder} is read-only)"
    if path.exists() and not os.access(path, os.W_OK):
        return " (the file is read-only)"
    return ""


@contextmanager
def errors_as_storage(path: Path | str) -> Iterator[None]:
    try:
        yield
    except sqlite3.Error as exc:
        raise describe(exc, path) from exc


class Connection(sqlite3.Connection):
    """sqlite3's connection, which (unlike sqlite3.Connection itself) can be weakly
    referenced: storage/story_keys_cache.py keeps state per connection that way."""


def connect(path: Path | str, *, create: bool = True, readonly: bool = False) -> sqlite3.Connection:
    """A configured connection to an up-to-date database (created or migrated as needed)."""
    path = Path(path)
    if str(path) != ":memory:":
        if path.is_dir():
            raise DatabaseUnavailable(f"{path}: is a folder, not a database file")
        if not path.exists():
            if not create or readonly:
                raise DatabaseUnavailable(f"{path}: no such database file")
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                reason = exc.strerror or str(exc)
                # "File exists" / "Not a directory" do not say which part is the file.
                blocker = next((p for p in path.parents if p.exists() and not p.is_dir()), None)
                if blocker is not None:
                    reason = f"{blocker} is a file, not a folder"
                raise DatabaseUnavailable(
                    f"{path.parent}: cannot create folder: {reason}"
                ) from None
    uri = f"file:{path}?mode=ro" if readonly else str(path)
    with errors_as_storage(path):
        conn = sqlite3.connect(
            uri,
            uri=readonly,
            timeout=BUSY_TIMEOUT_S,
            isolation_level=None,
            check_same_thread=False,
            factory=Connection,
        )
        try:
            conn.row_factory = sqlite3.Row
            conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA recursive_triggers = ON")
            if not readonly:
                _prepare(conn, path)
            else:
                _check_identity(conn, path)
        except BaseException:
            conn.close()
            raise
    return conn


def _check_identity(conn: sqlite3.Connection, path: Path) -> int:
    app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    if app_id not in (0, APPLICATION_ID) or (app_id == 0 and tables and version == 0):
        raise DatabaseUnavailable(f"{path}: not a newsdeck database")
    if version > SCHEMA_VERSION:
        raise DatabaseUnavailable(
            f"{path}: made by a newer newsdeck (schema {version}, this one knows {SCHEMA_VERSION})"
        )
    return version


def _prepare(conn: sqlite3.Connection, path: Path) -> None:
    version = _check_identity(conn, path)
    if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    if version < SCHEMA_VERSION:
        migrate(conn, version)


def migrate(conn: sqlite3.Connection, version: int) -> None:
    """Step the schema from `version` to SCHEMA_VERSION, one transaction per step."""
    conn.execute("PRAGMA foreign_keys = OFF")
    try:
        for step in range(version, SCHEMA_VERSION):
            conn.execute("BEGIN IMMEDIATE")
            try:
                # Another process may have migrated while we waited for the lock.
                current = conn.execute("PRAGMA user_version").fetchone()[0]
                if current > step:
                    conn.execute("COMMIT")
                    continue
                MIGRATIONS[step](conn)
                problems = conn.execute("PRAGMA foreign_key_check").fetchall()
                if problems:
                    raise StorageError(f"migration to schema {step + 1} broke foreign keys")
                conn.execute(f"PRAGMA user_version = {step + 1}")
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
    finally:
        conn.execute("PRAGMA foreign_keys = ON")


@contextmanager
def write_transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any error."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    else:
        conn.execute("COMMIT")


def as_database(conn: sqlite3.Connection) -> Database:
    """sqlite-utils' view of a connection, for introspection and tests."""
    from sqlite_utils import Database

    return Database(conn)


def data_version(conn: sqlite3.Connection) -> int:
    """Changes when another connection commits: the dashboard's cheap change detector."""
    return conn.execute("PRAGMA data_version").fetchone()[0]


def integrity_problems(conn: sqlite3.Connection) -> list[str]:
    """Empty when both SQLite's and the FTS index's integrity checks pass."""
    rows = [r[0] for r in conn.execute("PRAGMA integrity_check").fetchall()]
    problems = [r for r in rows if r != "ok"]
    try:
        conn.execute("INSERT INTO articles_fts(articles_fts, rank) VALUES ('integrity-check', 1)")
    except sqlite3.DatabaseError as exc:
        problems.append(f"fts: {exc}")
    return problems


Migration = Callable[[sqlite3.Connection], None]
