"""Polling: which feeds are due, fetching them concurrently, and writing what they bring.

The same code runs three ways: `newsdeck poll --once`, the `newsdeck poll` daemon, and a
worker inside the dashboard. Fetches run concurrently on one asyncio loop (at most
`concurrency` at once, 2 per host); parsing and the database write for each feed run
on one background thread, so the loop keeps its deadlines while a big feed is parsed and
the writes share one connection, one short transaction per feed. A feed with
`full_text = true` also has its new articles' pages fetched and extracted
(storage/fulltext.py), and a successful poll's next time follows how often the feed
posts (storage/adaptive.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import random
import signal
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from storage.adaptive import adaptive_interval, recent_published
from storage.alerts import prepare_alerts, send_alerts
from storage.config import Config
from storage.db import DatabaseBusy, errors_as_storage
from storage.fetch import FetchLimits, FetchResult, HostLimiter, fetch, make_client
from storage.fulltext import fetch_pages
from storage.parse import FeedError, ParsedFeed, parse_feed
from storage.schedule import Decision, decide
from storage.store import Feed, Store, after_ingest, upsert_entries

log = logging.getLogger("newsdeck.poller")

# A feed's write waits up to storage.db.BUSY_TIMEOUT_S for the lock, this many times,
# so a write transaction held elsewhere for a while costs time, not the fetched data.
WRITE_ATTEMPTS = 3

Progress = Callable[[int, int, int], None]  # (feeds done, feeds total, new articles so far)


@dataclass(frozen=True, slots=True)
class FeedOutcome:
    """What one feed's poll came to, in the words the command line prints."""

    url: str
    title: str
    status: str  # "ok", "not modified", "unchanged", "failed", "gone", "skipped"
    http_status: int | None
    new: int = 0
    updated: int = 0
    error: str | None = None
    warning: str | None = None


@dataclass(frozen=True, slots=True)
class PollSummary:
    feeds: tuple[FeedOutcome, ...] = ()
    new_articles: int = 0
    new_ids: tuple[int, ...] = field(default=(), repr=False)

    def count(self, status: str) -> int:
        return sum(1 for f in self.feeds if f.status == status)

    @property
    def failed(self) -> tuple[FeedOutcome, ...]:
        return tuple(f for f in self.feeds if f.status in ("failed", "gone"))


def body_hash(body: bytes | None) -> str | None:
    return None if body is None else hashlib.blake2b(body, digest_size=16).hexdigest()


def limits_of(config: Config) -> FetchLimits:
    poll = config.poll
    if poll.user_agent:
        return FetchLimits(
            timeout=poll.timeout, max_bytes=poll.max_bytes, user_agent=poll.user_agent
        )
    return FetchLimits(timeout=poll.timeout, max_bytes=poll.max_bytes)


def feeds_to_poll(store: Store, config: Config, *, force: bool, now: int) -> list[Feed]:
    """Active feeds from the config that are due (or all of them when forced).

    A forced poll still waits out a Retry-After that has not expired.
    """
    wanted = {f.url for f in config.feeds if f.enabled}
    due = []
    for feed in store.feeds():
        if feed.state != "active" or (feed.config_url or feed.url) not in wanted:
            continue
        if feed.retry_until is not None and feed.retry_until > now:
            continue
        if force or feed.next_poll_at is None or feed.next_poll_at <= now:
            due.append(feed)
    return due


