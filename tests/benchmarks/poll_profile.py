"""Where newsdeck's poll spends its time: `bench_poll.py --profile` calls `profile_poll`.

`poll_once` runs in this process with two profilers: one on the event-loop thread
(fetching with httpx) and one on the writer thread (parse, clean, upsert with FTS
triggers, topic matching, commit), which is where `storage.feed_writer.FeedWriter.record_many` runs.
cProfile only sees the thread it was enabled on, hence the wrapper around `record`;
nothing in storage/ is changed. Profiling slows Python code down (roughly 1.5-2x), so
read the shares, not the absolute seconds.
"""

from __future__ import annotations

import cProfile
import pstats
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# (label, file suffix, function name, caller (file suffix, function) or None)
Key = tuple[str, str, str, tuple[str, str] | None]
BREAKDOWN: list[Key] = [
    ("writer: all of FeedWriter.record_many", "storage/feed_writer.py", "record_many", None),
    ("  parse_feed (decode + lxml + fields + clean)", "storage/parse.py", "parse_feed", None),
    ("    _read_xml (prepare, lxml parse, tree walk)", "storage/parse.py", "_read_xml", None),
    ("      read_xml_feed (the tree walk alone)", "storage/feed_xml.py", "read_xml_feed", None),
    ("    html_to_text (clean.py)", "storage/clean.py", "html_to_text", None),
    ("    dates", "storage/dates.py", "parse_date", None),
    ("  body hash of the feed", "storage/feed_writer.py", "body_hash", None),
    ("  upsert_entries (all)", "storage/store.py", "upsert_entries", None),
    ("    content_hash", "storage/store.py", "content_hash", None),
    (
        "    UPSERT statements (row + indexes + FTS trigger)",
        "~",
        "<method 'execute' of 'sqlite3.Connection' objects>",
        ("storage/store.py", "upsert_entries"),
    ),
    ("  topic matching (assign_topics)", "storage/topics.py", "assign_topics", None),
    ("  story grouping (assign_stories)", "storage/stories.py", "assign_stories", None),
    (
        "  COMMIT / BEGIN",
        "~",
        "<method 'execute' of 'sqlite3.Connection' objects>",
        ("storage/db.py", "write_transaction"),
    ),
    ("  _write_rows (feed row, polls row, ingest)", "storage/feed_writer.py", "_write_rows", None),
]
LOOP: list[Key] = [
    ("loop: storage.fetch.fetch (httpx, incl. GIL waits)", "storage/fetch.py", "fetch", None),
    (
        "loop: epoll wait (idle: waiting for server/writer)",
        "~",
        "<method 'poll' of 'select.epoll' objects>",
        None,
    ),
]


def _find(stats: dict[Any, Any], key: Key) -> tuple[float, float, int]:
    """(cumulative s, own s, calls) of the function, optionally only from one caller."""
    _, suffix, name, caller = key
    cum = own = 0.0
    calls = 0
    for (file, _line, func), (_cc, nc, tt, ct, callers) in stats.items():
        if func != name or not file.endswith(suffix):
            continue
        if caller is None:
            cum, own, calls = cum + ct, own + tt, calls + nc
            continue
        for (cfile, _cline, cfunc), edge in callers.items():
            if cfunc == caller[1] and cfile.endswith(caller[0]):
                cum, own, calls = cum + edge[3], own + edge[2], calls + edge[1]
    return cum, own, calls


def breakdown(writer: pstats.Stats, loop: pstats.Stats, wall: float, entries: int) -> str:
    """A small table: seconds, share of the wall time, and per-entry cost."""
    lines = [
        f"{'':54} {'cum s':>7} {'% wall':>7} {'ms/entry':>9} {'calls':>7}",
        "-" * 88,
    ]
    for keys, stats in ((BREAKDOWN, writer), (LOOP, loop)):
        raw = stats.stats  # type: ignore[attr-defined]
        for key in keys:
            cum, _own, calls = _find(raw, key)
            per = f"{cum / entries * 1000:9.3f}" if entries else f"{'–':>9}"
            lines.append(f"{key[0]:54} {cum:7.2f} {cum / wall * 100:6.1f}% {per} {calls:7}")
    return "\n".join(lines)


