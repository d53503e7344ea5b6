"""Parsing feed bodies in a second process, so a big poll keeps both cores busy.

The writer thread (storage/feed_writer.py) parses and writes under one GIL; on a cold
poll of hundreds of feeds the event loop mostly waits for it. `ParsePool` hands the
bodies to one worker process a few feeds ahead of the writer, which then only writes.

It is an optimisation and nothing depends on it: the pool starts only once a poll has
more than START_AFTER bodies to parse, or more than START_AFTER_BYTES of them (a poll
with a few small changed feeds, as a daemon's usually are, does not pay for a process;
one with a few big ones does), and whenever it cannot start, breaks, or the body
is not a feed, `submit` or the future gives None and the writer parses the body itself,
as without a pool. Neither side waits for the other while there is parsing left to do:
the worker takes a few tenths of a second to start, and meanwhile (`starting`) the
writer parses on; bodies are offered to the worker only once it is up; and when the
worker is behind, the writer takes a body it has not begun (the poller cancels that
parse) rather than wait.
`newsdeck poll` uses it, once and as a daemon; the dashboard's polls do not (a child
process there would share the terminal).
"""

from __future__ import annotations

import concurrent.futures
import logging
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import replace

from storage.parse import FeedError, ParsedFeed, parse_feed
from storage.story_match import Packed, features, known_features

log = logging.getLogger("newsdeck.poller")

START_AFTER = 8  # bodies a poll parses in the writer before it starts the process
START_AFTER_BYTES = 256 * 1024  # or fewer, once they weigh this much
PARENT_CHECK_S = 0.5  # how often the worker checks that the poller is still there


def _start_worker(parent: int) -> None:
    """In the worker: Ctrl-C reaches the whole process group, and only the poller decides
    what it means (the worker would print a KeyboardInterrupt traceback). And the worker
    ends when the poller does, even by kill -9, rather than lingering as an orphan."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_S)
    os._exit(0)


def _ready() -> bool:
    return True


def _parse(
    body: bytes, url: str, content_type: str | None, now: int, story_terms: bool = True
) -> ParsedFeed | None:
    """parse_feed in the worker, with the entries' story terms worked out here too (the
    writer's costliest Python after parsing); None when the body is not a feed (the
    writer then parses it again itself, to record the FeedError with all it carries)."""
    try:
        parsed = parse_feed(body, url, content_type, now=now)
    except FeedError:
        return None
    if not story_terms:
        return parsed
    return replace(parsed, story_features=known_features(parsed.entries))


def _terms(pairs: list[tuple[str, str]]) -> dict[tuple[str, str], Packed]:
    """Story terms of (title, lead) pairs, for articles the writer parsed itself."""
    return {pair: features(*pair).packed() for pair in pairs}


class ParsePool:
    """At most one worker process, started lazily; see the module's docstring."""

    def __init__(
        self,
        enabled: bool = True,
        start_after: int | None = None,
        story_terms: bool = True,
        start_after_bytes: int | None = None,
    ) -> None:
        self.enabled = enabled
        self.story_terms = story_terms  # work out the entries' story terms there too
        self.start_after = START_AFTER if start_after is None else start_after
        self.start_after_bytes = (
            START_AFTER_BYTES if start_after_bytes is None else start_after_bytes
        )
        self.seen = 0
        self.seen_bytes = 0
        self.pool: ProcessPoolExecutor | None = None
        self.started: Future[bool] | None = None  # done once the worker is up

    def submit(
        self, body: bytes, url: str, content_type: str | None, now: int
    ) -> Future[ParsedFeed | None] | None:
        """Start parsing `body` in the worker, or None: parse it in the writer."""
        self.seen += 1
        self.seen_bytes += len(body)
        small = self.seen_bytes <= self.start_after_bytes
        if not self.enabled or (self.seen <= self.start_after and small):
            return None
        try:
            if self.pool is None:
                # spawn, not fork: the poller has threads. A spawned worker is our own
                # child, reaped at close, so its CPU time counts as the poll's.
                self.pool = ProcessPoolExecutor(
                    max_workers=1,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_start_worker,
                    initargs=(os.getpid(),),
                )
                self.started = self.pool.submit(_ready)
                return None  # the writer parses this one while the worker starts
            return self.pool.submit(_parse, body, url, content_type, now, self.story_terms)
        except Exception:
            log.debug("parse process unavailable; parsing in the writer", exc_info=True)
            self.enabled = False
            return None

    def submit_terms(
        self, pairs: list[tuple[str, str]]
    ) -> Future[dict[tuple[str, str], Packed]] | None:
        """Work out the story terms of (title, lead) pairs in the worker (once it is up,
        when it is starting), or None: there is no worker, or it does not do terms."""
        pool = self.pool
        if pool is None or not self.enabled or not self.story_terms:
            return None
        try:
            return pool.submit(_terms, pairs)
        except Exception:
            log.debug("parse process unavailable for story terms", exc_info=True)
            return None

    def starting(self) -> bool:
        """Whether the worker is being started: a body handed to it now would wait."""
        return self.started is not None and not self.started.done()

    def running(self) -> bool:
        """Whether the worker is up and takes bodies."""
        return self.pool is not None and not self.starting()

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None


def parsed_or_none(parsing: Future[ParsedFeed | None] | None) -> ParsedFeed | None:
    """The worker's result, or None when the writer must parse the body itself (no
    worker, not a feed, the worker failed, or it has not begun on this body yet: it is
    behind, so the writer takes the body and the worker skips it)."""
    if parsing is None or (not parsing.done() and parsing.cancel()):
        return None
    try:
        return parsing.result()
    except (Exception, concurrent.futures.CancelledError):
        log.debug("parse process failed; parsing in the writer", exc_info=True)
        return None