class _Writer:
    """Parses and writes one feed at a time on a single thread with its own connection."""

    def __init__(self, db_path: Path, config: Config, rng: random.Random) -> None:
        self.db_path = db_path
        self.config = config
        self.rng = rng
        self.store: Store | None = None
        # Feeds whose config names them keep that name; the others take the feed's own.
        self.titled = {f.url for f in config.feeds if f.title}

    def open(self) -> None:
        self.store = Store(self.db_path)

    def close(self) -> None:
        if self.store is not None:
            self.store.close()

    def run(self, job: Callable[[Store], Any]) -> Any:
        """Run `job` with this thread's store (full-text pages are saved this way)."""
        assert self.store is not None
        return job(self.store)

    def record(
        self, feed: Feed, result: FetchResult, started: int
    ) -> tuple[FeedOutcome, list[int]]:
        assert self.store is not None
        now = int(time.time())
        interval = feed.interval_s or self.config.poll.interval
        digest = body_hash(result.body) if result.status == 200 else None
        decision = decide(
            result,
            now=now,
            interval=interval,
            error_count=feed.error_count,
            previous_body_hash=feed.body_hash,
            body_hash=digest,
            rng=self.rng,
        )
        parsed: ParsedFeed | None = None
        if decision.parse and result.body is not None:
            try:
                parsed = parse_feed(result.body, result.final_url, result.content_type, now=now)
            except FeedError as exc:
                decision = _failed(decision, feed, str(exc), interval, now, self.rng)
                digest = None  # parse it again next time: the server may fix it
        write = (feed, result, decision, parsed, digest, started, now)
        for _ in range(WRITE_ATTEMPTS - 1):
            try:
                return self._write(*write)
            except DatabaseBusy:
                log.info("database busy; waiting again to write %s", feed.url)
        return self._write(*write)

    def _write(
        self,
        feed: Feed,
        result: FetchResult,
        decision: Decision,
        parsed: ParsedFeed | None,
        digest: str | None,
        started: int,
        now: int,
    ) -> tuple[FeedOutcome, list[int]]:
        assert self.store is not None
        new_ids: list[int] = []
        updated = 0
        # Domain errors (DatabaseBusy, a full disk), never sqlite3's, reach the caller.
        with errors_as_storage(self.db_path), self.store.transaction() as conn:
            if parsed is not None:
                ingest = upsert_entries(conn, feed.id, parsed.entries, now)
                after_ingest(conn, ingest)
                new_ids = list(ingest.new_ids)
                updated = len(ingest.updated_ids)
            ok = decision.error is None
            next_poll_at, effective = decision.next_poll_at, None
            if ok:
                # Adaptive polling: a feed that posts rarely is fetched less often.
                interval = feed.interval_s or self.config.poll.interval
                effective = adaptive_interval(recent_published(conn, feed.id), interval, now=now)
                next_poll_at = max(next_poll_at, now + effective)
            retry_until = None
            if result.status in (429, 503) and result.retry_after:
                retry_until = now + int(result.retry_after)
            conn.execute(
                """UPDATE feeds SET
                     etag = CASE WHEN :ok AND :status = 200 THEN :etag ELSE etag END,
                     last_modified = CASE WHEN :ok AND :status = 200 THEN :lm
                                          ELSE last_modified END,
                     body_hash = CASE WHEN :ok AND :status = 200 THEN :digest ELSE body_hash END,
                     title = CASE WHEN :titled THEN title ELSE coalesce(:feed_title, title) END,
                     site_url = coalesce(:site, site_url),
                     warning = CASE WHEN :parsed THEN :warning ELSE warning END,
                     state = :state, next_poll_at = :next, retry_until = :retry_until,
                     effective_interval_s = coalesce(:effective, effective_interval_s),
                     error_count = :errors, last_status = :status, last_error = :error,
                     last_polled_at = :now,
                     last_ok_at = CASE WHEN :ok THEN :now ELSE last_ok_at END
                   WHERE id = :id""",
                {
                    "ok": ok,
                    "status": result.status,
                    "etag": result.etag,
                    "lm": result.last_modified,
                    "digest": digest,
                    "feed_title": (parsed.title or None) if parsed else None,
                    "titled": (feed.config_url or feed.url) in self.titled,
                    "site": parsed.site_url if parsed else None,
                    "parsed": parsed is not None,
                    "warning": parsed.warning if parsed else None,
                    "state": decision.state,
                    "next": next_poll_at,
                    "effective": effective,
                    "retry_until": retry_until,
                    "errors": decision.error_count,
                    "error": decision.error,
                    "now": now,
                    "id": feed.id,
                },
            )
            if result.ok and result.permanent_redirect and result.final_url != feed.url:
                taken = conn.execute(
                    "SELECT 1 FROM feeds WHERE url = ? AND id != ?", (result.final_url, feed.id)
                ).fetchone()
                if taken is None:
                    conn.execute(
                        "UPDATE feeds SET url = ? WHERE id = ?", (result.final_url, feed.id)
                    )
            conn.execute(
                "INSERT INTO polls (feed_id, started, status, duration_ms, new, updated, error)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    feed.id,
                    started,
                    result.status,
                    int(result.elapsed * 1000),
                    len(new_ids),
                    updated,
                    decision.error,
                ),
            )
        outcome = FeedOutcome(
            url=feed.url,
            title=feed.name,
            status=_status_word(result, decision, parsed),
            http_status=result.status,
            new=len(new_ids),
            updated=updated,
            error=decision.error,
            warning=parsed.warning if parsed else None,
        )
        return outcome, new_ids


def _failed(
    decision: Decision, feed: Feed, message: str, interval: int, now: int, rng: random.Random
) -> Decision:
    """A 200 whose body is not a feed counts as an error, with backoff."""
    from storage.schedule import backoff_seconds

    errors = feed.error_count + 1
    return Decision(
        decision.state, now + backoff_seconds(errors, interval, rng), errors, message, parse=False
    )


def _status_word(result: FetchResult, decision: Decision, parsed: ParsedFeed | None) -> str:
    if decision.state == "gone":
        return "gone"
    if decision.error is not None:
        return "failed"
    if result.status == 304:
        return "not modified"
    if parsed is None:
        return "unchanged"
    return "ok"


