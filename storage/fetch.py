"""One feed fetch over HTTP(S) or file:// (or one article page), as a plain `FetchResult`.

This module owns every HTTP call of the project: the shared httpx client, conditional
GET with the stored validators, redirects (followed by hand so loops, hop limits and
"moved for good" can be told apart), a total deadline per fetch, a cap on the decoded
body, and the per-host concurrency limit. It decides nothing about scheduling; that is
`storage.schedule`. `fetch()` never raises except `asyncio.CancelledError`: every
failure becomes `FetchResult.error`, a sentence a person understands.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import errno
import mimetypes
import os
import socket
import ssl
import time
import urllib.parse
import urllib.request
from collections.abc import AsyncIterator
from dataclasses import dataclass

# storage/__init__.py has already kept httpx from loading its command-line tool (rich).
import httpx

import storage
from storage.schedule import parse_retry_after

__all__ = [
    "USER_AGENT",
    "FetchLimits",
    "FetchResult",
    "HostLimiter",
    "fetch",
    "fetch_page",
    "format_size",
    "make_client",
    "post_text",
]

USER_AGENT = f"newsdeck/{storage.__version__} (+https://github.com/newsdeck/newsdeck)"

# Feed formats first; */* last so servers that only know text/html still answer.
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, "
    "application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5"
)
# Article pages (full text): HTML first. A 200 of another type (a PDF, an image) is refused.
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
PAGE_TYPES = frozenset({"text/html", "application/xhtml+xml"})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
PERMANENT_STATUSES = frozenset({301, 308})
# The body of a 304, a redirect or an error is read and dropped when it is this small, so
# that the connection goes back to the pool instead of being closed (a 304 has none).
DISCARD_MAX_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class FetchLimits:
    """How long and how much one fetch may take."""

    timeout: float = 20.0  # total deadline per fetch, redirects and body included
    max_bytes: int = 10 * 1024 * 1024  # decoded body cap
    max_redirects: int = 5
    user_agent: str = USER_AGENT

    def httpx_timeout(self) -> httpx.Timeout:
        # The total deadline is enforced by asyncio.timeout(); these only make a dead
        # connection fail fast. Pool waits are bounded by the poller's semaphore.
        return httpx.Timeout(
            self.timeout, connect=min(10.0, self.timeout), pool=max(60.0, self.timeout)
        )


@dataclass(frozen=True, slots=True)
class FetchResult:
    """What happened when one URL was fetched; `storage.schedule.decide` turns it into a plan."""

    url: str  # the URL asked for
    final_url: str  # after redirects
    # >=1 redirect and every hop 301/308. Reported even when the end of the chain failed:
    # move the stored feed URL to final_url only when the result is .ok.
    permanent_redirect: bool = False
    status: int | None = None  # last HTTP status; None on network error or timeout
    body: bytes | None = None  # only for 200
    etag: str | None = None  # as received, only on 200; None means "no new value"
    last_modified: str | None = None  # likewise
    content_type: str | None = None
    retry_after: float | None = None  # seconds from now, if the final response had one
    max_age: float | None = None  # Cache-Control max-age minus Age; None if no-cache/no-store
    error: str | None = None  # None on 200 and 304
    elapsed: float = 0.0  # seconds

    @property
    def ok(self) -> bool:
        """True for a usable 200 or a 304."""
        return self.error is None and self.status in (200, 304)


def make_client(limits: FetchLimits = FetchLimits(), concurrency: int = 16) -> httpx.AsyncClient:
    """The one client the poller shares across all feeds (HTTP/1.1, gzip/deflate by httpx)."""
    return httpx.AsyncClient(
        http1=True,
        http2=False,
        follow_redirects=False,  # fetch() follows redirects itself
        timeout=limits.httpx_timeout(),
        limits=httpx.Limits(
            max_connections=concurrency,
            max_keepalive_connections=concurrency,
            keepalive_expiry=30.0,
        ),
        headers={"User-Agent": limits.user_agent, "Accept": ACCEPT},
    )


class HostLimiter:
    """At most `per_host` concurrent requests per host name, across all tasks of a loop.

    Use it around fetch(), inside the poller's global semaphore:
    `async with limiter.slot(url): result = await fetch(client, url)`. The host is the
    one of the URL asked for; a redirect to another host is not re-counted.
    """

    def __init__(self, per_host: int = 2) -> None:
        if per_host < 1:
            raise ValueError("per_host must be at least 1")
        self.per_host = per_host
        # host -> (semaphore, number of tasks holding or waiting for it)
        self._slots: dict[str, tuple[asyncio.Semaphore, int]] = {}

    @staticmethod
    def host_of(url: str) -> str:
        try:
            return (urllib.parse.urlsplit(url).hostname or "").lower()
        except ValueError:
            return ""

    @contextlib.asynccontextmanager
    async def slot(self, url: str) -> AsyncIterator[None]:
        host = self.host_of(url)
        if host in self._slots:
            sem, users = self._slots[host]
        else:
            sem, users = asyncio.Semaphore(self.per_host), 0
        self._slots[host] = (sem, users + 1)
        try:
            async with sem:
                yield
        finally:
            # Drop idle entries so a long-running daemon doesn't keep every host ever seen.
            sem, users = self._slots[host]
            if users <= 1:
                del self._slots[host]
            else:
                self._slots[host] = (sem, users - 1)


def format_size(n: int) -> str:
    """1048576 -> '1 MiB', 1536 -> '1.5 KiB', 500 -> '500 bytes'."""
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size:
            return f"{n / size:.1f}".removesuffix(".0") + f" {unit}"
    return f"{n} bytes"


def _seconds(t: float) -> str:
    return f"{t:g} s"


class _FetchError(Exception):
    """A failure with its user-facing message and the last status seen (if any)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


