"""Adaptive polling: how often a feed is worth polling, from how often it posts.

A feed that publishes twice a week gains nothing from being fetched every 15 minutes;
each useless fetch costs its server and our battery. `adaptive_interval` takes the
publication times of the feed's recent entries and answers with the median gap between
them, never below the configured interval (the user's "at least this fresh") and never
above 24 hours (a quiet feed that wakes up is noticed within a day). The median, not
the mean, so one long holiday or one burst of a dozen posts does not swing it.

Pure and clock-free like storage.schedule: the poller passes `now` and the times it
read, and writes the answer to feeds.effective_interval_s (see `recent_published`).
"""

from __future__ import annotations

import itertools
import sqlite3
import statistics
from collections.abc import Iterable

__all__ = [
    "MAX_ADAPTIVE_INTERVAL",
    "MIN_ENTRIES",
    "SAMPLE_SIZE",
    "adaptive_interval",
    "recent_published",
]

MAX_ADAPTIVE_INTERVAL = 24 * 3600  # the longest a successful feed waits (unless configured longer)
SAMPLE_SIZE = 20  # recent entries looked at: a few weeks of a daily feed, a day of a busy one
MIN_ENTRIES = 4  # fewer than this (3 gaps) says nothing yet: keep the configured interval
# Entries dated further ahead than this are a broken clock or a scheduled post, not news.
FUTURE_SLACK = 3600


def adaptive_interval(
    published: Iterable[int],
    configured: int,
    *,
    now: int,
    sample_size: int = SAMPLE_SIZE,
    min_entries: int = MIN_ENTRIES,
    cap: int = MAX_ADAPTIVE_INTERVAL,
) -> int:
    """Seconds between polls for a feed whose recent entries were published at `published`.

    The median gap between the newest `sample_size` times, bounded below by `configured`
    and above by `cap` (or `configured`, when that is longer). Entries posted in the same
    second count as gaps of zero: a feed that posts in batches is still a busy feed.
    Fewer than `min_entries` usable times give `configured`.
    """
    if configured < 1:
        raise ValueError(f"poll interval must be at least 1 second, got {configured}")
    times = sorted((t for t in published if t <= now + FUTURE_SLACK), reverse=True)
    times = times[: max(2, sample_size)]
    if len(times) < max(2, min_entries):
        return configured
    gaps = [newer - older for newer, older in itertools.pairwise(times)]
    # Whole minutes: "5h47m" in the feeds table rather than "20833s", and a few
    # seconds either way make no difference to a feed that posts every few hours.
    median = round(statistics.median(gaps) / 60) * 60
    return max(configured, min(median, cap))


def recent_published(conn: sqlite3.Connection, feed_id: int, limit: int = SAMPLE_SIZE) -> list[int]:
    """The publication times of a feed's newest entries (articles_feed_recent index).

    Undated entries were stored with the time they were first seen, which is the best
    estimate of when they were posted that a poller has.
    """
    rows = conn.execute(
        "SELECT published FROM articles WHERE feed_id = ? ORDER BY published DESC, id DESC LIMIT ?",
        (feed_id, limit),
    )
    return [row[0] for row in rows]
