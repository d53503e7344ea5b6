"""What same-story grouping costs at ingest, and what story pages cost at scale.

    uv run python tests/benchmarks/bench_stories.py [--articles 20000] [--runs 3]
    uv run python tests/benchmarks/bench_stories.py --read 1000000

Ingest: generated news-like articles (names, places, figures; 40% of events covered by
2-5 feeds, a few hours apart) go through Store.ingest in batches of 50 per feed, in the
order a poller would see them, into fresh database files: with grouping and without
(storage.stories.GROUPING), alternating, `--runs` times each. Prints the median times
and their ratio; the target is under 1.2. Each run starts with no words cached (a
poller's first poll); `--warm N` caches the words of N articles of other events first
(a poller that has been running: the articles timed are still new to it).

--read N: builds (once) a database of N articles with story ids already set, then times
story pages, deep story pages and story counts.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from storage import db, stories, story_match  # noqa: E402
from storage.config import FeedConfig, TopicConfig  # noqa: E402
from storage.defaults import EU_MIGRATION_QUERY, UKRAINE_AID_QUERY  # noqa: E402
from storage.listing import View  # noqa: E402
from storage.parse import Entry  # noqa: E402
from storage.store import Store  # noqa: E402

WORK = ROOT / "tests" / "benchmarks" / "work"
NOW = 1_800_000_000
FEEDS = 40
BATCH = 50
COUNTRIES = [
    *("Ukraine", "Germany", "France", "Poland", "Italy", "Spain", "Greece", "Turkey"),
    *("Norway", "Sweden", "Denmark", "Lithuania", "Romania", "Portugal", "Hungary"),
    *("Austria", "Belgium", "Ireland", "Finland", "Slovakia"),
]


def make_words(rng: random.Random, n: int, capital: bool = False) -> list[str]:
    syllables = [c + v for c in "bcdfglmnprstvz" for v in "aeiou"] + ["ar", "en", "is", "on"]
    words: set[str] = set()
    while len(words) < n:
        word = "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4)))
        words.add(word.capitalize() if capital else word)
    return sorted(words)


def generate(
    articles: int, body: tuple[int, int] = (150, 400), seed: int = 7, events: int | None = None
) -> list[tuple[int, int, list[Entry]]]:
    """(feed index, poll time, entries) batches in poll order. `body`: the range of words
    of article text after the lead (the poller corpus, poll_feeds.py, has 150-400).
    `events`: another seed for the events only, with the same words and names."""
    rng = random.Random(seed)
    vocab = make_words(rng, 8000)
    names = make_words(rng, 4000, capital=True)
    if events is not None:
        rng = random.Random(events)
    span = max(1, articles // 2000) * 86400  # about 2,000 articles a day
    per_feed: list[list[tuple[int, Entry]]] = [[] for _ in range(FEEDS)]
    made = 0
    event = 0
    while made < articles:
        event += 1
        start = NOW - span + rng.randrange(span)
        people = rng.sample(names, 3)
        country = rng.choice(COUNTRIES)
        figure = rng.choice((rng.randint(10, 99), rng.randint(100, 99_999)))
        versions = 1 if rng.random() < 0.6 else rng.randint(2, 5)
        for feed in rng.sample(range(FEEDS), min(versions, articles - made)):
            words = rng.choices(vocab, k=60)
            title = (
                f"{words[0].capitalize()} {words[1]} {people[0]} {words[2]} {country}"
                f" {words[3]} {figure} {words[4]}"
            )
            lead = (
                f"{words[5].capitalize()} {words[6]} {people[1]} {words[7]} {words[8]} in"
                f" {country}, {words[9]} {figure} {' '.join(words[10:20])}. {people[2]}"
                f" {' '.join(words[20:32])}."
            )
            text = lead + " " + " ".join(rng.choices(vocab, k=rng.randint(*body)))
            published = start + rng.randint(0, 6 * 3600)
            guid = f"e{event}f{feed}"
            entry = Entry(
                guid=guid,
                url=f"https://news.example/{guid}",
                title=title,
                author="",
                published=published,
                updated=None,
                summary=lead,
                text=text,
                html=f"<p>{text}</p>",
            )
            per_feed[feed].append((published, entry))
            made += 1
    batches = []
    for feed, items in enumerate(per_feed):
        items.sort(key=lambda item: item[0])
        for i in range(0, len(items), BATCH):
            chunk = items[i : i + BATCH]
            batches.append((feed, chunk[-1][0] + 600, [e for _, e in chunk]))
    batches.sort(key=lambda b: b[1])
    return batches


def ingest_once(
    batches: list[tuple[int, int, list[Entry]]], grouping: bool, seen: list[Entry] = ()
) -> tuple[float, float, dict]:
    """(wall seconds, CPU seconds, facts) of one ingest into a fresh database. `seen`:
    articles whose words are cached first, as a poller that ran before has them."""
    stories.GROUPING = grouping
    # Each run starts with no words seen, as a poller does when it starts: otherwise
    # every run after the first would find all the words of the same articles cached.
    story_match.forget_words()
    for entry in seen:
        story_match.features(entry.title, entry.summary)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "bench.db")
        store.sync_feeds([FeedConfig(url=f"https://feed{i}.example/rss") for i in range(FEEDS)])
        store.sync_topics(
            [
                TopicConfig("Ukraine aid", UKRAINE_AID_QUERY),
                TopicConfig("EU migration", EU_MIGRATION_QUERY),
            ]
        )
        feed_ids = [f.id for f in store.feeds()]
        started, cpu = time.perf_counter(), time.process_time()
        for feed, polled, entries in batches:
            store.ingest(feed_ids[feed], entries, now=polled)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        conn = store.conn
        info = {
            "articles": store.count_articles(),
            "stories": store.story_count(View()),
            "key rows": conn.execute("SELECT count(*) FROM story_keys").fetchone()[0],
            "db MB": (Path(tmp) / "bench.db").stat().st_size / 1e6,
        }
        store.close()
    stories.GROUPING = True
    return elapsed, cpu, info


def bench_ingest(articles: int, runs: int, body: tuple[int, int], warm: int = 0) -> None:
    batches = generate(articles, body)
    # Other events in the same words: what a poller that ran for a while has cached.
    seen = [e for _, _, entries in generate(warm, body, events=8) for e in entries] if warm else []
    total = sum(len(b[2]) for b in batches)
    wall: dict[bool, list[float]] = {False: [], True: []}
    cpu: dict[bool, list[float]] = {False: [], True: []}
    info: dict = {}
    for _ in range(runs):  # alternating, so a busy moment of the machine hits both
        for grouping in (False, True):
            elapsed, used, stats = ingest_once(batches, grouping, seen)
            wall[grouping].append(elapsed)
            cpu[grouping].append(used)
            info = stats if grouping else info
            state = "on " if grouping else "off"
            print(f"  grouping {state}: {elapsed:.2f} s wall, {used:.2f} s CPU", file=sys.stderr)
    cached = f", words of {warm:,} other articles cached" if warm else ""
    title = f"ingest of {total:,} articles, {BATCH} per feed batch, {runs} runs{cached}"
    print(f"| {title} | wall | CPU |")
    print("|---|---|---|")
    # This machine is shared: other work slows some runs. The minimum is the least
    # disturbed run; the paired ratio compares each run with grouping to the run without
    # it just before, which cancels slow drifts in load.
    for pick in (min, statistics.median):
        name = pick.__name__
        w0, w1, c0, c1 = (pick(x) / total * 1e6 for x in (*wall.values(), *cpu.values()))
        print(f"| {name}: without grouping | {w0:.0f} us/article | {c0:.0f} us/article |")
        print(f"| {name}: with grouping | {w1:.0f} us/article | {c1:.0f} us/article |")
        print(f"| {name}: ratio | {w1 / w0:.3f} | {c1 / c0:.3f} |")
    pairs = [
        statistics.median(on / off for off, on in zip(x[False], x[True], strict=True))
        for x in (wall, cpu)
    ]
    print(f"| **median paired ratio** (target < 1.2) | **{pairs[0]:.3f}** | **{pairs[1]:.3f}** |")
    for key, value in info.items():
        shown = f"{value:,.1f}" if isinstance(value, float) else f"{value:,}"
        print(f"| {key} | {shown} | |")


# -- reading at scale --------------------------------------------------------------------


def build_read_db(path: Path, articles: int) -> None:
    """N articles over a year in 40 feeds, a quarter of them in stories of 2-5, written
    directly (no full-text index: story pages do not need it)."""
    rng = random.Random(11)
    store = Store(path)
    store.sync_feeds([FeedConfig(url=f"https://feed{i}.example/rss") for i in range(FEEDS)])
    conn = store.conn
    for name in ("articles_fts_insert", "articles_fts_delete", "articles_fts_update"):
        conn.execute(f"DROP TRIGGER {name}")
    span = 365 * 86400
    with db.write_transaction(conn):
        rows = []
        article_id = 0
        while article_id < articles:
            size = 1 if rng.random() < 0.75 else rng.randint(2, 5)
            published = NOW - span + rng.randrange(span)
            root = article_id + 1
            for j in range(min(size, articles - article_id)):
                article_id += 1
                rows.append(
                    (
                        article_id,
                        1 + rng.randrange(FEEDS),
                        f"g{article_id}",
                        f"Title {article_id}",
                        published + j * 600,
                        f"h{article_id}",
                        NOW,
                        int(rng.random() < 0.7),
                        root,
                    )
                )
            if len(rows) >= 50_000:
                _insert(conn, rows)
                rows = []
        _insert(conn, rows)
    conn.execute("ANALYZE")
    store.close()


def _insert(conn, rows: list[tuple]) -> None:  # type: ignore[no-untyped-def]
    conn.executemany(
        "INSERT INTO articles (id, feed_id, guid, title, published, content_hash, first_seen,"
        " read, story_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )


def bench_read(articles: int, runs: int) -> None:
    WORK.mkdir(parents=True, exist_ok=True)
    path = WORK / f"stories_{articles}.db"
    if not path.exists():
        print(f"building {path} ...", file=sys.stderr)
        build_read_db(path, articles)
    store = Store(path)
    unread = View(query="is:unread")
    cases = {
        "story_page, first page (all)": lambda: store.story_page(View(), 0, 50),
        "story_page, first page (is:unread)": lambda: store.story_page(unread, 0, 50),
        "story_page, page at 10,000 (cold)": lambda: stories.story_page(
            store.conn, View(), 10_000, 50
        ),
        "story_page, next page (cached)": lambda: store.story_page(View(), 10_050, 50),
        "story_count (all)": lambda: store.story_count(View()),
        "story_count (is:unread)": lambda: store.story_count(unread),
        "story_articles": lambda: store.story_articles(articles // 2),
    }
    print(f"| {articles:,} articles | median ms | worst ms |")
    print("|---|---|---|")
    for name, call in cases.items():
        times = []
        for _ in range(runs):
            if "cached" in name:
                store.story_page(View(), 10_000, 50)
            started = time.perf_counter()
            call()
            times.append((time.perf_counter() - started) * 1000)
        print(f"| {name} | {statistics.median(times):.1f} | {max(times):.1f} |")
    store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--body",
        type=int,
        nargs=2,
        default=(150, 400),
        metavar=("MIN", "MAX"),
        help="words of text after each lead (0 0: summary-only feeds)",
    )
    parser.add_argument(
        "--warm",
        type=int,
        default=0,
        metavar="N",
        help="cache the words of N other articles first (a poller that has run a while)",
    )
    parser.add_argument("--read", type=int, metavar="N", help="time story pages at N articles")
    args = parser.parse_args()
    if args.read:
        bench_read(args.read, args.runs)
    else:
        bench_ingest(args.articles, args.runs, tuple(args.body), args.warm)


if __name__ == "__main__":
    main()