async def fetch(
    client: httpx.AsyncClient,
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    limits: FetchLimits = FetchLimits(),
) -> FetchResult:
    """Fetch `url` once (conditional on the stored validators); never raises but CancelledError."""
    return await _fetch(client, url, etag, last_modified, limits, page=False)


async def fetch_page(
    client: httpx.AsyncClient, url: str, limits: FetchLimits = FetchLimits()
) -> FetchResult:
    """Fetch an article's web page for its full text; never raises but CancelledError.

    The same client, deadline, size cap, redirects and User-Agent as a feed, but http(s)
    only (the URL comes from a feed, and must not make us read a local file), no
    validators, and a 200 that is not HTML is an error (checked before the body is read).
    """
    return await _fetch(client, url, None, None, limits, page=True)


async def _fetch(
    client: httpx.AsyncClient,
    url: str,
    etag: str | None,
    last_modified: str | None,
    limits: FetchLimits,
    *,
    page: bool,
) -> FetchResult:
    started = time.monotonic()
    state = _Progress(url)
    try:
        async with asyncio.timeout(limits.timeout):
            scheme = urllib.parse.urlsplit(url).scheme.lower()
            if scheme == "file" and not page:
                return await asyncio.to_thread(
                    _fetch_file, url, etag, last_modified, limits, started
                )
            if scheme not in ("http", "https"):
                raise _FetchError(f"unsupported URL scheme: {scheme or 'none'} (use http or https)")
            return await _fetch_http(
                client, url, etag, last_modified, limits, started, state, page=page
            )
    except TimeoutError:
        return state.failure(f"timed out after {_seconds(limits.timeout)}", started)
    except _FetchError as exc:
        return state.failure(exc.message, started, exc.status)
    except httpx.TimeoutException as exc:
        return state.failure(_timeout_message(exc, limits), started)
    except (httpx.HTTPError, httpx.InvalidURL, OSError, ValueError) as exc:
        return state.failure(_describe_error(exc, state.current_url), started)
    except Exception as exc:  # the contract is "never raises": a bug here must not stop a poll
        return state.failure(f"unexpected error: {type(exc).__name__}: {exc}", started)


async def post_text(
    url: str,
    text: str,
    headers: dict[str, str] | None = None,
    *,
    timeout: float = 10.0,
    user_agent: str = USER_AGENT,
) -> str | None:
    """POST plain UTF-8 text (alerts to ntfy and the like); None on a 2xx, else the
    failure in words. Same User-Agent as every fetch, a total deadline, no redirects
    (a redirected POST loses its body); never raises but CancelledError."""
    limits = FetchLimits(timeout=timeout, user_agent=user_agent)
    sent = {"Content-Type": "text/plain; charset=utf-8", **(headers or {})}
    try:
        async with asyncio.timeout(timeout), make_client(limits, concurrency=1) as client:
            # Streamed and never read: whatever the server answers, only its status counts.
            body = text.encode("utf-8")
            async with client.stream("POST", url, content=body, headers=sent) as response:
                status, reason = response.status_code, response.reason_phrase
    except TimeoutError:
        return f"timed out after {_seconds(timeout)}"
    except httpx.TimeoutException as exc:
        return _timeout_message(exc, limits)
    except (httpx.HTTPError, httpx.InvalidURL, OSError, ValueError) as exc:
        return _describe_error(exc, url)
    except Exception as exc:  # an alert must never stop a poll
        return f"unexpected error: {type(exc).__name__}: {exc}"
    if 200 <= status < 300:
        return None
    return f"HTTP {status} {reason}".rstrip()


