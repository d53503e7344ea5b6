"""Faults and soak, the long versions (issue #8), in one command:

    uv run python tests/benchmarks/soak.py --minutes 5 [--update-readme]

Four phases, each the long form of a CI test in tests/faults/ (same code, bigger):

1. soak: 300 loopback feeds (a feed farm process; a fifth of them gain an item every
   5 s) polled by a real `newsdeck poll` daemon with interval "5s", while a Pilot-driven
   dashboard browses and 500 `newsdeck search --json` processes run, for --minutes.
   Zero errors anywhere; the daemon's RSS is sampled from /proc/PID/status.
2. crash: 20 x kill -9 of `newsdeck poll --once` during a 10,000-article ingest
   (200 feeds x 50 items), each followed by integrity checks and a re-poll that must
   store every article exactly once.
3. locks: a real daemon through write locks held by another process for exactly the
   10 s busy timeout, then for 25 s.
4. fuzz: tests/faults/test_fuzz.py's `slow` properties (5,000 examples each).

It prints a Markdown report; --update-readme also writes it into the "Faults and
soak" section of tests/benchmarks/README.md (between its result markers). Exit code 1
when any phase found a problem. Everything runs on 127.0.0.1, in a temporary folder.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "faults"))

from crash_runs import crash_runs, problems_of  # noqa: E402
from feed_farm import FeedFarm  # noqa: E402
from lock_runs import daemon_through_locks  # noqa: E402
from soak_run import soak  # noqa: E402

README = ROOT / "tests" / "benchmarks" / "README.md"
START, END = "<!-- soak-results:start -->", "<!-- soak-results:end -->"


def mib(kib: int) -> str:
    return f"{kib / 1024:.1f} MiB"


def run_soak(workdir: Path, minutes: float, feeds: int, searches: int) -> tuple[bool, list[str]]:
    report = asyncio.run(soak(workdir, feeds=feeds, seconds=minutes * 60, searches=searches))
    samples = report.rss_kib
    peak = max(kib for _, kib in samples)
    ok = report.clean and report.searches_ok == searches
    lines = [
        f"- **Soak** ({report.seconds / 60:.1f} min, {feeds} feeds, interval 5 s): "
        + ("clean" if ok else "**PROBLEMS**"),
        f"  - daemon: {report.rounds} rounds logged, {report.farm.get('requests', 0):,} "
        f"requests ({report.farm.get('not_modified', 0):,} answered 304), articles "
        f"{report.articles_after_first_round:,} after the first round → "
        f"{report.articles_at_end:,} at the end; exit code {report.daemon_exit}; "
        f"{len(report.daemon_errors)} error lines and {len(report.daemon_chatter)} lines "
        "other than one per round in its log",
        f"  - daemon RSS: first {mib(report.rss_first)} (after the first round), "
        f"last {mib(report.rss_last)}, peak {mib(peak)} ({len(samples)} samples)",
        f"  - searches: {report.searches_ok} of {searches} exited 0 with a JSON list; "
        f"{len(report.search_failures)} failures",
        f"  - dashboard: {report.browsing.total} key presses "
        f"({', '.join(f'{k} {v}' for k, v in sorted(report.browsing.presses.items()))}), "
        f"{report.browsing.opened} articles opened; trouble: "
        f"{report.dashboard_trouble or 'none'}",
    ]
    lines += [f"  - {problem}" for problem in report.search_failures[:5] + report.daemon_errors[:5]]
    chatter = [line for line in report.daemon_chatter if line not in report.daemon_errors]
    lines += [f"  - log: {line}" for line in chatter[:5]]
    return ok, lines


def run_crashes(workdir: Path, iterations: int, feeds: int, items: int) -> tuple[bool, list[str]]:
    with FeedFarm(feeds=feeds, items=items) as farm:
        config = farm.write_config(workdir / "crash.toml")
        runs = crash_runs(config, workdir, iterations)
    expected = feeds * items
    problems = [p for run in runs for p in problems_of(run, expected, items)]
    mid = sum(1 for run in runs if run.killed and 0 < run.survived < expected)
    survived = ", ".join(f"{run.survived:,}" for run in runs)
    lines = [
        f"- **Crash** ({iterations} × kill -9 during a {expected:,}-article ingest, "
        f"{feeds} feeds × {items} items): " + ("clean" if not problems else "**PROBLEMS**"),
        f"  - kills at {runs[0].delay:.1f}–{runs[-1].delay:.1f} s; {mid} landed mid-ingest; "
        f"articles that survived each kill: {survived}",
    ]
    if problems:
        lines += [f"  - {problem}" for problem in problems[:10]]
    else:
        lines.append(
            "  - after every kill: integrity_check and FTS5 integrity-check ok, whole feeds "
            f"only; after every re-poll: {expected:,} articles, 0 duplicate (feed, guid), "
            "search index and topic counters in step"
        )
    return not problems, lines


def run_locks(workdir: Path, holds: tuple[float, ...]) -> tuple[bool, list[str]]:
    with FeedFarm(feeds=10, items=10, period=1.0) as farm:
        run = daemon_through_locks(farm, workdir, holds)
    ok = run.exit_code == 0 and not run.other_errors and all(n > 0 for n in run.stored_after)
    held = " and ".join(f"{h:g} s" for h in holds)
    lines = [
        f"- **Locks** (write lock held by another process for {held}): "
        + ("clean" if ok else "**PROBLEMS**"),
        f"  - the daemon kept running and stored {', '.join(map(str, run.stored_after))} new "
        f"articles after each hold; it logged {len(run.busy_lines)} 'database busy' lines, "
        f"{len(run.other_errors)} other errors; exit code {run.exit_code}",
    ]
    lines += [f"  - {line}" for line in run.other_errors[:5]]
    return ok, lines


def run_fuzz() -> tuple[bool, list[str]]:
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-m", "slow", "tests/faults/test_fuzz.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    last = (done.stdout.strip().splitlines() or ["(no output)"])[-1]
    ok = done.returncode == 0
    return ok, [
        "- **Fuzz** (`pytest -m slow tests/faults/test_fuzz.py`, 5,000 examples per "
        f"property, {time.monotonic() - started:.0f} s): "
        + ("clean" if ok else "**PROBLEMS**")
        + f" ({last.strip('= ')})"
    ]


def machine() -> str:
    cpus = os.cpu_count()
    return (
        f"{datetime.now(UTC):%Y-%m-%d}, {platform.system()} {platform.machine()}, {cpus} cores, "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}"
    )


def update_readme(report: str) -> None:
    text = README.read_text() if README.exists() else "# Benchmarks\n"
    block = f"{START}\n{report}\n{END}"
    if START in text and END in text:
        head, rest = text.split(START, 1)
        text = head + block + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n## Faults and soak\n\n" + block + "\n"
    README.write_text(text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=5.0, help="soak length (default 5)")
    parser.add_argument("--feeds", type=int, default=300, help="soak feeds (default 300)")
    parser.add_argument("--searches", type=int, default=500, help="soak searches (default 500)")
    parser.add_argument("--crashes", type=int, default=20, help="kill -9 runs (default 20)")
    parser.add_argument("--crash-feeds", type=int, default=200)
    parser.add_argument("--crash-items", type=int, default=50)
    parser.add_argument(
        "--skip", action="append", default=[], choices=("soak", "crash", "locks", "fuzz")
    )
    parser.add_argument("--update-readme", action="store_true", help="write the results")
    args = parser.parse_args()
    started = time.monotonic()
    results: list[tuple[bool, list[str]]] = []
    work = Path(tempfile.mkdtemp(prefix="newsdeck-soak-"))
    try:
        for name, phase in (
            ("soak", lambda: run_soak(work, args.minutes, args.feeds, args.searches)),
            ("crash", lambda: run_crashes(work, args.crashes, args.crash_feeds, args.crash_items)),
            ("locks", lambda: run_locks(work, (10.0, 25.0))),
            ("fuzz", run_fuzz),
        ):
            if name in args.skip:
                continue
            print(f"[{time.monotonic() - started:6.0f} s] {name} ...", file=sys.stderr)
            results.append(phase())
            print("\n".join(results[-1][1]), file=sys.stderr)
    except BaseException:
        print(f"kept {work} (databases and logs) for a look", file=sys.stderr)
        raise
    ok = all(passed for passed, _ in results)
    if ok:
        shutil.rmtree(work, ignore_errors=True)
    else:
        print(f"kept {work} (databases and logs) for a look", file=sys.stderr)
    command = " ".join(["uv run python tests/benchmarks/soak.py", *sys.argv[1:]])
    report = "\n".join(
        [
            f"Last run: `{command}` on {machine()}; "
            f"{(time.monotonic() - started) / 60:.0f} min in all, "
            + ("**all clean**." if ok else "**problems found**."),
            "",
            *(line for _, lines in results for line in lines),
        ]
    )
    print(report)
    if args.update_readme:
        update_readme(report)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
