"""Loopback feed server for the poller benchmark; runs as its own process.

    python tests/benchmarks/poll_server.py ROOT [--port 0]

Serves `ROOT/base/NNN.xml` and `ROOT/changed/NNN.xml` (written by poll_feeds.py) from
memory at `http://127.0.0.1:PORT/feeds/NNN.xml`, one set at a time, on a
ThreadingHTTPServer with HTTP/1.1 keep-alive. Every body is gzipped once at start-up and
sent gzipped to clients that accept it. Each response carries an ETag (a hash of the
body) and a Last-Modified; a request whose If-None-Match matches (or, without one, whose
If-Modified-Since is not older) gets a 304. A file that is byte-identical in both sets
keeps its validators when the set changes, like a real site where only some feeds moved.

Control endpoints (used by bench_poll.py):
  GET /__use/base, /__use/changed   switch the set being served
  GET /__stats                      counters since the last reset, as JSON
  GET /__reset                      zero the counters

The first line on stdout is `PORT <n>` once the server listens.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import http.server
import json
import re
import sys
import threading
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path

SETS = ("base", "changed")
BASE_MODIFIED = datetime(2025, 6, 2, 12, 0, tzinfo=UTC)
CHANGED_MODIFIED = datetime(2025, 6, 2, 14, 0, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Body:
    raw: bytes
    gz: bytes
    etag: str
    modified: datetime
    content_type: str

    @property
    def last_modified(self) -> str:
        return format_datetime(self.modified, usegmt=True)


def load(root: Path) -> dict[str, dict[str, Body]]:
    """Both sets in memory, pre-gzipped, keyed by set then by URL path."""
    sets: dict[str, dict[str, Body]] = {}
    for name in SETS:
        bodies: dict[str, Body] = {}
        for path in sorted((root / name).glob("*.xml")):
            raw = path.read_bytes()
            url_path = f"/feeds/{path.name}"
            before = sets.get("base", {}).get(url_path)
            if before is not None and before.raw == raw:
                bodies[url_path] = before
                continue
            kind = "atom" if b"<feed " in raw[:300] else "rss"
            bodies[url_path] = Body(
                raw=raw,
                gz=gzip.compress(raw, compresslevel=6, mtime=0),
                etag='"' + hashlib.blake2b(raw, digest_size=12).hexdigest() + '"',
                modified=BASE_MODIFIED if name == "base" else CHANGED_MODIFIED,
                content_type=f"application/{kind}+xml; charset=utf-8",
            )
        sets[name] = bodies
    return sets


class State:
    """The set being served and the counters, shared by all handler threads."""

    def __init__(self, sets: dict[str, dict[str, Body]]) -> None:
        self.sets = sets
        self.current = "base"
        self.lock = threading.Lock()
        self.counts: Counter[str] = Counter()
        self.user_agents: Counter[str] = Counter()
        self.in_flight = 0

    def count(self, **kinds: int) -> None:
        with self.lock:
            self.counts.update(kinds)

    def stats(self) -> dict[str, object]:
        with self.lock:
            return {
                "set": self.current,
                **self.counts,
                "user_agents": dict(self.user_agents),
            }

    def reset(self) -> None:
        with self.lock:
            self.counts.clear()
            self.user_agents.clear()


def _accepts_gzip(header: str | None) -> bool:
    for part in (header or "").split(","):
        name, _, params = part.strip().partition(";")
        if name.strip().lower() in ("gzip", "*"):
            q = re.search(r"q\s*=\s*([0-9.]+)", params)
            return not q or float(q.group(1)) > 0
    return False


def _not_modified(body: Body, if_none_match: str | None, if_modified_since: str | None) -> bool:
    if if_none_match is not None:
        tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
        return "*" in tags or body.etag in tags
    if if_modified_since:
        try:
            since = parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError):
            return False
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        return body.modified <= since
    return False


def make_handler(state: State) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "poll-bench/1"

        def setup(self) -> None:
            super().setup()
            state.count(connections=1)

        def log_message(self, format: str, *args: object) -> None:
            pass  # quiet: the counters say what happened

        def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def do_HEAD(self) -> None:
            self.do_GET()

        def do_GET(self) -> None:
            if self.path.startswith("/__"):
                self._control()
                return
            with state.lock:
                body = state.sets[state.current].get(self.path.split("?")[0])
                state.user_agents[self.headers.get("User-Agent", "")] += 1
            if body is None:
                state.count(requests=1, status_404=1)
                self._send(404, b"not found\n", {"Content-Type": "text/plain"})
                return
            inm = self.headers.get("If-None-Match")
            ims = self.headers.get("If-Modified-Since")
            state.count(
                requests=1,
                if_none_match=inm is not None,
                if_modified_since=ims is not None,
            )
            validators = {"ETag": body.etag, "Last-Modified": body.last_modified}
            if _not_modified(body, inm, ims):
                state.count(status_304=1)
                self._send(304, b"", validators)
                return
            headers = {"Content-Type": body.content_type, "Vary": "Accept-Encoding", **validators}
            if _accepts_gzip(self.headers.get("Accept-Encoding")):
                headers["Content-Encoding"] = "gzip"
                payload = body.gz
                state.count(gzip=1)
            else:
                payload = body.raw
            state.count(status_200=1, bytes_sent=len(payload))
            self._send(200, payload, headers)

        def _control(self) -> None:
            path = self.path
            if path.startswith("/__use/") and path[len("/__use/") :] in SETS:
                with state.lock:
                    state.current = path[len("/__use/") :]
                reply: object = {"set": state.current}
            elif path == "/__stats":
                reply = state.stats()
            elif path == "/__reset":
                state.reset()
                reply = {"reset": True}
            else:
                self._send(404, b"unknown control path\n", {"Content-Type": "text/plain"})
                return
            self._send(200, json.dumps(reply).encode(), {"Content-Type": "application/json"})

    return Handler


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # 200 feeds may connect at once


def main() -> None:
    parser = argparse.ArgumentParser(description="Loopback feed server for bench_poll.py")
    parser.add_argument("root", type=Path, help="folder with base/ and changed/")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    state = State(load(args.root))
    server = Server(("127.0.0.1", args.port), make_handler(state))
    print(f"PORT {server.server_address[1]}", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    sys.exit(0)


if __name__ == "__main__":
    main()
