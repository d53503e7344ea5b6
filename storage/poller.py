"""Polling: which feeds are due, fetching them concurrently, and writing what they bring.

The same code runs three ways: `newsdeck poll --once`, the `newsdeck poll` daemon, and a
worker inside the dashboard. Fetches run concurrently on one asyncio loop (at most
`concurrency` at once, 2 per host); parsing and the database writes run on one
background thread (storage/feed_writer.py), so the loop keeps its deadlines while a big
feed is parsed, and the writes share one connection. Feeds whose fetches finished while
the writer was busy are written together in one transaction. A feed with
`full_text = true` also has its new articles' pages fetched and extracted
(storage/fulltext.py), and a successful poll's next time follows how often the feed
posts (storage/adaptive.py).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import itertools
import logging
import random
import signal
import threading
import time
from collections.abc import Awaitable, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from storage import stories
from storage.alerts import prepare_alerts, send_alerts
from storage.config import Config
from storage.db import DatabaseBusy
from storage.feed_writer import FeedOutcome, FeedWriter, Parsing, body_hash
from storage.fetch import FetchLimits, FetchResult, HostLimiter, fetch, make_client
from storage.fulltext import fetch_pages
from storage.parse_process import ParsePool
from storage.store import Feed, Store

log = logging.getLogger("newsdeck.poller")

# At most this many feeds, and about this many bytes of feed bodies, per write transaction.
BATCH_MAX_FEEDS = 64
BATCH_MAX_BYTES = 1 << 20
PARSE_AHEAD = 16  # feeds a parse process may parse before the writer reaches them
MAX_BACKLOG = 32  # feeds fetched or being fetched and not yet written, at most


@dataclass(slots=True)
class _Job:
    """One feed's fetch result on its way to the writer."""

    feed: Feed
    result: FetchResult
    started: int
    future: asyncio.Future[Any]
    digest: str | None = None  # the body's hash, taken when a parse process may be used
    needs_parse: bool = False  # a 200 with a new body
    submitted: bool = False  # offered to the parse process
    parsing: Parsing = None


Progress = Callable[[int, int, int], None]  # (feeds done, feeds total, new articles so far)


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


