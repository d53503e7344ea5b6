"""Writing what one poll of a feed brought: parse the body, then one transaction.

The poller (storage/poller.py) fetches; `FeedWriter` runs on its single writer thread
with its own connection. For each fetch it decides what the answer means
(storage/schedule.py), parses a new body outside any transaction (or takes what the
parse process made of it, storage/parse_process.py), then upserts the
entries, matches topics and stories, and records the feed's state and a `polls` row.
Feeds that finished fetching while the previous transaction ran are written together in
one transaction (`record_many`): each feed's rows stay one unit, and a failure writes
them again one by one so one bad feed cannot lose the others.

Story terms (storage/story_match.py) cost the writer more than parsing does. With a
parse process at hand (`terms_later`), a body the writer parses itself (the worker is
starting, or behind) has its articles written at once without a story, and the worker
works out their terms meanwhile; they get their stories in a later transaction, the
first after the terms are back, or when the writer closes. If that never happens (the
process is killed), they stay without a story, shown as stories of their own, like
articles stored before grouping existed.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import logging
import random
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from storage.adaptive import adaptive_interval, recent_published
from storage.config import Config
from storage.db import DatabaseBusy, StorageError, errors_as_storage
from storage.fetch import FetchResult
from storage.parse import FeedError, ParsedFeed, parse_feed
from storage.parse_process import parsed_or_none
from storage.schedule import Decision, decide
from storage.store import Feed, Store, after_ingest, upsert_entries
from storage.stories import assign_stories
from storage.story_match import lead_of

log = logging.getLogger("newsdeck.poller")

# A feed's write waits up to storage.db.BUSY_TIMEOUT_S for the lock, this many times,
# so a write transaction held elsewhere for a while costs time, not the fetched data.
WRITE_ATTEMPTS = 3
TERMS_WAIT_S = 30.0  # how long closing waits for terms still being worked out
WRITER_CACHE_KIB = 8192  # the writer's page cache: 8 MB, four times SQLite's default

Parsing = Future[ParsedFeed | None] | None  # a body being parsed in storage/parse_process.py
Terms = Future[dict[tuple[str, str], Any]]  # story terms being worked out there
# Asks the parse process for the story terms of (title, lead) pairs; None: it cannot.
TermsLater = Callable[[list[tuple[str, str]]], Terms | None]


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


def body_hash(body: bytes | None) -> str | None:
    return None if body is None else hashlib.blake2b(body, digest_size=16).hexdigest()


class FeedWriter:
    """Parses and writes one feed at a time on a single thread with its own connection."""

    def __init__(self, db_path: Path, config: Config, rng: random.Random) -> None:
        self.db_path = db_path
        self.config = config
        self.rng = rng
        self.store: Store | None = None
        self.terms_later: TermsLater | None = None  # set by a poller with a parse process
        # Articles written without a story, and their terms being worked out.
        self.ungrouped: list[tuple[Terms, tuple[int, ...]]] = []
        # A feed's write failed in the database (a full disk, say): the poll reports it.
        self.write_error: StorageError | None = None
        # Feeds whose config names them keep that name; the others take the feed's own.
        self.titled = {f.url for f in config.feeds if f.title}

    def open(self) -> None:
        self.store = Store(self.db_path)
        # Topic matching (storage/topics.py) fills a temporary FTS table for each batch,
        # which SQLite would write out to a temporary file at every statement: 345 MB
        # (160,000 writes) for a cold 10,000-article poll. In memory it holds one
        # feed's new articles at a time; this connection sorts nothing bigger.
        self.store.conn.execute("PRAGMA temp_store = MEMORY")
        # A big poll's transactions touch more pages than SQLite's default 2 MB cache
        # holds: the full-text index, the articles, the story keys. Pages pushed out are
        # read back from the WAL and dirty ones spilled to it before the commit: a cold
        # 10,000-article full-text ingest made 222,000 such reads and writes, 154,000
        # with this cache. SQLite allocates its pages only as they are used.
        self.store.conn.execute(f"PRAGMA cache_size = -{WRITER_CACHE_KIB}")

    def close(self) -> None:
        if self.store is not None:
            try:
                self.group_ungrouped(wait=True)
            finally:
                self.store.close()

    def group_ungrouped(self, wait: bool = False) -> None:
        """Give stories to the articles written without one whose terms are back (all
        of them when `wait`: the writer is closing; terms the worker has not begun on
        are then worked out here, and ones it is on are waited for, up to
        TERMS_WAIT_S), in one transaction. A failure here is logged, not raised: those
        articles stay as they are, stories of their own."""
        if self.store is None:
            return
        ready, waiting = [], []
        for u in self.ungrouped:  # asked once each: a future may finish meanwhile
            (ready if wait or u[0].done() else waiting).append(u)
        if not ready:
            return
        self.ungrouped = waiting
        if wait:
            for terms, _ in ready:
                terms.cancel()  # not begun: the writer works them out rather than wait
        try:
            with errors_as_storage(self.db_path), self.store.transaction() as conn:
                for terms, ids in ready:
                    assign_stories(conn, (), ids, _terms_or_none(terms))
        except Exception:
            if not wait:  # the database was busy, say: again with the next batch
                self.ungrouped += ready
                return
            count = sum(len(u[1]) for u in ready)
            # After a failed write the poll reports that error (a full disk, a busy
            # database), on one line when it ends the poll; this failure most likely
            # has the same cause, and a second line would add nothing.
            report = log.debug if self.write_error is not None else log.warning
            report("could not group %d articles into stories", count)
            log.debug("grouping failed", exc_info=True)

    def run(self, job: Callable[[Store], Any]) -> Any:
        """Run `job` with this thread's store (full-text pages are saved this way)."""
        assert self.store is not None
        return job(self.store)

    def record_many(
        self, items: list[tuple[Feed, FetchResult, int, Parsing, str | None]]
    ) -> list[tuple[FeedOutcome, list[int]] | BaseException]:
        """Parse and write several feeds that finished close together, in one transaction.

        Each feed's writes stay complete and together (they are one unit inside the
        transaction); batching only saves the BEGIN/COMMIT per feed, which is most of
        what a 304 costs. If the batch fails, each feed is written again on its own so
        one bad feed cannot lose the others; its error is returned in its place.
        An item is (feed, fetch result, start time, its body being parsed in the parse
        process or None, the body's hash if the poller has taken it already or None).
        """
        assert self.store is not None
        self.group_ungrouped()
        prepared = []
        for item in items:
            try:
                prepared.append(self._prepare(*item))
            except Exception as exc:  # keep the others; this feed reports its error
                prepared.append(exc)
        todo = [p for p in prepared if not isinstance(p, BaseException)]
        if len(todo) > 1:
            try:
                written = iter(self._write_in_transaction(todo))
                return [p if isinstance(p, BaseException) else next(written) for p in prepared]
            except Exception:
                log.debug("batched write failed; writing feeds one by one", exc_info=True)
        out: list[tuple[FeedOutcome, list[int]] | BaseException] = []
        for p in prepared:
            if isinstance(p, BaseException):
                out.append(p)
                continue
            try:
                out.append(self._write_one(p))
            except Exception as exc:
                if isinstance(exc, StorageError):
                    self.write_error = exc
                out.append(exc)
        return out

    def _prepare(
        self,
        feed: Feed,
        result: FetchResult,
        started: int,
        parsing: Parsing = None,
        digest: str | None = None,
    ) -> tuple[Any, ...]:
        """Decide what the fetch means and parse its body (outside any transaction)."""
        now = int(time.time())
        interval = feed.interval_s or self.config.poll.interval
        if result.status != 200:
            digest = None
        elif digest is None:
            digest = body_hash(result.body)
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
        terms: Terms | None = None  # None: stories at once; else once these are back
        if decision.parse and result.body is not None:
            try:
                parsed = parsed_or_none(parsing)
                if parsed is None:
                    parsed = parse_feed(result.body, result.final_url, result.content_type, now=now)
                    if self.terms_later is not None and parsed.entries:
                        terms = self.terms_later(
                            [(e.title, lead_of(e.summary, e.text)) for e in parsed.entries]
                        )
            except FeedError as exc:
                decision = _failed(decision, feed, str(exc), interval, now, self.rng)
                digest = None  # parse it again next time: the server may fix it
        return (feed, result, decision, parsed, digest, started, now, terms)

    def _write_one(self, prepared: tuple[Any, ...]) -> tuple[FeedOutcome, list[int]]:
        """One feed in its own transaction, waiting for the lock up to WRITE_ATTEMPTS times."""
        for _ in range(WRITE_ATTEMPTS - 1):
            try:
                return self._write_in_transaction([prepared])[0]
            except DatabaseBusy:
                log.info("database busy; waiting again to write %s", prepared[0].url)
        return self._write_in_transaction([prepared])[0]

    def _write_in_transaction(
        self, prepared: list[tuple[Any, ...]]
    ) -> list[tuple[FeedOutcome, list[int]]]:
        assert self.store is not None
        # Domain errors (DatabaseBusy, a full disk), never sqlite3's, reach the caller.
        with errors_as_storage(self.db_path), self.store.transaction() as conn:
            return [self._write_rows(conn, *p) for p in prepared]

    def _write_rows(
        self,
        conn: sqlite3.Connection,
        feed: Feed,
        result: FetchResult,
        decision: Decision,
        parsed: ParsedFeed | None,
        digest: str | None,
        started: int,
        now: int,
        terms: Terms | None = None,
    ) -> tuple[FeedOutcome, list[int]]:
        new_ids: list[int] = []
        updated = 0
        # One feed's rows; the caller owns the transaction.
        if parsed is not None:
            known, grouped = parsed.story_features, terms is None
            ingest = upsert_entries(conn, feed.id, parsed.entries, now, known, grouped)
            after_ingest(conn, ingest, known, stories=grouped)
            if terms is not None and (ingest.new_ids or ingest.updated_ids):
                # Should this transaction roll back, these ids are stale: assign_stories
                # groups only those of them that are there and have no story yet.
                self.ungrouped.append((terms, (*ingest.new_ids, *ingest.updated_ids)))
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
                conn.execute("UPDATE feeds SET url = ? WHERE id = ?", (result.final_url, feed.id))
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


def _terms_or_none(terms: Terms) -> dict[tuple[str, str], Any] | None:
    """Terms worked out in the parse process, or None: the writer works them out."""
    try:
        return terms.result(timeout=TERMS_WAIT_S)
    except (Exception, concurrent.futures.CancelledError):
        log.debug("story terms from the parse process failed", exc_info=True)
        return None


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
