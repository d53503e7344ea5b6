"""Dashboard speed at 1,000,000 articles: first paint, topic switch, holding j, G.

    uv run python tests/benchmarks/bench_tui.py [--articles 1000000] [--runs 5]

Reuses the database of tests/benchmarks/bench_query.py (generated once into
tests/benchmarks/work/). Runs the real app headless with Pilot at 120x40 and prints a
Markdown table. The articles get stories first (once; see ensure_stories), so the list
shows one row per story as it does by default. Targets: first paint < 1 s, topic switch
< 100 ms, holding j keeps up with key repeat (30 keys/s) without lag. Times are
reported, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).parent))

import bench_query  # noqa: E402
from textual import events  # noqa: E402

from storage.config import Config, FeedConfig, PollSettings  # noqa: E402
from tui.app import NewsdeckApp  # noqa: E402
from tui.screens.main import MainScreen  # noqa: E402

SIZE = (120, 40)


def database(articles: int) -> Path:
    bench_query.WORK.mkdir(parents=True, exist_ok=True)
    path = bench_query.WORK / f"bench_{articles}.db"
    if not path.exists():
        print(f"generating {path} (once; minutes for 1M)", file=sys.stderr)
        bench_query.generate(path, articles)
    return path


def ensure_stories(path: Path) -> None:
    """Give the generated articles stories, as ingest would (bench_query's fast path
    leaves story_id empty): ids 8k+1, 8k+2 and 8k+3, published minutes apart in
    random feeds, are one story of three (37.5 % of the articles); every other article
    is a story of its own. The dashboard lists one row per story by default."""
    import sqlite3

    conn = sqlite3.connect(path, isolation_level=None)
    try:
        if conn.execute("SELECT 1 FROM articles WHERE story_id IS NULL LIMIT 1").fetchone():
            print("assigning stories (once) ...", file=sys.stderr)
            conn.execute("BEGIN")
            conn.execute(
                "UPDATE articles SET story_id = CASE WHEN id % 8 IN (2, 3)"
                " THEN id - id % 8 + 1 ELSE id END"
            )
            conn.execute("COMMIT")
            conn.execute("ANALYZE")
    finally:
        conn.close()


def config() -> Config:
    feeds = tuple(
        FeedConfig(f"https://news{i}.example.com/feed.xml", f"News {i}")
        for i in range(bench_query.FEEDS)
    )
    return Config(poll=PollSettings(interval=3600), feeds=feeds, topics=bench_query.TOPICS)


async def until(condition: Callable[[], bool], timeout: float = 30.0) -> float:
    started = time.perf_counter()
    while not condition():
        if time.perf_counter() - started > timeout:
            raise TimeoutError
        await asyncio.sleep(0.001)
    return time.perf_counter() - started


def visible_rows_loaded(screen: MainScreen) -> bool:
    articles = screen.articles
    if articles.total is None:
        return False
    top = articles.scroll_offset.y
    last = min(articles.total, top + articles.scrollable_content_region.height)
    return all(articles.pages.row(i) is not None for i in range(top, last))


async def one_run(db: Path) -> dict[str, float]:
    app = NewsdeckApp(
        config(), db, now=lambda: float(bench_query.NOW), auto_poll=False, watch_interval=3600
    )
    out: dict[str, float] = {}
    started = time.perf_counter()
    async with app.run_test(size=SIZE) as pilot:
        await until(lambda: isinstance(app.screen, MainScreen))
        screen = app.screen
        assert isinstance(screen, MainScreen)
        await until(lambda: visible_rows_loaded(screen) and screen.articles.total)
        await pilot.pause()
        out["first paint (app start to rows on screen)"] = time.perf_counter() - started
        await until(lambda: bool(screen.topics), timeout=60)
        out["header and tabs counted (app start)"] = time.perf_counter() - started
        # Topic switches, twice: back to back (the next key as soon as the rows are on
        # screen, while the last topic's stories are still being counted beside it),
        # then from a settled list (every worker done), as a reader moves between topics.
        for settled in (False, True):
            switches = []
            for key in ("1", "2", "3", "4", "5", "0"):
                if settled:
                    await app.workers.wait_for_complete()
                    await pilot.pause(0.1)
                index = int(key)
                want = screen.topics[index - 1].id if index else None
                before = time.perf_counter()
                screen.action_topic(index)
                await until(
                    lambda w=want: (
                        screen.articles.view is not None
                        and screen.articles.view.topic_id == w
                        and visible_rows_loaded(screen)
                    )
                )
                switches.append(time.perf_counter() - before)
                kind = "settled" if settled else "back to back"
                print(f"  switch to {key} ({kind}): {switches[-1] * 1000:.0f} ms", file=sys.stderr)
            how = "from a settled list" if settled else "back to back"
            out[f"topic switch {how} (median of 6)"] = statistics.median(switches)
            out[f"topic switch {how} (worst of 6)"] = max(switches)

        # Holding j: key repeat at 30 keys/s for 3 s; lag = how far the cursor trails.
        driver = app._driver
        assert driver is not None
        screen.articles.focus()
        await pilot.pause()
        start_cursor = screen.articles.cursor
        lags = []
        keys = 90
        for n in range(keys):
            driver.send_message(events.Key("j", "j"))
            await asyncio.sleep(1 / 30)
            lags.append(start_cursor + n + 1 - screen.articles.cursor)
        settle = await until(
            lambda: screen.articles.cursor == start_cursor + keys and visible_rows_loaded(screen)
        )
        out["holding j: keys behind at worst (30 keys/s)"] = float(max(lags))
        out["holding j: catch-up after release"] = settle

        # A burst as fast as the keys come: throughput of the cursor.
        before = time.perf_counter()
        burst = 300
        for _ in range(burst):
            driver.send_message(events.Key("j", "j"))
        await until(lambda: screen.articles.cursor == start_cursor + keys + burst)
        out["burst of 300 j: ms per key"] = (time.perf_counter() - before) / burst

        before = time.perf_counter()
        screen.articles.action_last()
        # In the grouped list, the story count arrives later and the last page is found
        # by walking the stories from the top (storage/stories.py): allow minutes.
        await until(
            lambda: (
                screen.articles.cursor == (screen.articles.total or 0) - 1
                and visible_rows_loaded(screen)
            ),
            timeout=300,
        )
        out["G to the last of all articles"] = time.perf_counter() - before
        out["pages read from the store"] = float(screen.articles.fetches)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    db = database(args.articles)
    ensure_stories(db)
    runs = [asyncio.run(one_run(db)) for _ in range(args.runs)]
    print(f"\n{args.articles:,} articles, {SIZE[0]}x{SIZE[1]}, {args.runs} runs\n")
    print("| measure | median | worst |")
    print("|---|---:|---:|")
    for name in runs[0]:
        values = [r[name] for r in runs]
        if "keys behind" in name or "pages read" in name:
            print(f"| {name} | {statistics.median(values):.0f} | {max(values):.0f} |")
        else:
            print(
                f"| {name} | {statistics.median(values) * 1000:.0f} ms |"
                f" {max(values) * 1000:.0f} ms |"
            )


if __name__ == "__main__":
    main()