async def poll_async(
    db_path: Path,
    config: Config,
    *,
    force: bool = False,
    on_progress: Progress | None = None,
    rng: random.Random | None = None,
    parse_process: bool = False,
) -> PollSummary:
    """Poll the due feeds (every enabled feed when `force`) once. `parse_process`: parse
    bodies in a second process when there are many (storage/parse_process.py)."""
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
    writer = FeedWriter(db_path, config, rng)
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsdeck-writer")
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(executor, writer.open)
    semaphore = asyncio.Semaphore(config.poll.concurrency)
    # Fetched bodies wait in memory until written: when the writer is the slower side
    # (a first poll of many feeds), fetching pauses rather than holding every body.
    backlog = asyncio.Semaphore(max(MAX_BACKLOG, config.poll.concurrency))
    hosts = HostLimiter(per_host=2)
    outcomes: list[FeedOutcome] = []
    new_ids: list[int] = []

    def in_writer(job: Callable[[Store], Any]) -> Awaitable[Any]:
        return loop.run_in_executor(executor, writer.run, job)

    # Results wait here for the writer; whatever has piled up while it wrote the last
    # batch goes into the next transaction together (see FeedWriter.record_many).
    # With a parse process, bodies are handed to it up to PARSE_AHEAD feeds before the
    # writer reaches them (not further: parsed feeds would pile up in memory).
    pending: collections.deque[_Job] = collections.deque()
    drainer: asyncio.Task[None] | None = None
    parse_pool = ParsePool(enabled=parse_process, story_terms=stories.GROUPING)
    if parse_process and stories.GROUPING:
        writer.terms_later = parse_pool.submit_terms  # see storage/feed_writer.py

    def parse_ahead(jobs: Iterable[_Job], limit: int) -> None:
        for job in itertools.islice((j for j in jobs if j.needs_parse), limit):
            if not job.submitted and job.result.body is not None:
                if parse_pool.starting():
                    return  # offered once the worker is up; until then the writer parses
                job.submitted = True
                job.parsing = parse_pool.submit(
                    job.result.body, job.result.final_url, job.result.content_type, int(time.time())
                )

    def take_next() -> _Job:
        """The oldest job, unless the parse process is still on it while it has not begun a
        later one: then that later one, which the writer parses itself (a cancelled
        parse), so that neither side waits for the other."""
        head = pending[0].parsing
        if head is not None and not head.done():
            for i in range(1, len(pending)):
                later = pending[i].parsing
                if later is not None and later.cancel():
                    job = pending[i]
                    del pending[i]
                    return job
        return pending.popleft()

    async def drain() -> None:
        while pending:
            batch = [take_next()]
            size = len(batch[0].result.body or b"")
            while pending and len(batch) < BATCH_MAX_FEEDS:
                body = len(pending[0].result.body or b"")
                if size + body > BATCH_MAX_BYTES:
                    break
                if pending[0].needs_parse and parse_pool.running() and not pending[0].parsing:
                    break  # the parse process will get to it; the writer need not
                if parse_pool.starting():
                    break  # one feed at a time, so the worker gets the next once it is up
                if pending[0].parsing is not None and not pending[0].parsing.done():
                    break  # not parsed yet: the writer may find other work meanwhile
                batch.append(pending.popleft())
                size += body
            parse_ahead(pending, PARSE_AHEAD)
            items = [(j.feed, j.result, j.started, j.parsing, j.digest) for j in batch]
            try:
                results = await loop.run_in_executor(executor, writer.record_many, items)
            except BaseException as exc:
                results = [exc] * len(batch)
            for job, res in zip(batch, results, strict=True):
                if job.future.done():
                    continue
                if isinstance(res, BaseException):
                    job.future.set_exception(res)
                else:
                    job.future.set_result(res)

    async def write(feed: Feed, result: FetchResult, started: int) -> Any:
        nonlocal drainer
        job = _Job(feed, result, started, loop.create_future())
        if parse_pool.enabled and result.status == 200 and result.body is not None:
            # Hashed once here; the writer reuses it to see whether the body changed.
            job.digest = body_hash(result.body)
            job.needs_parse = result.error is None and job.digest != feed.body_hash
        pending.append(job)
        parse_ahead(pending, PARSE_AHEAD)
        if drainer is None or drainer.done():
            drainer = asyncio.create_task(drain())
        return await job.future

    async def one(feed: Feed, client: httpx.AsyncClient) -> None:
        async with backlog:
            async with semaphore, hosts.slot(feed.url):
                started = int(time.time())
                result = await fetch(
                    client,
                    feed.url,
                    etag=feed.etag,
                    last_modified=feed.last_modified,
                    limits=limits,
                )
            outcome, ids = await write(feed, result, started)
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
        # Let the batch handed to the writer finish; what never reached it is dropped.
        pending.clear()
        if drainer is not None:
            await asyncio.gather(drainer, return_exceptions=True)
        await loop.run_in_executor(executor, writer.close)
        executor.shutdown(wait=True)
        await asyncio.to_thread(parse_pool.close)
    order = {feed.url: i for i, feed in enumerate(due)}
    outcomes.sort(key=lambda o: order.get(o.url, len(order)))
    if new_ids:
        # After every write, bounded in time, and it never raises: see storage/alerts.py.
        await send_alerts(db_path, config)
    return PollSummary(tuple(outcomes), len(new_ids), tuple(new_ids))


def poll_once(
    db_path: Path,
    config: Config,
    *,
    force: bool = False,
    on_progress: Progress | None = None,
    parse_process: bool = False,
) -> PollSummary:
    """Blocking wrapper for threads and the command line."""
    return asyncio.run(
        poll_async(
            db_path, config, force=force, on_progress=on_progress, parse_process=parse_process
        )
    )


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
            round_task = asyncio.create_task(poll_async(db_path, config, parse_process=True))
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
