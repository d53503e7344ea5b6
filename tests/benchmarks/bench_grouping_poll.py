"""What same-story grouping costs a whole poll: `newsdeck poll --once` with and without it.

    uv run python tests/benchmarks/bench_grouping_poll.py [--articles 10000] [--runs 5]

bench_stories.py times the writer alone (Store.ingest in a loop). This times what a
user waits for: a cold `newsdeck poll --once --json` in a fresh process (start-up, the
parse process, topic matching, the full-text index and the writer's batching included)
into an empty database, with grouping on and off (storage.stories.GROUPING), runs
alternating. The articles are bench_stories.py's (names, places and figures; 40 % of
events carried by 2-5 feeds), dated to end now, as RSS 2.0 files polled through file://
URLs, so no HTTP server shares the cores. Two corpora: full text (150-400 words after
the lead) and summary only (the lead alone, as many feeds carry). They spread over 40
feeds by default (250 articles each); `--feeds 200` gives 50 each, as feeds usually
carry (summary only, 15 runs: the same ratio, 1.23).

Each poll runs with a bytecode cache filled by an untimed poll first (outside the source
tree, as bench_poll.py does), and is checked afterwards: every article stored once, and
with grouping on, stories that hold more than one article.

Two ratios are printed: the median of each run with grouping over the run without it
just before (paired), and the ratio of the two medians with a 95 % bootstrap interval.
On this machine a poll's time varies by 10-20 % from one minute to the next, more than
most changes to grouping, and with 9 runs the paired median of one set has been 1.29
where the ratio of medians was 1.13: trust the interval, and run 20 or more. Two
options help to tell a change from noise:
- `--baseline PATH` runs the polls of another checkout (a `git worktree` of an older
  commit, say) too, alternating with this one's, and prints its row beside.
- `--instructions` counts the instructions of each poll's main process under
  valgrind's callgrind instead of timing it (50 times slower, but the same count every
  run; the parse process is not counted, and runs at full speed beside it).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1]))

import bench_stories  # noqa: E402
from bench_stories import NOW, generate  # noqa: E402

from storage.defaults import DEFAULT_TOPICS  # noqa: E402

POLL = """
import sys
import storage.stories
storage.stories.GROUPING = sys.argv[1] == "on"
from tui.cli import run
sys.exit(run(["poll", "--once", "--json", "--config", sys.argv[2], "--db", sys.argv[3]]))
"""


def write_feeds(folder: Path, articles: int, body: tuple[int, int]) -> tuple[Path, int]:
    """The generated articles as one RSS file per feed, and a config polling them."""
    shift = NOW - int(time.time())  # the generator dates events up to NOW: end them now
    per_feed: dict[int, list] = {}
    for feed, _, entries in generate(articles, body):
        per_feed.setdefault(feed, []).extend(entries)
    folder.mkdir(parents=True)
    lines = []
    for name, query in DEFAULT_TOPICS:
        lines += ["[[topics]]", f"name = {json.dumps(name)}", f"query = {json.dumps(query)}"]
    total = 0
    for feed, entries in sorted(per_feed.items()):
        items = "".join(
            f"<item><title>{escape(e.title)}</title><link>{escape(e.url)}</link>"
            f'<guid isPermaLink="false">{escape(e.guid)}</guid>'
            f"<pubDate>{_date(e.published - shift)}</pubDate>"
            f"<description>{escape(e.html)}</description></item>\n"
            for e in entries
        )
        path = folder / f"feed{feed:02d}.xml"
        path.write_text(
            '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
            f"<title>Feed {feed}</title><link>https://feed{feed}.example/</link>\n"
            f"{items}</channel></rss>\n",
            encoding="utf-8",
        )
        lines += ["[[feeds]]", f"url = {json.dumps(path.as_uri())}"]
        total += len(entries)
    config = folder / "config.toml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return config, total


def _date(seconds: int) -> str:
    return format_datetime(datetime.fromtimestamp(seconds, tz=UTC))


def poll(
    grouping: bool,
    config: Path,
    db: Path,
    env: dict[str, str],
    code: Path = ROOT,
    instructions: bool = False,
) -> tuple[float, float]:
    """(wall s, CPU s of the poll and its parse process) of one cold poll with the code
    of checkout `code`; with `instructions`, (instructions of the main process, 0)."""
    for path in db.parent.glob(db.name + "*"):
        path.unlink()
    command = [sys.executable, "-c", POLL, "on" if grouping else "off", str(config), str(db)]
    if instructions:
        command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *command]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    # `python -c` puts its working directory first on sys.path: the checkout's code.
    proc = subprocess.run(
        command, env={**env, "PYTHONPATH": str(code)}, cwd=code, capture_output=True, text=True
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"poll failed ({proc.returncode}): {proc.stderr[-500:]}")
    if instructions:
        counted = re.search(r"Collected : (\d+)", proc.stderr)
        if counted is None:
            raise SystemExit(f"callgrind gave no count: {proc.stderr[-500:]}")
        return float(counted.group(1)), 0.0
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def check(db: Path, total: int, grouping: bool) -> str:
    conn = sqlite3.connect(db)
    try:
        articles, distinct = conn.execute(
            "SELECT count(*), count(DISTINCT feed_id || ' ' || guid) FROM articles"
        ).fetchone()
        shared = conn.execute(
            "SELECT count(*) FROM (SELECT story_id FROM articles"
            " GROUP BY story_id HAVING count(*) > 1)"
        ).fetchone()[0]
    finally:
        conn.close()
    if articles != total or distinct != total:
        raise SystemExit(f"expected {total} articles once each, found {articles} ({distinct})")
    if grouping and shared == 0:
        raise SystemExit("grouping was on but no story holds two articles")
    return f"{articles:,} articles, {shared:,} stories of 2+"


def bench(
    name: str,
    articles: int,
    body: tuple[int, int],
    runs: int,
    work: Path,
    codes: dict[str, Path],
    instructions: bool,
) -> None:
    config, total = write_feeds(work / name, articles, body)
    db = work / f"{name}.db"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    for label, code in codes.items():  # untimed: fills each checkout's bytecode cache
        env_of = {**env, "PYTHONPYCACHEPREFIX": str(work / f"pycache-{label}")}
        poll(True, config, db, env_of, code)
    measured: dict[tuple[str, bool], list[tuple[float, float]]] = {
        (label, grouping): [] for label in codes for grouping in (False, True)
    }
    facts = ""
    for _ in range(runs):  # alternating, so a busy moment of the machine hits all
        for label, code in codes.items():
            env_of = {**env, "PYTHONPYCACHEPREFIX": str(work / f"pycache-{label}")}
            for grouping in (False, True):
                seconds, used = poll(grouping, config, db, env_of, code, instructions)
                measured[(label, grouping)].append((seconds, used))
                facts = check(db, total, grouping)
                state = "on " if grouping else "off"
                shown = f"{seconds / 1e9:.3f} G" if instructions else f"{seconds:.2f} s"
                print(f"  {name}, {label}, grouping {state}: {shown}", file=sys.stderr)
    for label in codes:
        without, with_ = measured[(label, False)], measured[(label, True)]
        paired = statistics.median(w[0] / o[0] for w, o in zip(with_, without, strict=True))
        title = name if len(codes) == 1 else f"{name}, {label}"
        if instructions:
            cells = [f"{statistics.median(r[0] for r in x) / 1e9:.3f} G" for x in (without, with_)]
            print(f"| {title} ({facts}) | {cells[0]} | {cells[1]} | {paired:.3f} |")
            continue
        off, on = [r[0] for r in without], [r[0] for r in with_]
        low, high = _interval(off, on)
        print(
            f"| {title} ({facts}) | {statistics.median(off):.2f} s"
            f" | {statistics.median(on):.2f} s | {paired:.3f}"
            f" | {statistics.median(on) / statistics.median(off):.3f} ({low:.3f}-{high:.3f})"
            f" | {statistics.median(r[1] for r in without):.2f} s"
            f" | {statistics.median(r[1] for r in with_):.2f} s |"
        )


def _interval(off: list[float], on: list[float]) -> tuple[float, float]:
    """A 95 % bootstrap interval of median(on) / median(off): how far the ratio could
    move with other runs on a machine this noisy (a fixed seed: the same runs give the
    same interval)."""
    rng = random.Random(0)
    ratios = sorted(
        statistics.median(rng.choices(on, k=len(on)))
        / statistics.median(rng.choices(off, k=len(off)))
        for _ in range(2000)
    )
    return ratios[50], ratios[-51]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", choices=("full", "summary"), default=None)
    parser.add_argument(
        "--feeds", type=int, default=bench_stories.FEEDS, help="feeds the articles spread over"
    )
    parser.add_argument("--baseline", type=Path, default=None, help="another checkout to compare")
    parser.add_argument("--instructions", action="store_true", help="count, under callgrind")
    args = parser.parse_args()
    bench_stories.FEEDS = args.feeds
    codes = {"this": ROOT}
    if args.baseline is not None:
        codes["baseline"] = args.baseline.resolve()
    work = Path(tempfile.mkdtemp(prefix="newsdeck-bench-grouping-"))
    try:
        what = "main process instructions" if args.instructions else "medians"
        print(f"cold `newsdeck poll --once`, {args.runs} runs each, {what}; {os.uname().nodename}")
        if args.baseline is not None:
            print(f"baseline: {codes['baseline']}")
        print()
        if args.instructions:
            print("| corpus | without grouping | with grouping | ratio (paired) |")
            print("|---|---|---|---|")
        else:
            print(
                "| corpus | without grouping | with grouping | ratio (paired)"
                " | ratio of medians (95 % interval) | CPU without | CPU with |"
            )
            print("|---|---|---|---|---|---|---|")
        corpora = {"full text": (150, 400), "summary only": (0, 0)}
        for name, body in corpora.items():
            if args.only is None or name.startswith(args.only):
                bench(name, args.articles, body, args.runs, work, codes, args.instructions)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
