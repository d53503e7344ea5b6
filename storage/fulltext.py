"""Full text of articles: fetch the article's web page, extract its main text, cache it.

Many feeds carry only a summary. For a feed with `full_text = true` the poller fetches
the page of every new article right after ingest (`fetch_pages`); for any other
article the dashboard asks on demand (`fetch_full_text` from a thread worker, or
`fetch_full_text_async` on its loop). Either way:

- the page comes through storage.fetch.fetch_page (the feeds' limits: deadline, size
  cap, redirects and User-Agent; http(s) only; a 200 that is not HTML is refused);
- storage.page_extract finds the article in it (trafilatura, fast mode) and makes
  Markdown for the reader and plain text for search;
- the result lands in articles.full_markdown / full_text / full_text_at (full_text is
  in the FTS index through the v2 triggers, and topic membership is matched again), or,
  when something failed, full_text_error says what in words. The feed's own text and
  HTML are never touched.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import sqlite3
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from storage import db
from storage.page_extract import NO_ARTICLE, Extracted, extract_page

if TYPE_CHECKING:
    import httpx

    from storage.config import Config
    from storage.fetch import FetchLimits, HostLimiter
    from storage.store import Store

__all__ = [
    "NO_ARTICLE",
    "NO_LINK",
    "Extracted",
    "FullTextResult",
    "cached_full_text",
    "fetch_full_text",
    "fetch_full_text_async",
    "fetch_pages",
    "load",
    "save",
]

log = logging.getLogger("newsdeck.fulltext")
T = TypeVar("T")

NO_LINK = "the article has no link to a web page"
# A newly added full-text feed may bring a hundred entries at once: fetch the newest
# few at ingest (politeness to its site); the rest are one `f` away in the reader.
PAGES_PER_FEED_POLL = 30


@dataclass(frozen=True, slots=True)
class FullTextResult:
    """An article's full text as stored: what the reader shows after `f`.

    `markdown` and `text` are those of the last successful extraction (None if there
    never was one); `error` says why the last attempt failed (None if it worked). Both
    can be set: a refresh that failed keeps the earlier text.
    """

    article_id: int
    markdown: str | None
    text: str | None
    error: str | None
    fetched_at: int | None  # when the page was last fetched (Unix seconds)
    cached: bool = False  # answered from the database, without a request

    @property
    def ok(self) -> bool:
        return self.markdown is not None and self.error is None


# -- the database side (Store.save_full_text / Store.full_text call these) ----------------


def save(
    conn: sqlite3.Connection,
    article_id: int,
    markdown: str | None,
    text: str | None,
    error: str | None,
    now: int | None = None,
) -> None:
    """Record one page's outcome on its article; call inside a write transaction."""
    from storage.topics import assign_topics

    now = int(time.time()) if now is None else now
    if error is None:
        cur = conn.execute(
            "UPDATE articles SET full_markdown = ?, full_text = ?, full_text_at = ?,"
            " full_text_error = NULL WHERE id = ?",
            (markdown or "", text or "", now, article_id),
        )
    else:  # an earlier success stays: a page gone 404 does not erase what was read
        cur = conn.execute(
            "UPDATE articles SET full_text_error = ?, full_text_at = ? WHERE id = ?",
            (error, now, article_id),
        )
    if cur.rowcount == 0:
        raise db.NotFound(f"no article with id {article_id}")
    if error is None:
        # Words only the page has may put the article in a topic (or, on a refresh,
        # take it out); membership is decided at write time, so decide it again now.
        assign_topics(conn, [article_id])


def load(conn: sqlite3.Connection, article_id: int) -> FullTextResult | None:
    """An article's stored full text, or None if its page was never fetched."""
    row = conn.execute(
        "SELECT full_markdown, full_text, full_text_error, full_text_at FROM articles WHERE id = ?",
        (article_id,),
    ).fetchone()
    if row is None:
        raise db.NotFound(f"no article with id {article_id}")
    markdown, text, error, at = row
    if at is None:
        return None
    return FullTextResult(article_id, markdown, text, error, at, cached=True)


# -- the dashboard's on-demand API -------------------------------------------------------


def cached_full_text(db_path: Path | str, article_id: int) -> FullTextResult | None:
    """What is stored for an article, without any request; None if never fetched.

    Raises storage.db.NotFound for an unknown id (and the other storage.db errors).
    """
    from storage.store import Store

    with Store(db_path) as store:
        return store.full_text(article_id)


