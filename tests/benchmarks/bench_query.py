"""Read-side speed at 1,000,000 articles: topic counts, first pages, filters, deep offsets.

    uv run python tests/benchmarks/bench_query.py [--articles 1000000] [--runs 7] [--rebuild]

Generates (once) tests/benchmarks/work/bench_<N>.db with 10 topics over generated news-like
text, then prints a Markdown table of median and worst times. The target is < 50 ms median
for counts and first pages, and < 100 MB peak memory for `newsdeck topics --json`.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from storage import db  # noqa: E402
from storage.config import FeedConfig, TopicConfig  # noqa: E402
from storage.defaults import EU_MIGRATION_QUERY, UKRAINE_AID_QUERY  # noqa: E402
from storage.listing import View  # noqa: E402
from storage.store import Store  # noqa: E402

WORK = ROOT / "tests" / "benchmarks" / "work"
NOW = 1_800_000_000
SPAN = 2 * 365 * 86400  # articles published over two years before NOW
FEEDS = 30

TOPICS = (
    TopicConfig("Ukraine aid", UKRAINE_AID_QUERY),
    TopicConfig("EU migration", EU_MIGRATION_QUERY),
    TopicConfig("Football", "football OR soccer"),
    TopicConfig("Climate", "climate (emissions OR carbon)"),
    TopicConfig("Elections", "election* -local"),
    TopicConfig("Banks", "title:(bank OR banks) rates"),
    TopicConfig("AI", '"artificial intelligence" OR chatbot*'),
    TopicConfig("Disasters", "earthquake OR flood* OR typhoon"),
    TopicConfig("China trade", "china (trade OR tariff*)"),
    TopicConfig("Health", "health (hospital OR vaccine*)"),
)
# (probability, words) mixed into an article's text; sizes from ~0.5 % to ~12 % a topic.
THEMES = (
    (0.10, "Ukraine weapons aid Kyiv missiles artillery military"),
    (0.06, "EU migration asylum Brussels migrants Frontex Italy"),
    (0.12, "football soccer league goal"),
    (0.05, "climate emissions carbon warming"),
    (0.08, "election elections vote"),
    (0.02, "local council"),
    (0.02, "bank rates inflation"),
    (0.01, "artificial intelligence chatbot"),
    (0.03, "earthquake flood flooding typhoon"),
    (0.04, "china trade tariffs"),
    (0.05, "health hospital vaccine"),
)


def make_words(rng: random.Random, n: int) -> list[str]:
    syllables = [c + v for c in "bcdfghjklmnprstvwz" for v in "aeiou"] + ["ar", "en", "is", "on"]
    words: set[str] = set()
    while len(words) < n:
        words.add("".join(rng.choice(syllables) for _ in range(rng.randint(1, 4))))
    return sorted(words)


def generate(path: Path, articles: int) -> None:
    """A database of `articles` rows through the fast path: one transaction, executemany,
    the FTS index built once at the end, topics matched by sync_topics."""
    rng = random.Random(1234)
    vocab = make_words(rng, 20_000)
    weights = [1 / (rank + 1) for rank in range(len(vocab))]
    pool = rng.choices(vocab, weights=weights, k=4_000_000)
    store = Store(path)
    store.sync_feeds(
        [
            FeedConfig(url=f"https://news{i}.example.com/feed.xml", title=f"News {i}")
            for i in range(FEEDS)
        ]
    )
    conn = store.conn
    conn.execute("PRAGMA cache_size = -200000")
    for name in ("articles_fts_insert", "articles_fts_delete", "articles_fts_update"):
        conn.execute(f"DROP TRIGGER {name}")
    started = time.perf_counter()
    with db.write_transaction(conn):
        batch = []
        for i in range(articles):
            start = rng.randrange(len(pool) - 60)
            words = pool[start : start + rng.randint(25, 50)]
            for probability, theme in THEMES:
                if rng.random() < probability:
                    words = words + theme.split()
            rng.shuffle(words)
            published = NOW - SPAN + int(SPAN * i / articles) + rng.randint(-7200, 7200)
            batch.append(
                (
                    1 + i % FEEDS,
                    f"g{i}",
                    f"https://news.example.com/{i}",
                    " ".join(words[:8]).capitalize(),
                    f"Author {i % 500}",
                    published,
                    " ".join(words),
                    f"h{i}",
                    published + rng.randint(0, 3600),
                    int(rng.random() < 0.7),
                    int(rng.random() < 0.01),
                )
            )
            if len(batch) == 20_000:
                _insert(conn, batch)
                batch = []
        _insert(conn, batch)
        conn.execute("INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')")
    print(f"  articles + FTS: {time.perf_counter() - started:.0f} s", file=sys.stderr)
    conn.execute("BEGIN IMMEDIATE")
    from storage.schema import FTS_TRIGGERS, _statements

    for statement in _statements(FTS_TRIGGERS):
        conn.execute(statement)
    conn.execute("COMMIT")
    started = time.perf_counter()
    store.sync_topics(TOPICS)
    print(f"  topics matched: {time.perf_counter() - started:.0f} s", file=sys.stderr)
    conn.execute("ANALYZE")
    conn.execute("INSERT INTO articles_fts(articles_fts) VALUES ('optimize')")
    store.close()


def _insert(conn: sqlite3.Connection, batch: list[tuple]) -> None:
    conn.executemany(
        "INSERT INTO articles (feed_id, guid, url, title, author, published, text,"
        " content_hash, first_seen, read, starred) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        batch,
    )


@dataclass
class Timing:
    name: str
    median_ms: float
    max_ms: float
    result: str
    cpu_ms: float = 0.0  # median CPU time: steadier than wall time on a busy machine


def timed(name: str, fn: Callable[[], object], runs: int) -> Timing:
    times, cpu, result = [], [], None
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        result = fn()
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    shown = len(result) if isinstance(result, list) else result
    return Timing(name, statistics.median(times), max(times), str(shown), statistics.median(cpu))


def measure(path: Path, runs: int) -> list[Timing]:
    store = Store(path)
    ids = {t.name: t.id for t in store.topics(now=NOW)}
    out = [timed("topics() with counts + new_24h", lambda: store.topics(now=NOW), runs)]
    out.append(
        timed("daily counts, all, 30 d", lambda: store.topic_daily_counts(None, 30, NOW), runs)
    )
    out.append(
        timed(
            "daily counts, Ukraine aid, 30 d",
            lambda: store.topic_daily_counts(ids["Ukraine aid"], 30, NOW),
            runs,
        )
    )
    views: list[tuple[str, View]] = [("all articles", View())]
    views += [(f"topic {name}", View(topic_id=i)) for name, i in ids.items()]
    views += [
        ("q: ukraine", View(query="ukraine")),
        ("q: weapons OR missiles", View(query="weapons OR missiles")),
        ("q: artificial intelligence (rare)", View(query='"artificial intelligence"')),
        ("q: -football", View(query="-football")),
        ("q: title:bank*", View(query="title:bank*")),
        ("q: feed:news1", View(query="feed:news1")),
        ("q: is:unread", View(query="is:unread")),
        ("q: since:7d", View(query="since:7d")),
        ("q: ukraine is:unread since:30d", View(query="ukraine is:unread since:30d")),
        ("q: ukraine OR feed:news3", View(query="ukraine OR feed:news3")),
        ("topic Ukraine aid + q: missiles", View(topic_id=ids["Ukraine aid"], query="missiles")),
        ("topic Football + q: is:unread", View(topic_id=ids["Football"], query="is:unread")),
        ("q: ukraine, sort relevance", View(query="ukraine", sort="relevance")),
    ]
    for name, view in views:
        out.append(timed(f"count  {name}", lambda v=view: store.count(v, now=NOW), runs))
        out.append(timed(f"page 0 {name}", lambda v=view: store.page(v, 0, 50, now=NOW), runs))
    search_view = View(query="ukraine missiles")
    out.append(timed("search() page with snippets", lambda: store.search(search_view, 0, 50), runs))
    for offset in (10_000, 100_000):
        view = View(topic_id=ids["Ukraine aid"])
        out.append(
            timed(
                f"page @{offset:,} topic Ukraine aid",
                lambda v=view, o=offset: store.page(v, o, 50),
                runs,
            )
        )
    for offset in (100_000, 500_000):
        out.append(
            timed(
                f"page @{offset:,} all articles", lambda o=offset: store.page(View(), o, 50), runs
            )
        )
    out.append(
        timed(
            "page @10,000 q: ukraine", lambda: store.page(View(query="ukraine"), 10_000, 50), runs
        )
    )
    store.close()
    return out


def ingest_cost(path: Path, runs: int) -> Timing:
    """One poll's worth: 50 new articles into a 1M database, topics assigned."""
    from types import SimpleNamespace

    store = Store(path)
    times, cpu = [], []
    for run in range(runs):
        entries = [
            SimpleNamespace(
                guid=f"bench-{time.time_ns()}-{run}-{i}",
                url=None,
                title=f"Ukraine news {i}",
                author="",
                published=NOW,
                updated=None,
                summary="",
                html="",
                text="Kyiv asks for more air defence missiles; EU migration pact talks resume",
            )
            for i in range(50)
        ]
        started, started_cpu = time.perf_counter(), time.process_time()
        store.ingest(1, entries, now=NOW)
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    store.close()
    return Timing(
        "ingest 50 new articles (10 topics)",
        statistics.median(times),
        max(times),
        "50",
        statistics.median(cpu),
    )


