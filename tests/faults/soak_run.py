"""The soak: a polling daemon, a browsing dashboard and a stream of searches, together.

For `seconds`: a feed farm process serves `feeds` feeds whose content moves every 5 s;
`newsdeck poll` (a real daemon process, config interval "5s") polls them into one
database; a thread runs `searches` `newsdeck search --json` processes spread over the
time; and the dashboard, driven by Pilot in this process, browses the same database
(tests/faults/browsing.py), noticing the daemon's writes through PRAGMA data_version.
The daemon's resident memory is sampled from /proc every few seconds.

Everything must come out clean: every search exits 0 with a JSON list, the daemon's log
has no traceback or error line and it stops with exit code 0 on SIGTERM, the dashboard
shows no error and no worker died. tests/faults/test_soak.py runs a short one in CI;
tests/benchmarks/soak.py runs the long one.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from browsing import Browsing, browse, make_app, trouble
from feed_farm import FeedFarm
from processes import (
    count_articles,
    error_lines,
    newsdeck,
    parse_json,
    rss_kib,
    start_newsdeck,
    stop,
)

from storage.config import load_config

QUERIES = (
    ("aid",),
    ("border*",),
    ("harbour OR ferry",),
    ("kyiv -metro",),
    ("ukraine aid", "--sort", "relevance"),
    ('"air defence"',),
    ("since:1d", "--limit", "50"),
    ("migration", "--topic", "EU migration"),
)
ROUND_PERIOD_S = 5.0  # the farm's feeds move this often; the daemon polls as often


@dataclass
class SoakReport:
    feeds: int
    seconds: float = 0.0
    rounds: int = 0  # rounds the daemon logged
    articles_after_first_round: int = 0
    articles_at_end: int = 0
    searches_ok: int = 0
    search_failures: list[str] = field(default_factory=list)
    rss_kib: list[tuple[float, int]] = field(default_factory=list)  # (seconds in, KiB)
    daemon_errors: list[str] = field(default_factory=list)
    daemon_chatter: list[str] = field(default_factory=list)  # log lines beyond one per round
    daemon_exit: int | None = None
    dashboard_trouble: list[str] = field(default_factory=list)
    browsing: Browsing = field(default_factory=Browsing)
    farm: dict[str, int] = field(default_factory=dict)

    @property
    def rss_first(self) -> int:
        return self.rss_kib[0][1]

    @property
    def rss_last(self) -> int:
        return self.rss_kib[-1][1]

    @property
    def clean(self) -> bool:
        return (
            not self.search_failures
            and not self.daemon_errors
            and not self.daemon_chatter
            and self.daemon_exit == 0
            and not self.dashboard_trouble
        )


def _searches(
    db: Path, config: Path, count: int, seconds: float, report: SoakReport, stop: threading.Event
) -> None:
    """`count` search processes, one every seconds/count (back to back when behind)."""
    started = time.monotonic()
    for i in range(count):
        wait = started + i * seconds / count - time.monotonic()
        if wait > 0 and stop.wait(wait):
            return
        args = QUERIES[i % len(QUERIES)]
        result = newsdeck("search", *args, "--json", db=db, config=config, timeout=60)
        try:
            assert result.returncode == 0, f"exit {result.returncode}: {result.stderr.strip()}"
            assert not result.stderr.strip(), result.stderr.strip()
            assert isinstance(parse_json(result.stdout), list)
        except AssertionError as exc:
            report.search_failures.append(f"search {args}: {exc}")
        else:
            report.searches_ok += 1


def _sample_memory(pid: int, started: float, report: SoakReport, stop: threading.Event) -> None:
    while not stop.wait(5.0):
        try:
            report.rss_kib.append((round(time.monotonic() - started, 1), rss_kib(pid)))
        except (OSError, RuntimeError):
            return  # the daemon is gone; the report says so through its exit code


async def soak(
    workdir: Path, *, feeds: int, seconds: float, searches: int, items: int = 20, seed: int = 8
) -> SoakReport:
    report = SoakReport(feeds=feeds)
    db = workdir / "soak.db"
    log = workdir / "daemon.log"
    with FeedFarm(feeds, items, period=ROUND_PERIOD_S) as farm, log.open("w") as err:
        config = farm.write_config(workdir / "soak.toml", interval="5s", timeout=20)
        daemon = start_newsdeck("poll", db=db, config=config, stderr=err)
        done = threading.Event()
        threads: list[threading.Thread] = []
        try:
            deadline = time.monotonic() + 120  # the first round stores every feed's items
            while "round at" not in log.read_text() and time.monotonic() < deadline:
                assert daemon.poll() is None, log.read_text()
                time.sleep(0.2)
            assert "round at" in log.read_text(), "the daemon's first round never finished"
            report.articles_after_first_round = count_articles(db)
            started = time.monotonic()
            report.rss_kib.append((0.0, rss_kib(daemon.pid)))
            threads = [
                threading.Thread(
                    target=_searches, args=(db, config, searches, seconds, report, done)
                ),
                threading.Thread(target=_sample_memory, args=(daemon.pid, started, report, done)),
            ]
            for thread in threads:
                thread.start()
            app = make_app(load_config(config), db)
            async with app.run_test(size=(100, 30)) as pilot:
                report.browsing = await browse(pilot, app, seconds, seed)
                report.dashboard_trouble = trouble(app)
            threads[0].join(timeout=max(60.0, searches * 2.0))  # searches still running
            report.rss_kib.append((round(time.monotonic() - started, 1), rss_kib(daemon.pid)))
            report.seconds = time.monotonic() - started
        finally:
            done.set()
            for thread in threads:
                thread.join(timeout=60)
            report.daemon_exit = stop(daemon)
            report.farm = farm.stats()
    text = log.read_text()
    report.rounds = sum(1 for line in text.splitlines() if "round at" in line)
    report.daemon_errors = error_lines(text)
    usual = ("polling ", "round at ", "stopped")
    report.daemon_chatter = [
        line for line in text.splitlines() if not any(u in line for u in usual)
    ]
    report.articles_at_end = count_articles(db)
    if report.searches_ok + len(report.search_failures) < searches:
        report.search_failures.append(
            f"only {report.searches_ok + len(report.search_failures)} of {searches} ran"
        )
    return report
