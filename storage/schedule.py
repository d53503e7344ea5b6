"""When to poll a feed next, and what to do with what a fetch brought back.

Pure functions, no I/O and no clock of their own (the caller passes `now`), so every
rule is unit-tested without a network. `storage.fetch` reports what happened;
`decide()` turns that into a plan the poller writes to the feed row:

- 200 or 304: success. The error count resets. Next poll is the largest of the feed's
  interval and the server's Cache-Control max-age (max-age may push at most
  `MAX_HINT` = 7 days ahead, so a server can't park a feed for a year).
- 200 whose body hash equals the stored one: success without parsing (servers that
  send no validators still cost no parse).
- 410: the feed is "gone" and is not polled until a person re-enables it.
- Anything else (other 4xx, 5xx, 429, 503, network errors, timeouts, oversized bodies):
  the error is recorded, the error count grows, and the next poll backs off
  exponentially with jitter, never sooner than the interval and never later than
  24 h (or the interval, when that is longer). A Retry-After (seconds or HTTP date) on
  any error response is honoured on top of that, again at most `MAX_HINT` ahead;
  RFC 9110 defines it for 429 and 503, and honouring it elsewhere is only politer.
- A successful poll is not jittered: its time is exactly now + the interval (or
  max-age), which keeps schedules predictable; spreading polls out is the poller's
  concurrency limits' job.
"""

from __future__ import annotations

import email.utils
import math
import random
import re
from dataclasses import dataclass
from datetime import UTC
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # fetch imports this module; the type is only needed for hints
    from storage.fetch import FetchResult

__all__ = [
    "BACKOFF_CAP",
    "MAX_HINT",
    "Decision",
    "backoff_seconds",
    "decide",
    "parse_duration",
    "parse_retry_after",
]

HOUR = 3600
DAY = 24 * HOUR
BACKOFF_CAP = DAY  # the longest an erroring feed waits (unless its interval is longer)
MAX_HINT = 7 * DAY  # the furthest max-age or Retry-After may push the next poll
ACTIVE = "active"
GONE = "gone"

_rng = random.Random()


@dataclass(frozen=True, slots=True)
class Decision:
    """What the poller records after one fetch."""

    state: str  # "active" or "gone" (410)
    next_poll_at: int  # unix seconds
    error_count: int
    error: str | None  # message to record; None on success/304
    parse: bool  # True only for a 200 whose body hash differs from the stored one


def decide(
    result: FetchResult,
    *,
    now: int,
    interval: int,
    error_count: int,
    previous_body_hash: str | None,
    body_hash: str | None,
    rng: random.Random | None = None,
) -> Decision:
    """Turn one fetch result into the feed's next state; see the module docstring."""
    _check_interval(interval)
    if result.status == 410:
        message = f"{result.error or 'HTTP 410 Gone'}: the feed was removed; re-enable it to poll"
        return Decision(GONE, now + interval, error_count + 1, message, parse=False)

    if result.error is None and result.status in (200, 304):
        delay = float(interval)
        if result.max_age is not None:
            delay = max(delay, min(result.max_age, MAX_HINT))
        changed = body_hash is None or body_hash != previous_body_hash
        return Decision(
            ACTIVE,
            now + math.ceil(delay),
            error_count=0,
            error=None,
            parse=result.status == 200 and changed,
        )

    errors = error_count + 1
    delay = float(backoff_seconds(errors, interval, rng or _rng))
    if result.retry_after is not None and result.status is not None and result.status >= 400:
        delay = max(delay, min(result.retry_after, MAX_HINT))
    message = result.error or f"HTTP {result.status}"
    return Decision(ACTIVE, now + math.ceil(delay), errors, message, parse=False)


def backoff_seconds(error_count: int, interval: int, rng: random.Random) -> int:
    """Delay after `error_count` failures in a row: interval * 2**n, jittered, capped.

    The jitter takes off up to a quarter so feeds that failed together (a dead network)
    don't all come back in the same second; it never goes below the interval.
    """
    _check_interval(interval)
    if error_count <= 0:
        return interval
    cap = max(BACKOFF_CAP, interval)
    # min() on the exponent keeps the number small; 2**30 intervals is past any cap.
    base = min(interval * 2 ** min(error_count, 30), cap)
    return max(interval, int(base * rng.uniform(0.75, 1.0)))


def _check_interval(interval: int) -> None:
    if interval < 1:
        raise ValueError(f"poll interval must be at least 1 second, got {interval}")


_UNITS = {"w": 7 * DAY, "d": DAY, "h": HOUR, "m": 60, "s": 1}
_DURATION = re.compile(r"(?:\d+\s*[wdhms]\s*)+")
_PART = re.compile(r"(\d+)\s*([wdhms])")
_EXAMPLES = '"90s", "15m", "1h", "1h30m" or "2d"'


def parse_duration(s: str) -> int:
    """'15m', '1h', '90s', '2d', '1w', '1h30m' -> seconds; ValueError saying what's wrong."""
    text = s.strip().lower()
    if not text:
        raise ValueError(f"empty duration; write it like {_EXAMPLES}")
    if text.isdigit():
        raise ValueError(f'duration "{s}" has no unit; write "{text}m" or "{text}s", for example')
    if not _DURATION.fullmatch(text):
        raise ValueError(
            f'invalid duration "{s}": use whole numbers with units s, m, h, d or w, '
            f"like {_EXAMPLES}"
        )
    total = 0
    previous = math.inf
    for number, unit in _PART.findall(text):
        size = _UNITS[unit]
        # "30m1h" or "1h1h" is almost certainly a typo; refuse rather than guess.
        if size >= previous:
            raise ValueError(
                f'invalid duration "{s}": give each unit once, largest first, like "1h30m"'
            )
        previous = size
        total += int(number) * size
    return total


_SECONDS = re.compile(r"\d+(?:\.\d+)?")


def parse_retry_after(value: str, now: float) -> float | None:
    """Retry-After as seconds from `now`: '120' or an HTTP date; None if unreadable.

    A date in the past gives 0.0 (retry whenever the schedule allows).
    """
    text = value.strip()
    if _SECONDS.fullmatch(text):
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:  # HTTP dates are GMT; "-0000" parses as naive
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - now)