async def poll_async(
    db_path: Path,
    config: Config,
    *,
    force: bool = False,
    on_progress: Progress | None = None,
    rng: random.Random | None = None,
) -> PollSummary:
    """Poll the due feeds (every enabled feed when `force`) once."""
    rng = rng or random.Random()
    with Store(db_path) as store:
        store.sync_feeds(config.feeds)
        sync_topics = getattr(store, "sync_topics", None)
        if sync_topics is not None:
            sync_topics(config.topics)
        prepare_alerts(store, config)  # before the writes: see storage/alerts.py
        due = feeds_to_poll(store, config, force=force, now=int(time.time()))
    total = len(due)
    if on_progress:
        on_progress(0, total, 0)
    if not due:
        return PollSummary()

    limits = limits_of(config)
    writer = _Writer(db_path, config, rng)
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsdeck-writer")
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(executor, writer.open)
    semaphore = asyncio.Semaphore(config.poll.concurrency)
    hosts = HostLimiter(per_host=2)
    outcomes: list[FeedOutcome] = []
    new_ids: list[int] = []

    def in_writer(job: Callable[[Store], Any]) -> Awaitable[Any]:
        return loop.run_in_executor(executor, writer.run, job)

    async def one(feed: Feed, client: httpx.AsyncClient) -> None:
        async with semaphore, hosts.slot(feed.url):
            started = int(time.time())
            result = await fetch(
                client, feed.url, etag=feed.etag, last_modified=feed.last_modified, limits=limits
            )
        outcome, ids = await loop.run_in_executor(executor, writer.record, feed, result, started)
        if ids and feed.full_text:
            await fetch_pages(
                ids,
                client=client,
                limits=limits,
                in_writer=in_writer,
                semaphore=semaphore,
                hosts=hosts,
            )
        outcomes.append(outcome)
        new_ids.extend(ids)
        if on_progress:
            on_progress(len(outcomes), total, len(new_ids))

    try:
        async with make_client(limits, concurrency=config.poll.concurrency) as client:
            tasks = [asyncio.create_task(one(feed, client)) for feed in due]
            try:
                await asyncio.gather(*tasks)
            except BaseException:
                for task in tasks:
                    task.cancel()
                # Let transactions already handed to the writer finish before we go.
                await asyncio.gather(*tasks, return_exceptions=True)
                raise
    finally:
        await loop.run_in_executor(executor, writer.close)
        executor.shutdown(wait=True)
    order = {feed.url: i for i, feed in enumerate(due)}
    outcomes.sort(key=lambda o: order.get(o.url, len(order)))
    if new_ids:
        # After every write, bounded in time, and it never raises: see storage/alerts.py.
        await send_alerts(db_path, config)
    return PollSummary(tuple(outcomes), len(new_ids), tuple(new_ids))


def poll_once(
    db_path: Path, config: Config, *, force: bool = False, on_progress: Progress | None = None
) -> PollSummary:
    """Blocking wrapper for threads and the command line."""
    return asyncio.run(poll_async(db_path, config, force=force, on_progress=on_progress))


def seconds_until_next_due(db_path: Path, config: Config, now: int | None = None) -> float:
    """How long the daemon may sleep before some feed falls due."""
    now = int(time.time()) if now is None else now
    wanted = {f.url for f in config.feeds if f.enabled}
    with Store(db_path) as store:
        times = [
            max(f.next_poll_at or now, f.retry_until or now)
            for f in store.feeds()
            if f.state == "active" and (f.config_url or f.url) in wanted
        ]
    if not times:
        return float(config.poll.interval)
    return max(0.0, min(times) - now)


def run_forever(
    db_path: Path,
    config: Config,
    *,
    on_round: Callable[[PollSummary], None] | None = None,
    stop: threading.Event | None = None,
    max_sleep: float = 60.0,
) -> None:
    """Poll feeds as they fall due until SIGINT/SIGTERM (or `stop` is set).

    A signal lets the feed transactions in flight finish: the current round's fetches
    are cancelled, and the writer thread completes whatever write it had started.
    """
    stop = stop or threading.Event()
    asyncio.run(_forever(db_path, config, on_round, stop, max_sleep))


async def _forever(
    db_path: Path,
    config: Config,
    on_round: Callable[[PollSummary], None] | None,
    stop: threading.Event,
    max_sleep: float,
) -> None:
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()

    def request_stop() -> None:
        stop.set()
        stopping.set()

    installed = []
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, request_stop)
            installed.append(sig)
    try:
        while not stop.is_set():
            round_task = asyncio.create_task(poll_async(db_path, config))
            stop_task = asyncio.create_task(stopping.wait())
            done, _ = await asyncio.wait(
                {round_task, stop_task}, return_when=asyncio.FIRST_COMPLETED
            )
            if round_task not in done:
                round_task.cancel()
                await asyncio.gather(round_task, return_exceptions=True)
                break
            stop_task.cancel()
            try:
                summary = round_task.result()
            except DatabaseBusy:
                # Another program held the database past every wait: not fatal for a
                # daemon; the feeds not written are still due, so the next round retries.
                log.warning("%s: database busy (another program is writing); retrying", db_path)
                summary = PollSummary()
            if on_round:
                on_round(summary)
            if stop.is_set():
                break
            wait = min(max_sleep, await asyncio.to_thread(seconds_until_next_due, db_path, config))
            # Sleep in short steps: `stop` may be set from another thread.
            deadline = loop.time() + max(1.0, wait)
            while not stop.is_set() and loop.time() < deadline:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(
                        stopping.wait(), timeout=min(0.5, deadline - loop.time())
                    )
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)
