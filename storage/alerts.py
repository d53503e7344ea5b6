"""Topic alerts: after a poll, one batched message per topic about its new articles.

A topic opts in with `alert_command` (run without a shell, the batch as JSON on stdin)
and/or `alert_url` (an ntfy-compatible plain-text POST, sent by storage.fetch). What
counts as new, and when:

- Each topic keeps a watermark, `topics.alerted_up_to`: the highest article id already
  considered. A batch is the topic's articles above it, and every batch moves the
  watermark to the newest article in the database, inside one BEGIN IMMEDIATE
  transaction, so two pollers sharing the file never send the same article twice.
- The first time the poller sees a topic's alert target (`prepare_alerts`, before the
  poll writes), the watermark starts at the newest article already stored: adding an
  alert to a topic does not replay its history. On a fresh database there is nothing
  stored yet, so the first poll's backlog only sets the watermark and sends nothing.
  A topic that drops its target has its watermark cleared, so re-adding one later
  starts afresh instead of flooding.
- Only articles published in the last `MAX_AGE` (2 days) are alerted: a newly added
  feed's month-old backlog is not news. They still move the watermark.
- At most once: a failed send is recorded in the `alerts` table (ok = 0, error in words)
  and not retried, because a retry would re-send an ever larger batch to a target that
  may well have received it (a timeout after delivery is common).
- Alerts run after the poll's writes, concurrently, each bounded in time (commands
  30 s, POSTs 10 s), and `send_alerts` never raises: an alert never fails a poll.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from storage import db
from storage.alert_delivery import AlertArticle, AlertBatch, deliver
from storage.config import Config, TopicConfig
from storage.store import Store

T = TypeVar("T")

log = logging.getLogger("newsdeck.alerts")

DAY = 86400
MAX_AGE = 2 * DAY  # older articles (by publication date) are not alerted
MAX_ARTICLES = 100  # articles listed in one batch (the newest); `count` has them all
KEEP_ALERTS = 90 * DAY  # rows of the alerts table older than this are dropped


@dataclass(frozen=True, slots=True)
class AlertRecord:
    """One row of the alerts table: an alert sent, or one that failed and why."""

    topic: str
    sent_at: int
    target: str  # the command or the URL
    articles: int
    ok: bool
    error: str | None


def targets(topic: TopicConfig) -> list[tuple[str, str]]:
    """(kind, target) pairs: ("command", the command line) and ("url", the URL)."""
    pairs = [("command", topic.alert_command), ("url", topic.alert_url)]
    return [(kind, target) for kind, target in pairs if target]


# -- the watermark ------------------------------------------------------------------------


def prepare_alerts(store: Store, config: Config) -> None:
    """Start the watermark of topics that just gained an alert target; clear it for
    topics without one. Call after sync_topics and before the poll writes. Writes only
    when something changes; never raises."""
    try:
        with_target = {t.name for t in config.topics if targets(t)}
        rows = store.conn.execute("SELECT id, name, alerted_up_to FROM topics").fetchall()
        start = [r[0] for r in rows if r[1] in with_target and r[2] == 0]
        clear = [r[0] for r in rows if r[1] not in with_target and r[2] != 0]
        if not start and not clear:
            return
        with store.transaction() as conn:
            newest = conn.execute("SELECT coalesce(max(id), 0) FROM articles").fetchone()[0]
            conn.executemany(
                "UPDATE topics SET alerted_up_to = ? WHERE id = ? AND alerted_up_to = 0",
                [(newest, i) for i in start],
            )
            conn.executemany(
                "UPDATE topics SET alerted_up_to = 0 WHERE id = ?", [(i,) for i in clear]
            )
    except Exception as exc:  # the poll goes on; the next one tries again
        # One line, no traceback: this can reach the terminal of `newsdeck poll`.
        log.warning("alerts: could not prepare the watermarks: %s", exc)


def claim_batches(store: Store, config: Config, now: int) -> list[tuple[TopicConfig, AlertBatch]]:
    """Take each alerting topic's new articles and move its watermark past them."""
    wanted = {t.name: t for t in config.topics if targets(t)}
    out: list[tuple[TopicConfig, AlertBatch]] = []
    if not wanted:
        return out
    with store.transaction() as conn:
        newest = conn.execute("SELECT coalesce(max(id), 0) FROM articles").fetchone()[0]
        rows = conn.execute("SELECT id, name, alerted_up_to FROM topics").fetchall()
        for topic_id, name, mark in rows:
            topic = wanted.get(name)
            if topic is None or newest <= mark:
                continue
            conn.execute("UPDATE topics SET alerted_up_to = ? WHERE id = ?", (newest, topic_id))
            if mark == 0:
                continue  # a fresh database: its first articles only set the watermark
            batch = _batch(conn, topic_id, name, mark, newest, now - MAX_AGE)
            if batch.count:
                out.append((topic, batch))
    return out


