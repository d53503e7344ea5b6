"""kill -9 a poller in the middle of a large ingest, then check the file and re-poll.

One run: a fresh database, `newsdeck poll --once` over a fixed feed farm, SIGKILL after a
chosen delay, then (1) SQLite's integrity_check and the FTS5 integrity-check on the file
as the crash left it, opened without newsdeck's code; (2) whole feeds only: every feed is
written in one transaction, so the articles that survived are a multiple of the items per
feed; (3) a second `poll --once` must exit 0 and leave every article stored exactly once,
the search index and the topic counters in step.

Kill points are spread over the whole ingest (stratified: after one kill during
start-up, run i of n dies somewhere in the i-th slice of a reference run's time from
its first commit to its end, counted from the run's own first commit), so start-up,
the first commits and the last ones are all hit. Used by tests/faults/test_crash.py and by
tests/benchmarks/soak.py.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from processes import Health, health, newsdeck, start_newsdeck


@dataclass(frozen=True)
class CrashRun:
    delay: float  # seconds after start when SIGKILL was sent
    killed: bool  # False when the poll had already finished
    survived: int  # articles in the file right after the kill
    raw_problems: tuple[str, ...]  # integrity findings on the file as the kill left it
    after: Health | None  # the file after the re-poll (None when the re-poll failed)
    repoll_error: str = ""  # what a failed re-poll printed


def timed_full_ingest(config: Path, db: Path) -> tuple[float, float]:
    """One uninterrupted `poll --once`: (seconds to its first commit of articles, seconds
    to its end), the span the kill points are drawn from."""
    log = db.with_name(db.name + ".log")
    with log.open("w") as err:
        proc = start_newsdeck("poll", "--once", db=db, config=config, stderr=err)
        started = time.monotonic()
        first = None
        while proc.poll() is None and time.monotonic() - started < 600:
            if first is None and surviving_articles(db):
                first = time.monotonic() - started
            time.sleep(0.02)
        proc.wait(timeout=60)
    full = time.monotonic() - started
    if proc.returncode != 0:
        raise AssertionError(f"reference poll failed: {log.read_text().strip()}")
    return (first if first is not None else full / 2), full


def raw_problems(db: Path) -> tuple[str, ...]:
    """integrity_check and FTS5 integrity-check on a file nobody has reopened or repaired
    (SQLite itself rolls back a hot journal / ignores uncommitted WAL frames on open)."""
    if not db.exists():
        return ()
    conn = sqlite3.connect(db, isolation_level=None, timeout=30)
    try:
        found = [r[0] for r in conn.execute("PRAGMA integrity_check") if r[0] != "ok"]
        has_fts = conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'articles_fts'").fetchone()
        if has_fts:
            try:
                conn.execute(
                    "INSERT INTO articles_fts(articles_fts, rank) VALUES ('integrity-check', 1)"
                )
            except sqlite3.DatabaseError as exc:
                found.append(f"fts: {exc}")
        return tuple(found)
    finally:
        conn.close()


def surviving_articles(db: Path) -> int:
    if not db.exists():
        return 0
    conn = sqlite3.connect(db, timeout=30)
    try:
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'articles'").fetchone():
            return 0  # killed before the schema was committed
        return conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    finally:
        conn.close()


def crash_once(config: Path, db: Path, delay: float, after_first: bool = False) -> CrashRun:
    """Kill a poll `delay` seconds after its start or, with `after_first`, that long
    after its first commit of articles (so a slow start-up on a busy machine does not
    move the kill before the ingest)."""
    proc = start_newsdeck("poll", "--once", db=db, config=config, stderr=subprocess.DEVNULL)
    started = time.monotonic()
    if after_first:
        while proc.poll() is None and not surviving_articles(db):
            if time.monotonic() - started > 600:
                break
            time.sleep(0.01)
        started = time.monotonic()
    try:
        proc.wait(timeout=max(0.0, delay - (time.monotonic() - started)))
        killed = False
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        killed = True
    found = raw_problems(db)
    survived = surviving_articles(db)
    again = newsdeck("poll", "--once", db=db, config=config, timeout=600)
    if again.returncode != 0:
        error = again.stderr.strip()[-2000:] or f"exit code {again.returncode}"
        return CrashRun(delay, killed, survived, found, None, error)
    return CrashRun(delay, killed, survived, found, health(db))


def crash_runs(config: Path, workdir: Path, iterations: int, seed: int = 8) -> list[CrashRun]:
    """`iterations` kill-and-recover runs polling `config`, each on a fresh database file.

    The first kill lands during start-up (imports, schema creation, the first fetches);
    the others are spread evenly over the ingest itself, the last one a little past it
    (a kill as the process exits)."""
    first, full = timed_full_ingest(config, workdir / "reference.db")
    rng = random.Random(seed)
    delays = [rng.uniform(0.05, first)]
    ingest = (full - first) * 1.05
    slices = max(1, iterations - 1)
    # After the start-up kill, delays count from each run's own first commit.
    delays += [(i + rng.random()) / slices * ingest for i in range(iterations - 1)]
    return [
        crash_once(config, workdir / f"crash-{i:02d}.db", delay, after_first=i > 0)
        for i, delay in enumerate(delays[:iterations])
    ]


def problems_of(run: CrashRun, expected: int, items: int) -> list[str]:
    """Everything wrong with one run, in words (empty when the run proves the point)."""
    problems = [f"after the kill: {p}" for p in run.raw_problems]
    if run.survived % items:
        problems.append(f"{run.survived} articles survived: not whole feeds of {items}")
    after = run.after
    if after is None:
        return [*problems, f"the re-poll failed: {run.repoll_error}"]
    problems += [f"after the re-poll: {p}" for p in after.problems]
    if after.articles != expected:
        problems.append(f"{after.articles} articles after the re-poll, expected {expected}")
    if after.duplicates:
        problems.append(f"{after.duplicates} (feed, guid) pairs stored twice")
    if after.fts_rows != after.articles:
        problems.append(f"search index has {after.fts_rows} rows for {after.articles} articles")
    if after.counter_drift:
        problems.append(f"{after.counter_drift} topics with wrong total/unread counters")
    return problems
