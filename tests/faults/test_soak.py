"""A short soak in CI: 30 feeds moving every 5 s, the daemon, the dashboard, 50 searches.

The long one (300 feeds, 5 minutes, 500 searches) is tests/benchmarks/soak.py; its last
results are in tests/benchmarks/README.md.
"""

from __future__ import annotations

from pathlib import Path

from soak_run import soak

SECONDS = 30.0


async def test_a_short_soak_ends_with_no_error_anywhere(tmp_path: Path) -> None:
    report = await soak(tmp_path, feeds=30, seconds=SECONDS, searches=50)
    assert report.search_failures == []
    assert report.searches_ok == 50
    assert report.daemon_errors == [] and report.daemon_exit == 0
    assert report.daemon_chatter[:5] == []  # one log line per round, as docs/daemon.md says
    assert report.dashboard_trouble == []
    assert report.rounds >= 4  # it kept polling: about one round per 5 s
    assert report.articles_at_end > report.articles_after_first_round  # and kept storing
    assert report.browsing.total > 10 and report.browsing.opened > 0  # load-dependent: >10
    # Flat memory, generously: after the first round (every feed stored) the daemon
    # may settle a little, not grow with every round.
    assert report.rss_last < report.rss_first * 1.3, report.rss_kib
