"""storage.fetch against a real HTTP server on 127.0.0.1 (no mocks of httpx)."""

from __future__ import annotations

import asyncio
import email.utils
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from feedserver import (
    RSS,
    FeedServer,
    Reply,
    conditional,
    gzip_bomb,
    gzipped,
    redirect,
    refused_url,
    slow,
    trickle,
)

from storage.fetch import USER_AGENT, FetchLimits, HostLimiter, fetch, format_size, make_client

FAST = FetchLimits(timeout=1.5)


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with make_client(FAST) as c:
        yield c


def feed(**headers: str) -> Reply:
    return Reply(headers={"Content-Type": "application/rss+xml", **headers}, body=RSS)


# --- 200 / 304 and the headers we send --------------------------------------------------


async def test_200_gives_body_validators_and_identifies_us(feed_server: FeedServer, client):
    url = feed_server.route(
        "/feed.xml", feed(ETag='W/"abc"', **{"Last-Modified": "Tue, 01 Apr 2025 10:00:00 GMT"})
    )
    r = await fetch(client, url, limits=FAST)
    assert (r.status, r.body, r.error) == (200, RSS, None)
    assert r.etag == 'W/"abc"'
    assert r.last_modified == "Tue, 01 Apr 2025 10:00:00 GMT"
    assert r.content_type == "application/rss+xml"
    assert r.final_url == url and not r.permanent_redirect and r.ok
    sent = feed_server.requests_for("/feed.xml")[0].headers
    assert sent["User-Agent"] == USER_AGENT and "newsdeck/" in USER_AGENT
    assert "application/rss+xml" in sent["Accept"]
    # The very first poll has no validators to send.
    assert sent["If-None-Match"] is None and sent["If-Modified-Since"] is None


async def test_304_when_stored_validators_are_sent_verbatim(feed_server: FeedServer, client):
    stamp = "Tue, 01 Apr 2025 10:00:00 GMT"
    url = feed_server.route("/c.xml", conditional(etag='W/"v1"', last_modified=stamp))
    first = await fetch(client, url, limits=FAST)
    assert first.status == 200 and first.etag == 'W/"v1"'
    again = await fetch(
        client, url, etag=first.etag, last_modified=first.last_modified, limits=FAST
    )
    assert (again.status, again.body, again.error, again.etag) == (304, None, None, None)
    assert again.ok
    sent = feed_server.requests_for("/c.xml")[1].headers
    assert sent["If-None-Match"] == 'W/"v1"'
    assert sent["If-Modified-Since"] == stamp


async def test_last_modified_alone_gives_304(feed_server: FeedServer, client):
    stamp = "Wed, 02 Apr 2025 08:30:00 GMT"
    url = feed_server.route("/lm.xml", conditional(etag=None, last_modified=stamp))
    r = await fetch(client, url, last_modified=stamp, limits=FAST)
    assert r.status == 304 and r.error is None


# --- statuses ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (404, "HTTP 404 Not Found"),
        (410, "HTTP 410 Gone"),
        (500, "HTTP 500 Internal Server Error"),
        (403, "HTTP 403 Forbidden"),
    ],
)
async def test_error_statuses_read_like_sentences(feed_server: FeedServer, client, status, message):
    url = feed_server.route("/x", Reply(status, body=b"<html>nope</html>"))
    r = await fetch(client, url, limits=FAST)
    assert (r.status, r.error, r.body) == (status, message, None)
    assert not r.ok


async def test_429_retry_after_in_seconds(feed_server: FeedServer, client):
    url = feed_server.route("/busy", Reply(429, headers={"Retry-After": "120"}))
    r = await fetch(client, url, limits=FAST)
    assert r.status == 429 and r.error == "HTTP 429 Too Many Requests"
    assert r.retry_after == 120.0


async def test_503_retry_after_as_http_date(feed_server: FeedServer, client):
    when = email.utils.formatdate(time.time() + 3600, usegmt=True)
    url = feed_server.route("/down", Reply(503, headers={"Retry-After": when}))
    r = await fetch(client, url, limits=FAST)
    assert r.status == 503 and r.error == "HTTP 503 Service Unavailable"
    assert r.retry_after is not None and 3590 <= r.retry_after <= 3600


@pytest.mark.parametrize(
    ("cache_control", "age", "expected"),
    [
        ("public, max-age=7200", None, 7200.0),
        ("max-age=7200", "200", 7000.0),
        ("no-cache, max-age=7200", None, None),
        ("no-store", None, None),
        ("max-age=oops", None, None),
    ],
)
async def test_cache_control_max_age(feed_server: FeedServer, client, cache_control, age, expected):
    headers = {"Cache-Control": cache_control} | ({"Age": age} if age else {})
    url = feed_server.route("/cc", feed(**headers))
    r = await fetch(client, url, limits=FAST)
    assert r.max_age == expected


# --- time and size ----------------------------------------------------------------------


