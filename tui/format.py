"""Small text formats the dashboard shows: ages, counts, ranges, sparklines, timestamps.

Pure functions of their arguments (the clock is passed in), so they are easy to test
and the screens stay deterministic under a fixed clock.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

SPARK_CHARS = "▁▂▃▄▅▆▇█"


def age(published: int | float, now: float) -> str:
    """How long ago, in at most four cells: 'now', '45s', '12m', '3h', '5d', '8w', '2y'."""
    seconds = max(0, int(now - published))
    if seconds < 10:
        return "now"
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 86400:
        return f"{seconds // 3600}h"
    days = seconds // 86400
    if days < 14:
        return f"{days}d"
    if days < 365:
        return f"{days // 7}w"
    return f"{days // 365}y"


def since(then: float | None, now: float) -> str:
    """'never', 'just now', '3m ago': for the header's time since the last poll."""
    if then is None:
        return "never"
    text = age(then, now)
    return "just now" if text == "now" else f"{text} ago"


def until(when: float | None, now: float) -> str:
    """'due', 'in 12m': for a feed's next poll."""
    if when is None or when <= now:
        return "due"
    return f"in {age(now, when)}"


def count(n: int) -> str:
    """14233 -> '14,233'."""
    return f"{n:,}"


def short_count(n: int) -> str:
    """A count that fits a tab: 950, 12.3k, 1.2M."""
    if n < 10_000:
        return str(n)
    if n < 1_000_000:
        return f"{n / 1000:.1f}k".replace(".0k", "k")
    return f"{n / 1_000_000:.1f}M".replace(".0M", "M")


def window(first: int, height: int, total: int) -> str:
    """The honest range of rows on screen: '1-50 of 14,233' (1-based, inclusive)."""
    if total <= 0:
        return "0 of 0"
    last = min(total, first + max(1, height))
    return f"{count(first + 1)}-{count(last)} of {count(total)}"


def sparkline(values: Sequence[int]) -> str:
    """One character per value, scaled to the largest; zero is the lowest bar."""
    if not values:
        return ""
    top = max(values)
    if top <= 0:
        return SPARK_CHARS[0] * len(values)
    last = len(SPARK_CHARS) - 1
    return "".join(SPARK_CHARS[round(v / top * last)] if v > 0 else SPARK_CHARS[0] for v in values)


def timestamp(when: int | float | None) -> str:
    """A full UTC date and time for the reader: '2025-03-04 17:05 UTC'."""
    if when is None:
        return "unknown date"
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(when))


def plural(n: int, word: str, words: str | None = None) -> str:
    """'1 feed', '3 feeds'."""
    return f"{count(n)} {word if n == 1 else (words or word + 's')}"
