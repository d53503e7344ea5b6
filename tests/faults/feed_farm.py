"""A loopback feed farm in its own process: many RSS feeds whose content moves with time.

    python tests/faults/feed_farm.py --feeds 300 --items 20 --period 5

serves `http://127.0.0.1:PORT/feeds/N.xml` for N in 0 .. feeds-1 and prints `PORT <n>`
as its first line once it listens. With `--period 0` every feed is fixed (the crash
test needs an exact expected count); otherwise time is cut into rounds of `period`
seconds and each round a fifth of the feeds (a different fifth each round) gain one
new item, so a daemon polling every few seconds always has some feeds with news,
some that answer 304 and some unchanged.

Feed N at version v holds items v .. v+items-1 (newest first), with guids
`feedN-item<k>` and one-second gaps between publication times (so adaptive polling
keeps the configured interval). Every response has an ETag; a matching If-None-Match
gets a 304. Some items mention the default topics' words so topic panes fill up.

`FeedFarm` starts the process and stops it; `write_config` writes a newsdeck config
that polls the farm. `GET /__stats` answers how many requests and 304s were served.
"""

from __future__ import annotations

import argparse
import contextlib
import http.server
import json
import random
import subprocess
import sys
import threading
import time
from email.utils import formatdate
from pathlib import Path
from types import TracebackType

CHANGE_EVERY = 5  # rounds between two changes of one feed: a fifth change each round
# Titles are drawn from these words, seeded by (feed, item), so they repeat across runs
# but rarely across items; every fourth item leads with a topic's words.
LEADS = (
    "Ukraine receives air defence aid",
    "EU ministers debate asylum and border rules",
    "Kyiv repairs artillery damage",
    "Brussels proposes a migration partnership",
)
WORDS = (
    "harbour", "strike", "grain", "shipment", "wind", "farm", "auction", "ferry", "fuel",
    "surcharge", "parliament", "budget", "rail", "upgrade", "council", "metro", "station",
    "bridge", "tunnel", "election", "campaign", "court", "ruling", "school", "teachers",
    "hospital", "nurses", "farmers", "tractor", "protest", "river", "flood", "drought", "heat",
    "storm", "forest", "fire", "museum", "library", "festival", "orchestra", "football",
    "league", "transfer", "coach", "stadium", "airport", "runway", "airline", "pilot", "union",
    "wage", "pension", "reform", "tax", "bank", "rate", "inflation", "bakery", "bread",
    "price", "housing", "rent", "tenant", "landlord", "startup", "chip", "factory", "battery",
    "plant", "mine", "copper", "satellite", "launch", "telescope", "vaccine", "trial",
    "clinic", "ambulance", "police", "arrest", "fraud", "audit",
)  # fmt: skip
TOPICS = """
[[topics]]
name = "Ukraine aid"
query = "(ukraine OR kyiv) (aid OR air OR artillery)"

[[topics]]
name = "EU migration"
query = "(EU OR Brussels) (migration OR asylum OR border*)"
"""


def version(feed: int, round_: int) -> int:
    """How many new items feed `feed` has gained by round `round_`."""
    return (round_ + feed % CHANGE_EVERY) // CHANGE_EVERY


def title(feed: int, k: int) -> str:
    rng = random.Random(feed * 100_003 + k)
    words = " ".join(rng.sample(WORDS, 6))
    return f"{LEADS[k % len(LEADS)]}: {words}" if k % 4 == 0 else words.capitalize()


def feed_body(feed: int, v: int, items: int, base: int) -> bytes:
    """RSS 2.0 for feed `feed` at version `v`: items v .. v+items-1, newest first."""
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>',
        f"<title>Farm feed {feed}</title><link>http://127.0.0.1/site/{feed}</link>",
    ]
    for k in range(v + items - 1, v - 1, -1):
        subject = title(feed, k)
        parts.append(
            f"<item><guid>feed{feed}-item{k}</guid><title>{subject} ({feed}.{k})</title>"
            f"<link>http://127.0.0.1/site/{feed}/{k}</link>"
            f"<pubDate>{formatdate(base + k, usegmt=True)}</pubDate>"
            f"<description>&lt;p&gt;{subject}. Report {k} from farm feed {feed} adds"
            " detail on what officials said, with figures and &lt;b&gt;quotes&lt;/b&gt;."
            "&lt;/p&gt;</description></item>"
        )
    parts.append("</channel></rss>\n")
    return "".join(parts).encode()