async def test_trickling_server_is_cut_off_at_the_total_deadline(feed_server: FeedServer, client):
    url = feed_server.route("/trickle", trickle(per_byte=0.3))
    r = await fetch(client, url, limits=FAST)
    assert r.error == "timed out after 1.5 s" and r.body is None
    assert 1.4 < r.elapsed < 2.5


async def test_cancellation_is_not_swallowed(feed_server: FeedServer, client):
    url = feed_server.route("/hang", trickle(per_byte=1.0))
    task = asyncio.create_task(fetch(client, url, limits=FetchLimits(timeout=30)))
    await asyncio.sleep(0.2)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_declared_content_length_over_cap_is_refused_early(feed_server: FeedServer, client):
    small = FetchLimits(timeout=1.5, max_bytes=1024)
    # Trickled, so reading it all would blow the deadline: only the header is looked at.
    url = feed_server.route("/big", trickle(b"x" * 4096, per_byte=0.01))
    r = await fetch(client, url, limits=small)
    assert (r.status, r.error, r.body) == (200, "too large: over 1 KiB", None)
    assert r.elapsed < 1.0


async def test_body_over_cap_without_content_length(feed_server: FeedServer, client):
    small = FetchLimits(timeout=1.5, max_bytes=1536)
    url = feed_server.route("/stream", Reply(body=[b"y" * 1000] * 5, content_length=False))
    r = await fetch(client, url, limits=small)
    assert r.error == "too large: over 1.5 KiB" and r.body is None


async def test_body_at_cap_without_content_length_is_fine(feed_server: FeedServer, client):
    url = feed_server.route("/fits", Reply(body=[b"z" * 512] * 2, content_length=False))
    r = await fetch(client, url, limits=FetchLimits(timeout=1.5, max_bytes=1024))
    assert r.error is None and r.body == b"z" * 1024


async def test_gzip_body_is_decoded(feed_server: FeedServer, client):
    url = feed_server.route("/gz", gzipped(RSS, ETag='"g1"'))
    r = await fetch(client, url, limits=FAST)
    assert r.body == RSS and r.etag == '"g1"'
    assert "gzip" in feed_server.requests_for("/gz")[0].headers["Accept-Encoding"]


async def test_gzip_bomb_is_stopped_at_the_decoded_cap(feed_server: FeedServer):
    limits = FetchLimits(timeout=10)  # the default 10 MiB cap, 50 MiB of zeros inside
    url = feed_server.route("/bomb", gzip_bomb())
    async with make_client(limits) as c:
        r = await fetch(c, url, limits=limits)
    assert r.error == "too large: over 10 MiB" and r.body is None
    assert r.elapsed < 5


# --- redirects --------------------------------------------------------------------------


async def test_301_then_308_is_a_permanent_move(feed_server: FeedServer, client):
    feed_server.route("/old", redirect("/older", 301))
    feed_server.route("/older", redirect(feed_server.url("/new"), 308))
    final = feed_server.route("/new", feed())
    r = await fetch(client, feed_server.url("/old"), limits=FAST)
    assert (r.status, r.body, r.final_url) == (200, RSS, final)
    assert r.permanent_redirect and r.url == feed_server.url("/old")


async def test_a_302_anywhere_makes_the_move_temporary(feed_server: FeedServer, client):
    feed_server.route("/a", redirect("/b", 301))
    feed_server.route("/b", redirect("/c", 302))
    final = feed_server.route("/c", feed())
    r = await fetch(client, feed_server.url("/a"), limits=FAST)
    assert r.status == 200 and r.final_url == final and not r.permanent_redirect


async def test_validators_follow_the_redirect(feed_server: FeedServer, client):
    feed_server.route("/moved", redirect("/here", 307))
    feed_server.route("/here", conditional(etag='"e"'))
    r = await fetch(client, feed_server.url("/moved"), etag='"e"', limits=FAST)
    assert r.status == 304 and not r.permanent_redirect


async def test_redirect_loop(feed_server: FeedServer, client):
    feed_server.route("/ping", redirect("/pong", 302))
    feed_server.route("/pong", redirect("/ping", 302))
    r = await fetch(client, feed_server.url("/ping"), limits=FAST)
    assert r.error == "redirect loop" and r.body is None


async def test_too_many_redirects(feed_server: FeedServer, client):
    for i in range(7):
        feed_server.route(f"/hop{i}", redirect(f"/hop{i + 1}", 301))
    feed_server.route("/hop7", feed())
    r = await fetch(client, feed_server.url("/hop0"), limits=FAST)
    assert r.error == "too many redirects (over 5)"
    assert feed_server.count("/hop6") == 0  # the sixth hop was never followed
    ok = await fetch(client, feed_server.url("/hop2"), limits=FAST)  # exactly 5 hops
    assert ok.status == 200 and ok.permanent_redirect


async def test_redirect_to_a_local_file_is_refused(feed_server: FeedServer, client):
    url = feed_server.route("/sneaky", redirect("file:///etc/passwd", 302))
    r = await fetch(client, url, limits=FAST)
    assert r.error == "redirect to an unsupported URL scheme: file" and r.body is None


