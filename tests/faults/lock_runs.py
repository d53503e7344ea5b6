"""A real `newsdeck poll` daemon through write locks held by another process.

For each hold in turn: another process takes the write lock (BEGIN IMMEDIATE) and
keeps it for that many seconds while the daemon polls a moving feed farm; the daemon
must still be running when the lock goes and must store new articles afterwards.
Holds of 10 s (exactly the busy timeout) and 25 s (well past it) are the interesting
ones. Used by tests/faults/test_locks.py (`slow`) and tests/benchmarks/soak.py.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from feed_farm import FeedFarm
from processes import WriteLock, count_articles, error_lines, start_newsdeck, stop


@dataclass
class LockRun:
    holds: tuple[float, ...]
    stored_after: list[int] = field(default_factory=list)  # new articles after each hold
    busy_lines: list[str] = field(default_factory=list)  # the daemon saying it waited
    other_errors: list[str] = field(default_factory=list)  # anything else it complained of
    exit_code: int | None = None


def daemon_through_locks(farm: FeedFarm, workdir: Path, holds: tuple[float, ...]) -> LockRun:
    config = farm.write_config(workdir / "locks.toml", interval="2s")
    db = workdir / "locks.db"
    log = workdir / "locks-daemon.log"
    run = LockRun(holds)
    with log.open("w") as err:
        daemon = start_newsdeck("poll", db=db, config=config, stderr=err)
        try:
            deadline = time.monotonic() + 60
            while not (db.exists() and count_articles(db)) and time.monotonic() < deadline:
                time.sleep(0.2)
            for hold in holds:
                with WriteLock(db, hold) as lock:
                    before = count_articles(db)
                    while not lock.released():
                        assert daemon.poll() is None, log.read_text()
                        time.sleep(0.2)
                deadline = time.monotonic() + 60
                while count_articles(db) <= before and time.monotonic() < deadline:
                    time.sleep(0.2)
                run.stored_after.append(count_articles(db) - before)
        finally:
            run.exit_code = stop(daemon)
    lines = error_lines(log.read_text())
    run.busy_lines = [line for line in log.read_text().splitlines() if "busy" in line]
    run.other_errors = [line for line in lines if "busy" not in line]
    return run