def _batch(
    conn: sqlite3.Connection, topic_id: int, name: str, low: int, high: int, oldest: int
) -> AlertBatch:
    # The (topic_id, article_id) primary key makes this a range scan of the new ids.
    where = "t.topic_id = ? AND t.article_id > ? AND t.article_id <= ? AND t.published >= ?"
    params = (topic_id, low, high, oldest)
    [count] = conn.execute(
        f"SELECT count(*) FROM article_topics t WHERE {where}", params
    ).fetchone()
    rows = conn.execute(
        "SELECT a.id, a.title, a.url, coalesce(f.title, f.url), a.published"
        " FROM article_topics t JOIN articles a ON a.id = t.article_id"
        f" JOIN feeds f ON f.id = a.feed_id WHERE {where}"
        " ORDER BY t.published DESC, t.article_id DESC LIMIT ?",
        (*params, MAX_ARTICLES),
    ).fetchall()
    return AlertBatch(topic_id, name, count, tuple(AlertArticle(*row) for row in rows))


def record(store: Store, results: list[tuple[AlertBatch, str, str | None]], now: int) -> None:
    """Write one alerts row per (batch, target, error) and drop rows past KEEP_ALERTS."""
    with store.transaction() as conn:
        conn.executemany(
            "INSERT INTO alerts (topic_id, sent_at, target, articles, ok, error)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [
                (b.topic_id, now, target, b.count, error is None, error)
                for b, target, error in results
            ],
        )
        conn.execute("DELETE FROM alerts WHERE sent_at < ?", (now - KEEP_ALERTS,))


def recent_alerts(store: Store, limit: int = 20) -> list[AlertRecord]:
    """The newest alerts sent or failed, for the dashboard and the command line."""
    with db.errors_as_storage(store.path):
        rows = store.conn.execute(
            "SELECT t.name, a.sent_at, a.target, a.articles, a.ok, a.error"
            " FROM alerts a JOIN topics t ON t.id = a.topic_id"
            " ORDER BY a.sent_at DESC, a.id DESC LIMIT ?",
            (limit,),
        ).fetchall()
    return [AlertRecord(r[0], r[1], r[2], r[3], bool(r[4]), r[5]) for r in rows]


# -- sending --------------------------------------------------------------------------


async def send_alerts(
    db_path: Path, config: Config, *, now: int | None = None
) -> list[AlertRecord]:
    """Claim every alerting topic's new articles, send the batches, record the outcomes.

    Never raises (but CancelledError); what went wrong is in the returned records and
    the alerts table.
    """
    if not any(targets(t) for t in config.topics):
        return []
    now = int(time.time()) if now is None else now
    try:
        batches = await asyncio.to_thread(_with_store, db_path, claim_batches, config, now)
        jobs = [(batch, pair) for topic, batch in batches for pair in targets(topic)]
        if not jobs:
            return []
        user_agent = config.poll.user_agent
        errors = await asyncio.gather(*(deliver(b, *pair, user_agent) for b, pair in jobs))
        results = [(b, pair[1], e) for (b, pair), e in zip(jobs, errors, strict=True)]
        await asyncio.to_thread(_with_store, db_path, record, results, now)
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        log.warning("alerts: %s", exc)
        return []
    for batch, target, error in results:
        if error:
            log.warning("alert for %s to %s failed: %s", batch.topic, target, error)
    return [AlertRecord(b.topic, now, t, b.count, e is None, e) for b, t, e in results]


def _with_store(db_path: Path, action: Callable[..., T], *args: object) -> T:
    # Runs in a worker thread: a Store (one sqlite3 connection) per thread.
    with Store(db_path) as store, db.errors_as_storage(db_path):
        return action(store, *args)