def fetch_full_text(
    db_path: Path | str, article_id: int, config: Config, *, refresh: bool = False
) -> FullTextResult:
    """An article's full text, fetched once and then answered from the database.

    Blocking (network, extraction, a short write): call it from a thread worker, never
    on the dashboard's event loop. A stored success is returned as it is (`cached`)
    unless `refresh`; a stored failure is tried again, since asking again is how a
    person retries. Failures of the page are in the result's `error`; only database
    problems raise (storage.db.NotFound, StorageError).
    """
    cached = cached_full_text(db_path, article_id)
    if cached is not None and cached.ok and not refresh:
        return cached
    return asyncio.run(_fetch_and_store(db_path, article_id, config, None))


async def fetch_full_text_async(
    db_path: Path | str,
    article_id: int,
    config: Config,
    *,
    refresh: bool = False,
    client: httpx.AsyncClient | None = None,
) -> FullTextResult:
    """`fetch_full_text` for an event loop: database and extraction run in threads.

    `client` may be a shared storage.fetch.make_client(); it is not closed here.
    """
    cached = await asyncio.to_thread(cached_full_text, db_path, article_id)
    if cached is not None and cached.ok and not refresh:
        return cached
    return await _fetch_and_store(db_path, article_id, config, client)


async def _fetch_and_store(
    db_path: Path | str, article_id: int, config: Config, client: httpx.AsyncClient | None
) -> FullTextResult:
    from storage.fetch import fetch_page, make_client
    from storage.poller import limits_of
    from storage.store import Store

    def link_and_title() -> tuple[str | None, str]:
        with Store(db_path) as store:
            article = store.article(article_id)
        return article.url, article.title

    url, title = await asyncio.to_thread(link_and_title)
    if not url:
        extracted = Extracted(None, None, NO_LINK)
    else:
        limits = limits_of(config)
        async with contextlib.AsyncExitStack() as stack:
            if client is None:
                client = await stack.enter_async_context(make_client(limits, concurrency=1))
            result = await fetch_page(client, url, limits)
        extracted = await asyncio.to_thread(extract_page, result, title)

    def record() -> FullTextResult:
        with Store(db_path) as store:
            store.save_full_text(article_id, extracted.markdown, extracted.text, extracted.error)
            stored = store.full_text(article_id)
        assert stored is not None  # just saved
        return dataclasses.replace(stored, cached=False)

    return await asyncio.to_thread(record)


# -- the poller: pages of new articles of full-text feeds -----------------------------

InWriter = Callable[[Callable[["Store"], T]], Awaitable[T]]


async def fetch_pages(
    article_ids: Sequence[int],
    *,
    client: httpx.AsyncClient,
    limits: FetchLimits,
    in_writer: InWriter,
    semaphore: asyncio.Semaphore | None = None,
    hosts: HostLimiter | None = None,
    limit: int = PAGES_PER_FEED_POLL,
) -> int:
    """Fetch, extract and store the pages of new articles; returns how many worked.

    `in_writer(job)` runs `job(store)` on the poller's writer thread, so the writes
    share its connection. Fetches run concurrently inside the poller's `semaphore`
    and per-host limits; extraction runs in a worker thread. Never raises but
    CancelledError: a page that fails is recorded on its article, and a database
    problem is logged, so a full-text feed's poll always completes.
    """
    from storage.fetch import HostLimiter, fetch_page

    semaphore = semaphore or asyncio.Semaphore(4)
    hosts = hosts or HostLimiter(per_host=2)

    def targets(store: Store) -> list[tuple[int, str | None, str, int]]:
        rows = []
        for article_id in article_ids:
            a = store.article(article_id)
            rows.append((a.id, a.url, a.title, a.published))
        rows.sort(key=lambda row: row[3], reverse=True)
        return rows[:limit]

    async def one(article_id: int, url: str | None, title: str) -> bool:
        try:
            if not url:
                extracted = Extracted(None, None, NO_LINK)
            else:
                async with semaphore, hosts.slot(url):
                    result = await fetch_page(client, url, limits)
                extracted = await asyncio.to_thread(extract_page, result, title)
            await in_writer(
                lambda store: store.save_full_text(
                    article_id, extracted.markdown, extracted.text, extracted.error
                )
            )
            return extracted.error is None
        except Exception as exc:  # a locked database, a bug: this article only
            log.warning("full text of article %s failed: %r", article_id, exc)
            return False

    try:
        jobs = await in_writer(targets)
    except Exception as exc:
        log.warning("full text: cannot read the new articles: %r", exc)
        return 0
    done = await asyncio.gather(*(one(aid, url, title) for aid, url, title, _ in jobs))
    return sum(done)
