"""storage.schedule: what a fetch result means for a feed. Pure functions, no network."""

from __future__ import annotations

import email.utils
import random

import pytest

from storage.fetch import FetchResult
from storage.schedule import (
    BACKOFF_CAP,
    MAX_HINT,
    backoff_seconds,
    decide,
    parse_duration,
    parse_retry_after,
)

NOW = 1_750_000_000
HOUR = 3600


def result(status: int | None, error: str | None = None, **kw) -> FetchResult:
    body = b"<rss/>" if status == 200 and error is None else None
    url = "https://example.com/feed"
    return FetchResult(url, url, status=status, body=body, error=error, **kw)


def run(r: FetchResult, *, errors: int = 0, interval: int = HOUR, prev="h1", new="h2", seed=1):
    return decide(
        r,
        now=NOW,
        interval=interval,
        error_count=errors,
        previous_body_hash=prev,
        body_hash=new,
        rng=random.Random(seed),
    )


# --- success ----------------------------------------------------------------------------


def test_304_reschedules_without_parsing_and_clears_errors():
    d = run(result(304), errors=4, new=None)
    assert (d.state, d.parse, d.error, d.error_count) == ("active", False, None, 0)
    assert d.next_poll_at == NOW + HOUR


def test_200_with_a_new_body_is_parsed():
    d = run(result(200), prev="old", new="new")
    assert d.parse and d.error is None and d.next_poll_at == NOW + HOUR


def test_200_with_the_same_body_is_not_parsed():
    assert not run(result(200), prev="same", new="same").parse


def test_first_200_is_parsed():
    assert run(result(200), prev=None, new="h").parse


def test_success_resets_the_error_count():
    assert run(result(200), errors=7).error_count == 0


def test_max_age_longer_than_interval_wins():
    assert run(result(200, max_age=3 * HOUR)).next_poll_at == NOW + 3 * HOUR
    assert run(result(304, max_age=60)).next_poll_at == NOW + HOUR


def test_max_age_is_capped_at_seven_days():
    d = run(result(200, max_age=365 * 24 * HOUR))
    assert d.next_poll_at == NOW + MAX_HINT == NOW + 7 * 24 * HOUR


# --- gone -------------------------------------------------------------------------------


def test_410_marks_the_feed_gone():
    d = run(result(410, "HTTP 410 Gone"))
    assert d.state == "gone" and not d.parse
    assert d.error is not None and d.error.startswith("HTTP 410 Gone")
    assert "re-enable" in d.error


# --- failures ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (404, "HTTP 404 Not Found"),
        (500, "HTTP 500 Internal Server Error"),
        (None, "connection refused"),
        (None, "timed out after 20 s"),
        (200, "too large: over 10 MiB"),  # a 200 whose body was refused is a failure
    ],
)
def test_failures_record_the_error_and_back_off(status, error):
    d = run(result(status, error), errors=2)
    assert (d.state, d.error, d.error_count, d.parse) == ("active", error, 3, False)
    assert d.next_poll_at - NOW == backoff_seconds(3, HOUR, random.Random(1))
    assert d.next_poll_at - NOW > HOUR


def test_429_honours_retry_after_beyond_the_backoff():
    d = run(result(429, "HTTP 429 Too Many Requests", retry_after=10 * HOUR), interval=900)
    assert d.next_poll_at == NOW + 10 * HOUR and d.error_count == 1


def test_503_retry_after_shorter_than_the_backoff_does_not_shorten_it():
    d = run(result(503, "HTTP 503 Service Unavailable", retry_after=30.0))
    assert d.next_poll_at - NOW >= HOUR


def test_retry_after_is_capped_at_seven_days():
    d = run(result(503, "HTTP 503 Service Unavailable", retry_after=1e9))
    assert d.next_poll_at == NOW + MAX_HINT


def test_retry_after_on_a_success_is_ignored():
    assert run(result(200, retry_after=5 * HOUR)).next_poll_at == NOW + HOUR


def test_backoff_grows_and_caps_at_24_hours():
    rng = random.Random(42)
    delays = [backoff_seconds(n, 900, rng) for n in range(1, 12)]
    for n, delay in enumerate(delays, start=1):
        base = min(900 * 2**n, BACKOFF_CAP)
        assert 0.75 * base <= delay <= base
    assert delays[0] < delays[2] < delays[4] < delays[6]
    assert max(delays) <= 24 * HOUR
    assert delays[-1] >= 0.75 * 24 * HOUR


def test_backoff_is_jittered_but_never_below_the_interval():
    seen = {backoff_seconds(3, HOUR, random.Random(seed)) for seed in range(20)}
    assert len(seen) > 10 and min(seen) >= HOUR
    assert backoff_seconds(0, HOUR, random.Random(0)) == HOUR
    # A feed polled every two days is never retried sooner than that.
    assert backoff_seconds(5, 2 * 24 * HOUR, random.Random(0)) == 2 * 24 * HOUR


def test_bad_interval_is_refused():
    with pytest.raises(ValueError, match="at least 1 second"):
        backoff_seconds(1, 0, random.Random(0))


# --- parse_duration ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90s", 90),
        ("15m", 900),
        ("1h", 3600),
        ("2d", 172800),
        ("1w", 604800),
        ("1h30m", 5400),
        (" 1h 30m ", 5400),
        ("1H", 3600),
        ("1d2h3m4s", 93784),
    ],
)
def test_parse_duration(text: str, seconds: int):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty duration"),
        ("15", 'has no unit; write "15m"'),
        ("1.5h", "whole numbers with units"),
        ("ten minutes", "whole numbers with units"),
        ("-5m", "whole numbers with units"),
        ("30m1h", "largest first"),
        ("1h1h", "largest first"),
    ],
)
def test_parse_duration_errors_say_what_is_wrong(text: str, message: str):
    with pytest.raises(ValueError, match=message):
        parse_duration(text)


# --- parse_retry_after ------------------------------------------------------------------


def test_retry_after_seconds():
    assert parse_retry_after("120", NOW) == 120.0
    assert parse_retry_after(" 0 ", NOW) == 0.0


def test_retry_after_http_date():
    when = email.utils.formatdate(NOW + 600, usegmt=True)
    assert parse_retry_after(when, NOW) == 600.0


def test_retry_after_in_the_past_means_now():
    when = email.utils.formatdate(NOW - 600, usegmt=True)
    assert parse_retry_after(when, NOW) == 0.0


@pytest.mark.parametrize("value", ["soon", "-5", "", "Mon, 99 Foo 2025"])
def test_unreadable_retry_after_is_none(value: str):
    assert parse_retry_after(value, NOW) is None