def profile_poll(
    db: Path,
    config_path: Path,
    out: Path,
    switch: Callable[[str], object],
    items_per_feed: int,
    top: int,
) -> None:
    """Cold, warm and change polls of `config_path`'s feeds into `db`, each profiled."""
    import storage.feed_writer as feed_writer
    import storage.poller as poller
    from storage.config import parse_config

    config = parse_config(config_path.read_bytes(), config_path)
    writer_prof = cProfile.Profile()
    original = feed_writer.FeedWriter.record_many

    def record(self: Any, *args: Any, **kwargs: Any) -> Any:
        writer_prof.enable()
        try:
            return original(self, *args, **kwargs)
        finally:
            writer_prof.disable()

    feed_writer.FeedWriter.record_many = record  # type: ignore[method-assign]
    try:
        switch("base")
        for phase in ("cold", "warm", "change"):
            if phase == "change":
                switch("changed")
            writer_prof = cProfile.Profile()
            loop_prof = cProfile.Profile()
            started = time.perf_counter()
            loop_prof.enable()
            summary = poller.poll_once(db, config, force=True, parse_process=True)
            loop_prof.disable()
            wall = time.perf_counter() - started
            written = sum(f.new + f.updated for f in summary.feeds)
            parsed = sum(1 for f in summary.feeds if f.status == "ok")
            entries = parsed * items_per_feed
            writer_prof.dump_stats(out / f"profile-{phase}-writer.prof")
            loop_prof.dump_stats(out / f"profile-{phase}-loop.prof")
            writer = pstats.Stats(writer_prof)
            loop = pstats.Stats(loop_prof)
            print(
                f"\n=== {phase}: {wall:.2f} s in poll_once (profiled); {parsed} feeds parsed,"
                f" {entries} entries parsed, {summary.new_articles} new +"
                f" {written - summary.new_articles} updated written (ms/entry: per parsed entry)"
            )
            print(breakdown(writer, loop, wall, entries))
            print(f"\n--- {phase}, writer thread, by own time")
            writer.sort_stats("tottime").print_stats(top)
            print(f"--- {phase}, event-loop thread, by own time")
            loop.sort_stats("tottime").print_stats(top // 2)
    finally:
        feed_writer.FeedWriter.record_many = original  # type: ignore[method-assign]


def _clock() -> float:
    return time.perf_counter()


def stage_costs(corpus_root: Path, urls: list[str], config_path: Path, work: Path) -> None:
    """The poll's writer-side stages one after another on one thread, no network, no profiler.

    Parses every base feed, converts every entry's HTML again on its own (the clean share
    of parsing), then stores the parsed feeds in a fresh database three ways: as the
    poller does (FTS triggers and the config's topics), without the FTS triggers (dropped
    in that scratch database only), and without topics. Finally the changed feeds are
    parsed and stored on top of the first database, like the change poll.
    """
    import sqlite3

    from storage.clean import html_to_text
    from storage.config import Config, parse_config
    from storage.parse import parse_feed
    from storage.store import Store, after_ingest, upsert_entries

    config = parse_config(config_path.read_bytes(), config_path)
    bodies = {
        which: [(corpus_root / which / f"{i:03d}.xml").read_bytes() for i in range(len(urls))]
        for which in ("base", "changed")
    }
    now = int(time.time())

    def parse_all(which: str, only: list[int] | None = None) -> tuple[list[Any], float]:
        t = _clock()
        picked = range(len(urls)) if only is None else only
        parsed = [(i, parse_feed(bodies[which][i], urls[i], None, now=now)) for i in picked]
        return parsed, _clock() - t

    base, t_parse = parse_all("base")
    n = sum(len(p.entries) for _, p in base)
    t = _clock()
    for _, p in base:
        for e in p.entries:
            html_to_text(e.html)
    t_clean = _clock() - t

    import storage.topics

    timers = {"topics": 0.0, "stories": 0.0}
    patched: list[tuple[Any, str, Any]] = []

    def timed(module: Any, name: str, key: str) -> None:
        """Wrap module.name so store.after_ingest's calls to it are timed."""
        original = getattr(module, name)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            t = _clock()
            try:
                return original(*args, **kwargs)
            finally:
                timers[key] += _clock() - t

        patched.append((module, name, original))
        setattr(module, name, wrapper)

    timed(storage.topics, "assign_topics", "topics")
    try:
        import storage.stories

        timed(storage.stories, "assign_stories", "stories")
    except ImportError:
        pass

    def store_all(
        db: Path, parsed: list[Any], cfg: Config, drop_fts: bool = False
    ) -> dict[str, float]:
        times = {"upsert": 0.0, "after_ingest": 0.0, "commit": 0.0}
        timers.update(topics=0.0, stories=0.0)
        with Store(db) as store:
            store.sync_feeds(cfg.feeds, now=now)
            store.sync_topics(cfg.topics)
            if drop_fts:
                for name in ("insert", "update", "delete"):
                    store.conn.execute(f"DROP TRIGGER IF EXISTS articles_fts_{name}")
            ids = {f.config_url or f.url: f.id for f in store.feeds()}
            for i, p in parsed:
                with store.transaction() as conn:
                    t0 = _clock()
                    result = upsert_entries(conn, ids[urls[i]], p.entries, now)
                    t1 = _clock()
                    after_ingest(conn, result)
                    t2 = _clock()
                times["upsert"] += t1 - t0
                times["after_ingest"] += t2 - t1
                times["commit"] += _clock() - t2
        times.update(timers)
        return times

    dbs = work / "stages"
    dbs.mkdir(exist_ok=True)
    for old in dbs.glob("*.db*"):
        old.unlink()
    try:
        full = store_all(dbs / "full.db", base, config)
        no_fts = store_all(dbs / "nofts.db", base, config, drop_fts=True)
        no_topics = store_all(dbs / "notopics.db", base, Config(feeds=config.feeds))
        changed_ids = [i for i in range(len(urls)) if bodies["changed"][i] != bodies["base"][i]]
        changed, t_parse_changed = parse_all("changed", changed_ids)
        n_changed = sum(len(p.entries) for _, p in changed)
        change = store_all(dbs / "full.db", changed, config)
    finally:
        for module, name, original in patched:
            setattr(module, name, original)
    with sqlite3.connect(dbs / "full.db") as conn:
        size = conn.execute("PRAGMA page_count").fetchone()[0] * 4096 / 1e6

    def row(label: str, seconds: float, entries: int) -> str:
        return f"| {label} | {seconds:.2f} | {seconds / entries * 1000:.3f} |"

    cold_total = t_parse + full["upsert"] + full["after_ingest"] + full["commit"]
    print(f"\n=== writer stages, one thread, no network ({n} entries, {len(urls)} feeds)")
    print("\n| stage (cold: every entry new) | s | ms per entry |\n|---|---|---|")
    print(row("parse_feed, all of it", t_parse, n))
    print(row("  of which html_to_text (timed alone)", t_clean, n))
    print(row("  the rest: decode, lxml, fields, dates, URLs", t_parse - t_clean, n))
    print(row("upsert_entries (row, 5 indexes, FTS trigger)", full["upsert"], n))
    print(row("  without the FTS triggers", no_fts["upsert"], n))
    print(row("  → FTS share of the upsert", full["upsert"] - no_fts["upsert"], n))
    print(row("after_ingest, all of it", full["after_ingest"], n))
    print(row("  topic matching (assign_topics, 2 topics)", full["topics"], n))
    print(row("  story grouping (assign_stories)", full["stories"], n))
    print(row("  with no topics configured: topics", no_topics["topics"], n))
    print(row("COMMIT (WAL, synchronous=NORMAL), 1 per feed", full["commit"], n))
    print(row("**total writer work**", cold_total, n))
    print(f"\ndatabase after cold: {size:.1f} MB")
    print(
        f"\n| stage (change: {len(changed)} feeds re-parsed, {n_changed} entries) | s |"
        " ms per parsed entry |\n|---|---|---|"
    )
    print(row("parse_feed", t_parse_changed, n_changed))
    print(row("upsert_entries", change["upsert"], n_changed))
    print(row("after_ingest, all of it", change["after_ingest"], n_changed))
    print(row("  topic matching", change["topics"], n_changed))
    print(row("  story grouping", change["stories"], n_changed))
    print(row("COMMIT", change["commit"], n_changed))
