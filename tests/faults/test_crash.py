"""kill -9 during a large ingest: the file stays sound and a re-poll stores each article once.

The CI run kills 5 pollers over 1,500 articles; the `slow` run (and
tests/benchmarks/soak.py) kills 20 over 10,000 (200 feeds x 50 items).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from crash_runs import crash_runs, problems_of
from feed_farm import FeedFarm


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
