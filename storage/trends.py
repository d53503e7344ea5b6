"""Topic trends: articles per UTC day and the days that spiked.

A day is a spike when its count is above the mean plus two standard deviations of the
14 days before it. Counts are small whole numbers, so the raw rule misfires at the
edges; these guards keep it to days a person would call unusual:

- at least `MIN_HISTORY` (7) of those 14 days must hold data: days before the earliest
  article in the database are not "zero articles", they are "not collected yet";
- the day must have at least `MIN_COUNT` (3) articles: 0, 0, 0, 1 is not news;
- the standard deviation is taken as at least `MIN_STDEV` (1 article): over a flat
  history (zero variance) any +1 would otherwise count as a spike.

Spikes of the shown window are judged with the 14 days before the window too, so the
first days of a 30-day chart can be spikes. `find_spikes` is pure; `topic_trend` reads
the counts (by publication date, as `Store.topic_daily_counts` does) and applies it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from storage import db
from storage.store import Store

DAY = 86400
BASELINE_DAYS = 14  # how many days before a day its count is compared with
MIN_HISTORY = 7  # fewer days of data than this before a day: it is never a spike
MIN_COUNT = 3  # a spike has at least this many articles
MIN_STDEV = 1.0  # floor for the baseline's standard deviation, in articles
SIGMAS = 2.0


@dataclass(frozen=True, slots=True)
class Trend:
    """Articles per UTC day for one topic (or all articles), oldest first.

    `daily[-1]` is today (so far). `spikes` are indexes into `daily`; `thresholds[i]`
    is the count day i had to exceed to be a spike (None: too little history before it).
    """

    start: date  # the UTC day of daily[0]
    daily: tuple[int, ...]
    spikes: tuple[int, ...]
    thresholds: tuple[float | None, ...]
    mean: float  # articles per day over the window
    stdev: float  # population standard deviation over the window

    @property
    def total(self) -> int:
        return sum(self.daily)

    @property
    def peak(self) -> int:
        return max(self.daily, default=0)

    @property
    def dates(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range(len(self.daily))]

    @property
    def spike_dates(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in self.spikes]

    def is_spike(self, index: int) -> bool:
        return index in self.spikes


def mean_stdev(values: Sequence[float]) -> tuple[float, float]:
    """Mean and population standard deviation; (0, 0) for no values."""
    if not values:
        return 0.0, 0.0
    mean = sum(values) / len(values)
    variance = sum((v - mean) ** 2 for v in values) / len(values)
    return mean, math.sqrt(variance)


def spike_threshold(prior: Sequence[int]) -> float | None:
    """The count a day must exceed, given the days before it that hold data (the last
    BASELINE_DAYS are used); None when there are fewer than MIN_HISTORY of them."""
    window = prior[-BASELINE_DAYS:]
    if len(window) < MIN_HISTORY:
        return None
    mean, stdev = mean_stdev(window)
    return mean + SIGMAS * max(stdev, MIN_STDEV)


def find_spikes(counts: Sequence[int], first_data: int = 0) -> list[int]:
    """Indexes of the days in `counts` (oldest first) that are spikes.

    `first_data` is the index of the first day that holds data; earlier days are
    left out of every baseline (see the module docstring for the rules).
    """
    return [i for i, t in enumerate(thresholds(counts, first_data)) if _spikes(counts[i], t)]


def thresholds(counts: Sequence[int], first_data: int = 0) -> list[float | None]:
    """Per day, the count it had to exceed to be a spike, or None (too little history)."""
    start = max(0, first_data)
    return [spike_threshold(counts[max(start, i - BASELINE_DAYS) : i]) for i in range(len(counts))]


def _spikes(count: int, threshold: float | None) -> bool:
    return threshold is not None and count >= MIN_COUNT and count > threshold


def topic_trend(
    store: Store, topic_id: int | None, days: int = 30, now: int | None = None
) -> Trend:
    """The last `days` UTC days of a topic (topic_id None: every article), with spikes."""
    now = int(time.time()) if now is None else now
    days = max(1, days)
    counts = store.topic_daily_counts(topic_id, days + BASELINE_DAYS, now)
    first_day = (now // DAY) - len(counts) + 1  # days since the epoch of counts[0]
    earliest = earliest_published(store)
    first_data = len(counts) if earliest is None else max(0, earliest // DAY - first_day)
    limits = thresholds(counts, first_data)[BASELINE_DAYS:]
    daily = tuple(counts[BASELINE_DAYS:])
    mean, stdev = mean_stdev(daily)
    return Trend(
        start=datetime.fromtimestamp((first_day + BASELINE_DAYS) * DAY, UTC).date(),
        daily=daily,
        spikes=tuple(
            i for i, (n, t) in enumerate(zip(daily, limits, strict=True)) if _spikes(n, t)
        ),
        thresholds=tuple(limits),
        mean=mean,
        stdev=stdev,
    )


def earliest_published(store: Store) -> int | None:
    """When the oldest article in the database was published (the articles_recent index
    answers min() without a scan); None for an empty database."""
    with db.errors_as_storage(store.path):
        row = store.conn.execute("SELECT min(published) FROM articles").fetchone()
    return None if row is None or row[0] is None else int(row[0])