def cli_memory(path: Path) -> Timing:
    config = path.with_suffix(".toml")
    lines = [f'[[feeds]]\nurl = "https://news{i}.example.com/feed.xml"\n' for i in range(FEEDS)]
    for topic in TOPICS:
        lines.append(
            f"[[topics]]\nname = {json.dumps(topic.name)}\nquery = {json.dumps(topic.query)}\n"
        )
    config.write_text("\n".join(lines))
    code = (
        "import resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        "p = subprocess.run([sys.executable, '-m', 'tui.cli', 'topics', '--json',"
        f" '--db', {str(path)!r}, '--config', {str(config)!r}], capture_output=True)\n"
        "ms = (time.perf_counter() - t) * 1000\n"
        "kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
        "print(p.returncode, round(ms), kb)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    status, ms, kb = result.stdout.split()
    return Timing(
        f"CLI `newsdeck topics --json` (exit {status})",
        float(ms),
        float(ms),
        f"peak RSS {int(kb) / 1024:.0f} MB",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    path = WORK / f"bench_{args.articles}.db"
    if args.rebuild or not path.exists():
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        print(f"generating {args.articles:,} articles in {path} ...", file=sys.stderr)
        started = time.perf_counter()
        generate(path, args.articles)
        print(f"  done in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    rows = measure(path, args.runs)
    rows.append(cli_memory(path))
    rows.append(ingest_cost(path, args.runs))
    size = path.stat().st_size / 1e6
    print(
        f"\n{args.articles:,} articles, {len(TOPICS)} topics, database {size:.0f} MB,"
        f" median of {args.runs} runs\n"
    )
    print("| operation | median ms | CPU ms | max ms | result |")
    print("|---|---:|---:|---:|---|")
    for row in rows:
        flag = " ⚠" if row.median_ms > 50 and not row.name.startswith("CLI") else ""
        print(
            f"| {row.name} | {row.median_ms:.1f}{flag} | {row.cpu_ms:.1f} | {row.max_ms:.1f}"
            f" | {row.result} |"
        )


if __name__ == "__main__":
    main()