class _Farm:
    def __init__(self, feeds: int, items: int, period: float) -> None:
        self.feeds = feeds
        self.items = items
        self.period = period
        self.started = time.time()
        self.base = int(self.started) - 7 * 86_400  # item k was published at base + k
        self.lock = threading.Lock()
        self.requests = 0
        self.not_modified = 0

    def round(self) -> int:
        return int((time.time() - self.started) / self.period) if self.period > 0 else 0

    def count(self, not_modified: bool) -> None:
        with self.lock:
            self.requests += 1
            self.not_modified += not_modified


def _handler(farm: _Farm) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/__stats":
                with farm.lock:
                    stats = {"requests": farm.requests, "not_modified": farm.not_modified}
                self._reply(200, json.dumps(stats).encode(), "application/json")
                return
            name = path.removeprefix("/feeds/").removesuffix(".xml")
            if not path.startswith("/feeds/") or not name.isdigit() or int(name) >= farm.feeds:
                self._reply(404, b"no such feed", "text/plain")
                return
            feed = int(name)
            v = version(feed, farm.round())
            etag = f'"{feed}-{v}"'
            if self.headers.get("If-None-Match") == etag:
                farm.count(True)
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            farm.count(False)
            body = feed_body(feed, v, farm.items, farm.base)
            self._reply(200, body, "application/rss+xml", etag)

        def _reply(self, status: int, body: bytes, kind: str, etag: str | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            if etag:
                self.send_header("ETag", etag)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        # A poller killed mid-request (the crash test does it on purpose) resets its
        # connections; that is not news. Anything else is printed as usual.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def serve(feeds: int, items: int, period: float) -> None:
    server = _Server(("127.0.0.1", 0), _handler(_Farm(feeds, items, period)))
    print(f"PORT {server.server_address[1]}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever(poll_interval=0.1)


class FeedFarm:
    """The farm as a child process; a context manager that always stops it."""

    def __init__(self, feeds: int, items: int = 20, period: float = 0.0) -> None:
        self.feeds = feeds
        self.items = items
        self.period = period
        self.proc: subprocess.Popen[str] | None = None
        self.port = 0

    def __enter__(self) -> FeedFarm:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                __file__,
                *("--feeds", str(self.feeds), "--items", str(self.items)),
                *("--period", str(self.period)),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()  # the farm prints its port as soon as it listens
        if not line.startswith("PORT "):
            self.__exit__(None, None, None)
            raise RuntimeError(f"feed farm did not start: {line!r}")
        self.port = int(line.split()[1])
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)

    def url(self, feed: int) -> str:
        return f"http://127.0.0.1:{self.port}/feeds/{feed}.xml"

    def stats(self) -> dict[str, int]:
        import urllib.request

        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/__stats", timeout=5) as r:
            return json.loads(r.read())

    def write_config(
        self, path: Path, *, interval: str = "1h", timeout: int = 15, concurrency: int = 16
    ) -> Path:
        """A config that polls every feed of the farm, with the two default-like topics."""
        lines = [
            "[poll]",
            f'interval = "{interval}"',
            f"timeout = {timeout}",
            f"concurrency = {concurrency}",
        ]
        for feed in range(self.feeds):
            lines += ["", "[[feeds]]", f'url = "{self.url(feed)}"', f'title = "Farm {feed}"']
        path.write_text("\n".join(lines) + "\n" + TOPICS)
        return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=300)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--period", type=float, default=0.0, help="seconds per round; 0: fixed")
    args = parser.parse_args()
    serve(args.feeds, args.items, args.period)


if __name__ == "__main__":
    main()
