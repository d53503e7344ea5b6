"""Real newsdeck processes for the fault tests: commands, the daemon, a lock holder, checks.

Every process here is a child of the test, started with `sys.executable -m tui.cli` (the
same code the `newsdeck` script runs) from the project folder, with bounded waits. The
checks open the database file the way a user's next command would and say what they
found, so a failed assertion names the damage.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parents[2]
NEWSDECK = (sys.executable, "-m", "tui.cli")

# A process that takes the write lock (BEGIN IMMEDIATE) and keeps it for argv[2] seconds,
# or until its stdin closes. It prints "locked" once it holds the lock.
LOCK_HOLDER = """
import select, sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
conn.execute("BEGIN IMMEDIATE")
conn.execute("UPDATE feeds SET warning = warning WHERE id = (SELECT min(id) FROM feeds)")
print("locked", flush=True)
select.select([sys.stdin], [], [], float(sys.argv[2]))
conn.execute("COMMIT")
"""


def env() -> dict[str, str]:
    """The environment for a child: no colour codes to parse, no user files touched."""
    out = dict(os.environ, NO_COLOR="1", PYTHONUNBUFFERED="1", COLUMNS="120")
    for name in ("NEWSDECK_CONFIG", "NEWSDECK_DB"):
        out.pop(name, None)
    return out


def newsdeck(
    *args: str, db: Path | None = None, config: Path | None = None, timeout: float = 120.0
) -> subprocess.CompletedProcess[str]:
    """Run one `newsdeck` command to the end and return what it printed."""
    argv = [*NEWSDECK]
    if db is not None:
        argv += ["--db", str(db)]
    if config is not None:
        argv += ["--config", str(config)]
    return subprocess.run(
        [*argv, *args],
        cwd=ROOT,
        env=env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def start_newsdeck(
    *args: str, db: Path, config: Path, stderr: IO[str] | int = subprocess.PIPE
) -> subprocess.Popen[str]:
    """Start a `newsdeck` command (the daemon, a poll to be killed) without waiting."""
    return subprocess.Popen(
        [*NEWSDECK, "--db", str(db), "--config", str(config), *args],
        cwd=ROOT,
        env=env(),
        stdout=subprocess.DEVNULL,
        stderr=stderr,
        text=True,
    )


def stop(proc: subprocess.Popen[Any], timeout: float = 15.0) -> int:
    """SIGTERM (the daemon's clean stop), then SIGKILL if it does not end in time."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
    return proc.returncode


def rss_kib(pid: int) -> int:
    """Resident memory of a live process in KiB (VmRSS in /proc/PID/status)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


class WriteLock:
    """Another process holding a write transaction for `seconds`; a context manager.

    Entering returns once the lock is held; leaving waits for the holder to commit, or
    with `early=True` makes it commit at once."""

    def __init__(self, db: Path, seconds: float, *, early: bool = False) -> None:
        self.db = db
        self.seconds = seconds
        self.early = early
        self.proc: subprocess.Popen[str] | None = None

    def __enter__(self) -> WriteLock:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", LOCK_HOLDER, str(self.db), str(self.seconds)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if line.strip() != "locked":
            self.proc.kill()
            raise RuntimeError(f"the lock holder did not get the lock: {line!r}")
        return self

    def released(self) -> bool:
        return self.proc is not None and self.proc.poll() is not None

    def __exit__(self, *exc: object) -> None:
        if self.proc is None:
            return
        if self.early:
            self.proc.stdin.close()  # type: ignore[union-attr]  # commit now
        try:
            self.proc.wait(timeout=self.seconds + 30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None and not pipe.closed:
                pipe.close()


@dataclass(frozen=True)
class Health:
    """What a database file holds, and what is wrong with it."""

    articles: int
    duplicates: int  # (feed, guid) pairs stored more than once
    fts_rows: int  # rows the search index has for articles (must equal `articles`)
    problems: tuple[str, ...]  # integrity_check and FTS5 integrity-check findings
    counter_drift: int  # topics whose kept total/unread counters disagree with their rows

    @property
    def sound(self) -> bool:
        return (
            not self.problems
            and self.duplicates == 0
            and self.fts_rows == self.articles
            and self.counter_drift == 0
        )


def health(db: Path) -> Health:
    """Open the file as the next newsdeck command would and check everything."""
    from storage.db import integrity_problems
    from storage.store import Store

    with Store(db) as store:
        conn = store.conn
        problems = tuple(integrity_problems(conn))
        articles = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        duplicates = conn.execute(
            "SELECT count(*) FROM (SELECT 1 FROM articles GROUP BY feed_id, guid"
            " HAVING count(*) > 1)"
        ).fetchone()[0]
        fts_rows = conn.execute("SELECT count(*) FROM articles_fts_docsize").fetchone()[0]
        drift = conn.execute(
            """SELECT count(*) FROM topics t WHERE
                 t.total != (SELECT count(*) FROM article_topics m WHERE m.topic_id = t.id)
              OR t.unread != (SELECT count(*) FROM article_topics m
                              WHERE m.topic_id = t.id AND m.read = 0)"""
        ).fetchone()[0]
    return Health(articles, duplicates, fts_rows, problems, drift)


def count_articles(db: Path) -> int:
    """Articles in the file, read without newsdeck's code (no migration, no writes).

    A read-write connection on purpose: as the last one to close, it removes the -wal
    and -shm files as newsdeck does (a read-only one leaves them behind)."""
    conn = sqlite3.connect(db, timeout=30)
    try:
        return conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):  # newsdeck has created the file, not yet its tables
            return 0
        raise
    finally:
        conn.close()


def parse_json(text: str) -> Any:
    """JSON a command printed, or an AssertionError that shows the text."""
    try:
        return json.loads(text)
    except ValueError as exc:
        raise AssertionError(f"not JSON ({exc}): {text[:300]!r}") from None


def error_lines(text: str) -> list[str]:
    """Lines of a log that tell of trouble: tracebacks, errors, exceptions."""
    words = ("traceback", "error", "exception", "locked")
    return [line for line in text.splitlines() if any(w in line.lower() for w in words)]
