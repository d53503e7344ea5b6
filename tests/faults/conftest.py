"""Fixtures for the fault tests: a feed farm process per test module that needs one.

This folder's helper modules (feed_farm, processes, browsing, crash_runs, lock_runs,
soak_run) are imported by name: pytest puts this folder on sys.path because it has no
__init__.py (tests/benchmarks/soak.py puts it there itself).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from feed_farm import FeedFarm


@pytest.fixture(scope="module")
def fixed_farm() -> Iterator[FeedFarm]:
    """30 fixed feeds of 50 items (1,500 articles): a large ingest that fits in CI."""
    with FeedFarm(feeds=30, items=50) as farm:
        yield farm
