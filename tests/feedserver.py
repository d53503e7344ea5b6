"""A real HTTP server on 127.0.0.1 for tests: routes, recorded requests, misbehaviours.

A test registers `path -> handler(request) -> Reply` and fetches `server.url(path)`.
Every request is recorded (headers included) so tests can assert what the client sent,
and the server counts how many requests run at once. Helpers build the replies feed
tests need: conditional GET, redirects, Retry-After, gzip, a gzip bomb, a body that
trickles one byte at a time, a body with no Content-Length.

Use the `feed_server` fixture (re-exported by tests/conftest.py), or `FeedServer()` as
a context manager.
"""

from __future__ import annotations

import dataclasses
import functools
import gzip
import http.server
import socket
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from email.message import Message

import pytest

__all__ = [
    "FeedServer",
    "Reply",
    "Request",
    "conditional",
    "feed_server",
    "gzip_bomb",
    "gzipped",
    "redirect",
    "refused_url",
    "slow",
    "trickle",
]

RSS = b"""<?xml version="1.0"?>
<rss version="2.0"><channel><title>Test feed</title><link>http://example.test/</link>
<item><title>One</title><guid>1</guid></item></channel></rss>
"""


@dataclass(frozen=True)
class Request:
    """One request as the server saw it."""

    method: str
    path: str
    headers: Message
    at: float  # time.monotonic() when it arrived


@dataclass
class Reply:
    """What a handler answers. `body` may be an iterable of chunks for streaming.

    `content_length=False` sends no Content-Length and closes the connection to end
    the body. `chunk_delay` sleeps before every chunk (trickling servers).
    """

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | Iterable[bytes] = b""
    content_length: bool = True
    chunk_delay: float = 0.0
    delay: float = 0.0  # sleep before sending anything (slow servers, concurrency tests)


Handler = Callable[[Request], Reply]


class FeedServer:
    """A ThreadingHTTPServer on an ephemeral port of 127.0.0.1, running in a thread."""

    def __init__(self) -> None:
        self.routes: dict[str, Handler] = {}
        self.requests: list[Request] = []
        self.active = 0
        self.max_active = 0
        self._lock = threading.Lock()
        self._httpd = _Server(("127.0.0.1", 0), _make_handler(self))
        self.port: int = self._httpd.server_address[1]
        # A short poll interval makes shutdown() (and so every test's teardown) quick.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def __enter__(self) -> FeedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def route(self, path: str, handler: Handler | Reply) -> str:
        """Serve `path` with a handler (or a fixed Reply); returns the full URL."""
        self.routes[path] = handler if callable(handler) else (lambda _req: handler)
        return self.url(path)

    def requests_for(self, path: str) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def count(self, path: str) -> int:
        return len(self.requests_for(path))

    def _enter(self, request: Request) -> None:
        with self._lock:
            self.requests.append(request)
            self.active += 1
            self.max_active = max(self.max_active, self.active)

    def _leave(self) -> None:
        with self._lock:
            self.active -= 1


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # a trickling handler must not hold up teardown


def _make_handler(server: FeedServer) -> type[http.server.BaseHTTPRequestHandler]:
    class _Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            request = Request("GET", self.path, self.headers, time.monotonic())
            server._enter(request)
            try:
                handler = server.routes.get(self.path.split("?", 1)[0])
                reply = handler(request) if handler else Reply(404, body=b"no such route")
                self._send(reply)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the client gave up (deadline, size cap)
            finally:
                server._leave()

        def _send(self, reply: Reply) -> None:
            if reply.delay:
                time.sleep(reply.delay)
            chunks = [reply.body] if isinstance(reply.body, bytes) else reply.body
            self.send_response(reply.status)
            names = {k.lower() for k in reply.headers}
            for name, value in reply.headers.items():
                self.send_header(name, value)
            if not reply.content_length:
                self.send_header("Connection", "close")
                self.close_connection = True
            elif "content-length" not in names:
                chunks = list(chunks)
                self.send_header("Content-Length", str(sum(len(c) for c in chunks)))
            self.end_headers()
            if reply.status == 304 or self.command == "HEAD":
                return
            for chunk in chunks:
                if reply.chunk_delay:
                    time.sleep(reply.chunk_delay)
                self.wfile.write(chunk)
                self.wfile.flush()

        def log_message(self, format: str, *args: object) -> None:
            pass  # keep pytest output clean

    return _Handler


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    with FeedServer() as server:
        yield server


# --- replies for common situations ---------------------------------------------------


def trickle(body: bytes = RSS, per_byte: float = 1.0, *, content_length: bool = True) -> Reply:
    """Send one byte every `per_byte` seconds: a server that never quite times out."""
    return Reply(
        headers={"Content-Type": "application/rss+xml"},
        body=[body[i : i + 1] for i in range(len(body))],
        content_length=content_length,
        chunk_delay=per_byte,
    )


def gzipped(body: bytes = RSS, **headers: str) -> Reply:
    return Reply(
        headers={"Content-Encoding": "gzip", "Content-Type": "application/rss+xml", **headers},
        body=gzip.compress(body),
    )


@functools.cache
def _bomb(size: int) -> bytes:
    # Compress zeros piece by piece so the test never holds `size` bytes in memory.
    comp = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)  # gzip container
    piece = bytes(1 << 20)
    out = [comp.compress(piece) for _ in range(size // len(piece))]
    out.append(comp.flush())
    return b"".join(out)


def gzip_bomb(size: int = 50 * 1024 * 1024) -> Reply:
    """A small gzip body that inflates to `size` bytes of zeros (default 50 MiB)."""
    return Reply(
        headers={"Content-Encoding": "gzip", "Content-Type": "application/rss+xml"},
        body=_bomb(size),
    )


def redirect(location: str, status: int = 301) -> Reply:
    return Reply(status, headers={"Location": location})


def slow(reply: Reply, seconds: float) -> Reply:
    """The same reply, sent after a wait (to hold requests open at the same time)."""
    return dataclasses.replace(reply, delay=seconds)


def conditional(
    body: bytes = RSS, etag: str | None = '"v1"', last_modified: str | None = None
) -> Handler:
    """Answer 304 when the client's validators match, else 200 with them."""
    headers = {"Content-Type": "application/rss+xml"}
    if etag:
        headers["ETag"] = etag
    if last_modified:
        headers["Last-Modified"] = last_modified

    def handle(request: Request) -> Reply:
        inm = request.headers.get("If-None-Match")
        ims = request.headers.get("If-Modified-Since")
        if (etag and inm == etag) or (not inm and last_modified and ims == last_modified):
            return Reply(304, headers={k: v for k, v in headers.items() if k != "Content-Type"})
        return Reply(200, headers=headers, body=body)

    return handle


def refused_url() -> str:
    """A loopback URL nobody listens on (the port was just bound and released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/feed.xml"