async def test_network_failure_after_a_redirect(feed_server: FeedServer, client):
    dead = refused_url()
    url = feed_server.route("/to-dead", redirect(dead, 301))
    r = await fetch(client, url, limits=FAST)
    assert (r.status, r.error, r.final_url) == (None, "connection refused", dead)
    assert r.permanent_redirect and not r.ok  # the poller moves a feed only when .ok


async def test_redirect_without_location(feed_server: FeedServer, client):
    url = feed_server.route("/nowhere", Reply(301))
    r = await fetch(client, url, limits=FAST)
    assert r.error == "HTTP 301 redirect without a Location header"


# --- network failures -------------------------------------------------------------------


async def test_connection_refused(client):
    r = await fetch(client, refused_url(), limits=FAST)
    assert (r.status, r.error, r.body) == (None, "connection refused", None)


async def test_dns_failure_names_the_host(client):
    r = await fetch(client, "http://no-such-host.invalid/feed", limits=FAST)
    assert r.error == "DNS lookup failed for no-such-host.invalid"


async def test_tls_error(feed_server: FeedServer, client):
    r = await fetch(client, f"https://127.0.0.1:{feed_server.port}/", limits=FAST)
    assert r.error is not None and r.error.startswith("TLS error: ")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://example.com/feed", "unsupported URL scheme: ftp (use http or https)"),
        ("example.com/feed", "unsupported URL scheme: none (use http or https)"),
    ],
)
async def test_unsupported_urls(client, url, message):
    r = await fetch(client, url, limits=FAST)
    assert r.error == message and r.status is None


async def test_garbage_url_never_raises(client):
    r = await fetch(client, "http://exa mple.com:99999/", limits=FAST)
    assert r.error and r.status is None


# --- concurrency ------------------------------------------------------------------------


async def test_at_most_two_requests_per_host(feed_server: FeedServer):
    feed_server.route("/slow", slow(feed(), 0.25))
    limiter = HostLimiter(per_host=2)

    async def one(url: str) -> int | None:
        async with limiter.slot(url):
            return (await fetch(c, url, limits=FAST)).status

    async with make_client(FAST) as c:
        statuses = await asyncio.gather(*(one(feed_server.url("/slow")) for _ in range(6)))
    assert statuses == [200] * 6
    assert feed_server.max_active == 2
    assert limiter._slots == {}  # nothing kept for idle hosts


async def test_different_hosts_do_not_wait_for_each_other(feed_server: FeedServer):
    feed_server.route("/slow", slow(feed(), 0.25))
    limiter = HostLimiter(per_host=2)
    # Two host names for the same server.
    urls = [feed_server.url("/slow")] * 3 + [feed_server.url("/slow", "localhost")] * 3

    async def one(url: str) -> None:
        async with limiter.slot(url):
            await fetch(c, url, limits=FAST)

    async with make_client(FAST) as c:
        await asyncio.gather(*(one(u) for u in urls))
    assert feed_server.max_active == 4 and feed_server.count("/slow") == 6


# --- file:// ----------------------------------------------------------------------------


async def test_file_url_with_conditional_refetch(tmp_path: Path, client):
    path = tmp_path / "demo feed.xml"
    path.write_bytes(RSS)
    url = path.as_uri()
    first = await fetch(client, url, limits=FAST)
    assert (first.status, first.body, first.error) == (200, RSS, None)
    assert first.last_modified and first.etag and first.content_type == "application/xml"
    assert (await fetch(client, url, etag=first.etag, limits=FAST)).status == 304
    lm = await fetch(client, url, last_modified=first.last_modified, limits=FAST)
    assert lm.status == 304 and lm.body is None
    path.write_bytes(RSS + b"<!-- changed -->")
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 5_000_000_000))
    changed = await fetch(client, url, etag=first.etag, limits=FAST)
    assert changed.status == 200 and changed.etag != first.etag


async def test_file_url_errors(tmp_path: Path, client):
    missing = tmp_path / "gone.xml"
    r = await fetch(client, missing.as_uri(), limits=FAST)
    assert (r.status, r.error) == (None, f"file not found: {missing}")
    r = await fetch(client, tmp_path.as_uri(), limits=FAST)
    assert r.error == f"not a file: {tmp_path}"
    big = tmp_path / "big.xml"
    big.write_bytes(b"x" * 2048)
    r = await fetch(client, big.as_uri(), limits=FetchLimits(max_bytes=1024))
    assert r.error == "too large: over 1 KiB" and r.body is None


# --- small pieces -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (500, "500 bytes"),
        (1024, "1 KiB"),
        (1536, "1.5 KiB"),
        (10 << 20, "10 MiB"),
        (3 << 30, "3 GiB"),
    ],
)
def test_format_size(n: int, text: str):
    assert format_size(n) == text


def test_schedule_needs_no_http_client_and_storage_no_ui():
    code = (
        "import sys, storage.schedule; assert 'httpx' not in sys.modules;"
        "import storage.fetch; bad = {'textual', 'rich'} & sys.modules.keys(); assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[2])