class _Progress:
    """Where a fetch got to, so a failure can still report the last URL and status."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.current_url = url
        self.hops: list[int] = []  # statuses of the redirects followed so far

    @property
    def permanent(self) -> bool:
        return bool(self.hops) and all(s in PERMANENT_STATUSES for s in self.hops)

    def failure(self, message: str, started: float, status: int | None = None) -> FetchResult:
        return FetchResult(
            url=self.url,
            final_url=self.current_url,
            permanent_redirect=self.permanent,
            status=status,
            error=message,
            elapsed=time.monotonic() - started,
        )


async def _fetch_http(
    client: httpx.AsyncClient,
    url: str,
    etag: str | None,
    last_modified: str | None,
    limits: FetchLimits,
    started: float,
    state: _Progress,
    *,
    page: bool = False,
) -> FetchResult:
    headers = {"User-Agent": limits.user_agent, "Accept": PAGE_ACCEPT if page else ACCEPT}
    # Validators go out verbatim: servers compare them as opaque strings.
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    seen = {str(httpx.URL(url))}
    while True:
        async with client.stream(
            "GET",
            state.current_url,
            headers=headers,
            follow_redirects=False,
            timeout=limits.httpx_timeout(),
        ) as response:
            if response.status_code in REDIRECT_STATUSES:
                state.current_url = _next_hop(response, seen, state, limits)
                await _discard_body(response)
                continue
            body = None
            error = None
            if response.status_code == 200:
                if page:
                    _check_page_type(response.headers.get("Content-Type"))
                body = await _read_capped(response, limits.max_bytes)
            else:
                if response.status_code != 304:
                    error = f"HTTP {response.status_code} {response.reason_phrase}".rstrip()
                await _discard_body(response)
            ok = response.status_code == 200
            h = response.headers
            return FetchResult(
                url=url,
                final_url=state.current_url,
                permanent_redirect=state.permanent,
                status=response.status_code,
                body=body,
                etag=h.get("ETag") if ok else None,
                last_modified=h.get("Last-Modified") if ok else None,
                content_type=h.get("Content-Type"),
                retry_after=parse_retry_after(h.get("Retry-After") or "", time.time()),
                max_age=_max_age(h.get("Cache-Control"), h.get("Age")),
                error=error,
                elapsed=time.monotonic() - started,
            )


def _next_hop(
    response: httpx.Response, seen: set[str], state: _Progress, limits: FetchLimits
) -> str:
    location = response.headers.get("Location")
    status = response.status_code
    if not location:
        raise _FetchError(f"HTTP {status} redirect without a Location header", status)
    try:
        target = response.url.join(location)
    except (httpx.InvalidURL, ValueError) as exc:
        raise _FetchError(f"bad redirect Location {location!r}: {exc}", status) from None
    if target.scheme not in ("http", "https"):
        # Never let a web server point us at a local file or another protocol.
        raise _FetchError(f"redirect to an unsupported URL scheme: {target.scheme}", status)
    key = str(target)
    if key in seen:
        raise _FetchError("redirect loop", status)
    if len(state.hops) >= limits.max_redirects:
        raise _FetchError(f"too many redirects (over {limits.max_redirects})", status)
    seen.add(key)
    state.hops.append(status)
    return key


def _check_page_type(content_type: str | None) -> None:
    # No Content-Type at all: let the extractor look (old servers omit it for HTML).
    media = (content_type or "").partition(";")[0].strip().lower()
    if media and media not in PAGE_TYPES:
        raise _FetchError(f"the link is not a web page but {media}", 200)


async def _discard_body(response: httpx.Response) -> None:
    """Read and drop a small body (a 304's is empty) so httpcore keeps the connection.

    A body that says it is larger than DISCARD_MAX_BYTES, or turns out to be, is left
    unread: closing the stream then closes the connection, which is cheaper. A failure
    here changes nothing about the answer already received.
    """
    declared = response.headers.get("Content-Length")
    if declared and (not declared.strip().isdigit() or int(declared) > DISCARD_MAX_BYTES):
        return
    total = 0
    with contextlib.suppress(httpx.HTTPError, OSError):
        async for chunk in response.aiter_raw():
            total += len(chunk)
            if total > DISCARD_MAX_BYTES:
                return


async def _read_capped(response: httpx.Response, max_bytes: int) -> bytes:
    too_large = _FetchError(f"too large: over {format_size(max_bytes)}", response.status_code)
    declared = response.headers.get("Content-Length")
    if declared and declared.strip().isdigit() and int(declared) > max_bytes:
        raise too_large  # no point downloading what we will throw away
    chunks: list[bytes] = []
    total = 0
    # aiter_bytes() yields decoded bytes, so a gzip bomb hits the cap as it inflates.
    async for chunk in response.aiter_bytes():
        total += len(chunk)
        if total > max_bytes:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


def _max_age(cache_control: str | None, age: str | None) -> float | None:
    if not cache_control:
        return None
    max_age: float | None = None
    for directive in cache_control.lower().split(","):
        name, _, value = directive.strip().partition("=")
        name = name.strip()
        if name in ("no-cache", "no-store"):
            return None
        if name == "max-age":
            with contextlib.suppress(ValueError):
                max_age = float(int(value.strip().strip('"')))
    if max_age is None:
        return None
    # Age is how long the response sat in a cache already; only the rest is still fresh.
    if age and age.strip().isdigit():
        max_age -= int(age)
    return max(0.0, max_age)


def _timeout_message(exc: httpx.TimeoutException, limits: FetchLimits) -> str:
    if isinstance(exc, httpx.ConnectTimeout):
        return f"could not connect within {_seconds(limits.httpx_timeout().connect or 0)}"
    if isinstance(exc, httpx.PoolTimeout):
        return "timed out waiting for a free connection"
    return f"timed out after {_seconds(limits.timeout)}"


def _describe_error(exc: BaseException, url: str) -> str:
    """A network failure in words; the exception chain holds the OS-level reason."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    for cause in chain:
        if isinstance(cause, socket.gaierror):
            host = HostLimiter.host_of(url) or url
            return f"DNS lookup failed for {host}"
        if isinstance(cause, ssl.SSLCertVerificationError):
            return f"TLS error: {cause.verify_message or cause.reason or cause}"
        if isinstance(cause, ssl.SSLError):
            return f"TLS error: {cause.reason or cause}"
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
        if isinstance(cause, ConnectionResetError):
            return "connection reset by the server"
        if isinstance(cause, OSError) and cause.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
            return f"network unreachable: {cause.strerror}"
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return f"invalid URL: {exc}"
    if isinstance(exc, httpx.DecodingError):
        return f"could not decode the response body: {exc}"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"the server broke the connection: {exc}"
    return f"network error: {exc}" if str(exc) else f"network error: {type(exc).__name__}"


def _fetch_file(
    url: str, etag: str | None, last_modified: str | None, limits: FetchLimits, started: float
) -> FetchResult:
    """file:// for the offline demo and tests: a 200/304 as if a web server answered."""
    parts = urllib.parse.urlsplit(url)
    if parts.netloc not in ("", "localhost"):
        raise _FetchError(f"file URLs must be local, not on host {parts.netloc}")
    path = urllib.request.url2pathname(urllib.parse.unquote(parts.path))
    try:
        # Refuse FIFOs and devices before open(): reading one could block or never end.
        if not os.path.isfile(path):
            if os.path.exists(path):
                raise _FetchError(f"not a file: {path}")
            raise FileNotFoundError(path)
        with open(path, "rb") as f:
            st = os.fstat(f.fileno())
            # mtime_ns and size make an exact validator; Last-Modified alone has 1 s steps.
            new_etag = f'"{st.st_mtime_ns:x}-{st.st_size:x}"'
            new_modified = email.utils.formatdate(st.st_mtime, usegmt=True)
            unchanged = etag == new_etag if etag else last_modified == new_modified
            body = None if unchanged else f.read(limits.max_bytes + 1)
    except FileNotFoundError:
        raise _FetchError(f"file not found: {path}") from None
    except PermissionError:
        raise _FetchError(f"cannot read {path}: permission denied") from None
    except OSError as exc:
        raise _FetchError(f"cannot read {path}: {exc.strerror or exc}") from None
    if body is not None and len(body) > limits.max_bytes:
        raise _FetchError(f"too large: over {format_size(limits.max_bytes)}", 200)
    return FetchResult(
        url=url,
        final_url=url,
        status=304 if unchanged else 200,
        body=body,
        etag=None if unchanged else new_etag,
        last_modified=None if unchanged else new_modified,
        content_type=mimetypes.guess_type(path)[0],
        elapsed=time.monotonic() - started,
    )
