"""kill -9 during a large ingest: the file stays sound and a re-poll stores each article once.

The CI run kills 5 pollers over 1,500 articles; the `slow` run (and
tests/benchmarks/soak.py) kills 20 over 10,000 (200 feeds x 50 items).
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
from crash_runs import crash_runs, problems_of
from feed_farm import FeedFarm
from processes import start_newsdeck


def check(farm: FeedFarm, tmp_path: Path, iterations: int) -> None:
    config = farm.write_config(tmp_path / "config.toml")
    runs = crash_runs(config, tmp_path, iterations)
    expected = farm.feeds * farm.items
    problems = {
        f"kill {i} at {run.delay:.2f} s": found
        for i, run in enumerate(runs)
        if (found := problems_of(run, expected, farm.items))
    }
    assert not problems, problems
    # The kills really landed mid-ingest, not only before or after it.
    mid_ingest = sum(1 for run in runs if run.killed and 0 < run.survived < expected)
    assert mid_ingest >= (iterations - 1) // 2, [(r.delay, r.survived) for r in runs]


def test_kill_9_during_ingest_loses_and_duplicates_nothing(
    fixed_farm: FeedFarm, tmp_path: Path
) -> None:
    check(fixed_farm, tmp_path, iterations=5)


@pytest.mark.slow
def test_kill_9_twenty_times_during_a_10000_article_ingest(tmp_path: Path) -> None:
    with FeedFarm(feeds=200, items=50) as farm:
        check(farm, tmp_path, iterations=20)


def children_of(pid: int) -> list[int]:
    """Processes whose parent is `pid` (Linux /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_kill_9_of_the_poller_ends_its_parse_process_too(
    fixed_farm: FeedFarm, tmp_path: Path
) -> None:
    """A big poll parses in a child process; killing the poller must not leave it behind."""
    config = fixed_farm.write_config(tmp_path / "config.toml")
    proc = start_newsdeck("poll", "--once", db=tmp_path / "news.db", config=config)
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 60
        while not workers and proc.poll() is None and time.monotonic() < deadline:
            workers = children_of(proc.pid)
            time.sleep(0.02)
        assert workers, "the poll never started its parse process"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        deadline = time.monotonic() + 10
        while any(alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        left = [w for w in workers if alive(w)]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
    for w in left:
        os.kill(w, signal.SIGKILL)
    assert not left, f"parse process(es) {left} outlived the killed poller"
