"""Alerts end to end: a real poll of a loopback feed, then a real ntfy-style POST to a
loopback server and a real command, with the outcomes in the alerts table."""

from __future__ import annotations

import asyncio
import email.utils
import http.server
import json
import shlex
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from feedserver import FeedServer, Reply, refused_url

from storage.alert_delivery import AlertArticle, AlertBatch, ntfy_message, run_command
from storage.alerts import claim_batches, recent_alerts
from storage.config import Config, FeedConfig, PollSettings, TopicConfig
from storage.fetch import USER_AGENT, post_text
from storage.poller import poll_once
from storage.store import Store

NOW = int(time.time())


# -- a loopback server that records POSTs (tests/feedserver.py only answers GETs) ------


@dataclass
class Post:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Inbox:
    """An ntfy stand-in: records every POST and answers `status`."""

    url: str = ""
    posts: list[Post] = field(default_factory=list)
    status: int = 200

    def text(self, i: int = 0) -> str:
        return self.posts[i].body.decode("utf-8")


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    box = Inbox()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            box.posts.append(Post(self.path, dict(self.headers.items()), body))
            answer = b'{"id":"x1","event":"message"}'
            self.send_response(box.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02})
    thread.start()
    box.url = f"http://127.0.0.1:{server.server_address[1]}/newsdeck-alerts"
    try:
        yield box
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


# -- a feed whose items the test changes between polls ---------------------------------


class Feed:
    def __init__(self, server: FeedServer) -> None:
        self.items: list[tuple[str, str, int]] = []  # (guid, title, published)
        self.url = server.route("/feed.xml", lambda _request: Reply(200, {}, self.rss()))

    def add(self, guid: str, title: str, age: int = 600) -> None:
        self.items.append((guid, title, NOW - age))

    def rss(self) -> bytes:
        items = "".join(
            f"<item><guid>{guid}</guid><title>{title}</title>"
            f"<link>https://news.example/{guid}</link>"
            f"<pubDate>{email.utils.formatdate(published, usegmt=True)}</pubDate></item>"
            for guid, title, published in self.items
        )
        return (
            '<?xml version="1.0"?><rss version="2.0"><channel><title>Loopback News</title>'
            f"<link>https://news.example/</link>{items}</channel></rss>"
        ).encode()


@pytest.fixture
def feed(feed_server: FeedServer) -> Feed:
    return Feed(feed_server)


def config(feed: Feed, **alerts: str) -> Config:
    return Config(
        poll=PollSettings(),
        feeds=(FeedConfig(url=feed.url),),
        topics=(
            TopicConfig("Ukraine aid", "ukraine", **alerts),
            TopicConfig("Sport", "football"),
        ),
        exists=True,
    )


def alert_rows(db_path: Path) -> list[tuple]:
    with Store(db_path) as store:
        rows = store.conn.execute(
            "SELECT t.name, a.target, a.articles, a.ok, a.error FROM alerts a"
            " JOIN topics t ON t.id = a.topic_id ORDER BY a.id"
        ).fetchall()
    return [tuple(row) for row in rows]


def recorder(tmp_path: Path) -> tuple[str, Path]:
    """A real command: a Python script that saves its stdin and environment."""
    script = tmp_path / "save alert.py"  # a space, to prove the command is split properly
    out = tmp_path / "received.json"
    script.write_text(
        "import json, os, sys\n"
        "data = json.load(sys.stdin)\n"
        "data['env'] = [os.environ['NEWSDECK_TOPIC'], os.environ['NEWSDECK_COUNT']]\n"
        "open(sys.argv[1], 'w', encoding='utf-8').write(json.dumps(data))\n"
    )
    return shlex.join([sys.executable, str(script), str(out)]), out


# -- the poller sends alerts ------------------------------------------------------------


def test_first_poll_sets_the_watermark_then_new_articles_get_one_post(
    feed: Feed, inbox: Inbox, tmp_path: Path
) -> None:
    db_path = tmp_path / "news.db"
    settings = config(feed, alert_url=inbox.url)
    feed.add("1", "Ukraine backlog story")
    feed.add("2", "Football backlog")
    assert poll_once(db_path, settings, force=True).new_articles == 2
    assert inbox.posts == []  # a fresh database's backlog is not news

    feed.add("3", "Ukraine gets air defence", age=300)
    feed.add("4", "Ukraine aid vote [live]", age=60)
    feed.add("5", "Football final")
    assert poll_once(db_path, settings, force=True).new_articles == 3

    [post] = inbox.posts
    assert post.path == "/newsdeck-alerts"
    assert post.headers["Title"] == "newsdeck: Ukraine aid (2 new)"
    assert post.headers["Tags"] == "newspaper"
    assert post.headers["Click"] == "https://news.example/4"  # the newest
    assert post.headers["User-Agent"] == USER_AGENT
    assert post.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert inbox.text() == (
        "Ukraine aid vote [live] (Loopback News)\nhttps://news.example/4\n\n"
        "Ukraine gets air defence (Loopback News)\nhttps://news.example/3\n"
    )
    assert alert_rows(db_path) == [("Ukraine aid", inbox.url, 2, 1, None)]

    poll_once(db_path, settings, force=True)  # nothing new: nothing sent
    assert len(inbox.posts) == 1


def test_command_gets_the_new_articles_as_json(feed: Feed, tmp_path: Path) -> None:
    db_path = tmp_path / "news.db"
    command, out = recorder(tmp_path)
    settings = config(feed, alert_command=command)
    feed.add("1", "Old Ukraine news")
    poll_once(db_path, settings, force=True)
    assert not out.exists()

    feed.add("2", "Ukraine: Café owners send aid", age=120)
    poll_once(db_path, settings, force=True)
    received = json.loads(out.read_text(encoding="utf-8"))
    assert received["topic"] == "Ukraine aid" and received["count"] == 1
    assert received["env"] == ["Ukraine aid", "1"]
    [article] = received["articles"]
    assert article["title"] == "Ukraine: Café owners send aid"
    assert article["url"] == "https://news.example/2"
    assert article["feed"] == "Loopback News"
    assert article["published"] == time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(NOW - 120))
    assert alert_rows(db_path) == [("Ukraine aid", command, 1, 1, None)]


def test_failing_command_and_dead_url_are_recorded_and_the_poll_succeeds(
    feed: Feed, tmp_path: Path
) -> None:
    db_path = tmp_path / "news.db"
    script = tmp_path / "fail.py"
    script.write_text(
        "import sys\nsys.stderr.write('starting\\nno route to pager\\n')\nsys.exit(3)\n"
    )
    dead = refused_url()
    settings = config(feed, alert_command=f"{sys.executable} {script}", alert_url=dead)
    feed.add("1", "Ukraine one")
    poll_once(db_path, settings, force=True)
    feed.add("2", "Ukraine two")

    summary = poll_once(db_path, settings, force=True)

    assert summary.new_articles == 1 and [f.status for f in summary.feeds] == ["ok"]
    rows = {row[1]: row for row in alert_rows(db_path)}
    assert rows[f"{sys.executable} {script}"][2:] == (1, 0, "exit status 3: no route to pager")
    assert rows[dead][2:] == (1, 0, "connection refused")
    with Store(db_path) as store:
        recent = recent_alerts(store)
        assert store.count_articles() == 2
    assert {r.ok for r in recent} == {False} and {r.topic for r in recent} == {"Ukraine aid"}
    # At most once: the failed batch is not re-sent by the next poll.
    poll_once(db_path, settings, force=True)
    assert len(alert_rows(db_path)) == 2


def test_adding_an_alert_later_does_not_replay_history(
    feed: Feed, inbox: Inbox, tmp_path: Path
) -> None:
    db_path = tmp_path / "news.db"
    feed.add("1", "Ukraine before the alert")
    poll_once(db_path, config(feed), force=True)
    feed.add("2", "Ukraine after the alert")
    feed.add("3", "Ukraine story from last month", age=30 * 86400)  # a late feed backlog

    poll_once(db_path, config(feed, alert_url=inbox.url), force=True)

    [post] = inbox.posts
    assert post.headers["Title"] == "newsdeck: Ukraine aid (1 new)"
    assert "after the alert" in inbox.text() and "last month" not in inbox.text()


def test_two_pollers_never_claim_the_same_articles(feed: Feed, tmp_path: Path) -> None:
    db_path = tmp_path / "news.db"
    settings = config(feed, alert_command="true")
    feed.add("1", "Ukraine one")
    poll_once(db_path, settings, force=True)
    with Store(db_path) as store:
        store.ingest(store.feeds()[0].id, [_Entry("9", "Ukraine nine", NOW)], now=NOW)
        first = claim_batches(store, settings, NOW)
        second = claim_batches(store, settings, NOW)
    assert [(topic.name, batch.count) for topic, batch in first] == [("Ukraine aid", 1)]
    assert second == []


# -- delivery details ---------------------------------------------------------------------


def batch(n: int, topic: str = "Ukraine aid", url: str | None = None) -> AlertBatch:
    articles = tuple(
        AlertArticle(
            i, f"Headline number {i} " + "x" * 80, url or f"https://n.example/{i}", "F", NOW
        )
        for i in range(n)
    )
    return AlertBatch(1, topic, n + 50, articles)


def test_ntfy_body_stays_under_4k_and_says_how_many_are_left_out() -> None:
    body, headers = ntfy_message(batch(100))
    assert len(body.encode()) <= 4000
    shown = body.count("https://n.example/")
    assert body.rstrip().endswith(f"… and {150 - shown} more")
    assert headers["Title"] == "newsdeck: Ukraine aid (150 new)"


def test_ntfy_headers_survive_hostile_names_and_links() -> None:
    _body, headers = ntfy_message(batch(1, topic="Миграция\r\nX-Injected: 1", url="https://a b/"))
    assert headers["Title"].startswith("=?utf-8?b?") and "\n" not in headers["Title"]
    import base64

    decoded = base64.b64decode(headers["Title"][10:-2]).decode()
    assert decoded == "newsdeck: Миграция X-Injected: 1 (51 new)"
    assert "Click" not in headers  # a link with a space cannot go in a header


async def test_post_text_reports_http_errors(inbox: Inbox) -> None:
    inbox.status = 500
    assert await post_text(inbox.url, "hello", {"Title": "t"}) == "HTTP 500 Internal Server Error"
    assert inbox.text() == "hello" and inbox.posts[0].headers["Title"] == "t"


async def test_commands_time_out_and_missing_ones_are_named(tmp_path: Path) -> None:
    script = tmp_path / "hang.py"
    script.write_text("import time\ntime.sleep(30)\n")
    started = time.monotonic()
    error = await run_command(f"{sys.executable} {script}", b"{}", {}, timeout=0.5)
    assert error == "timed out after 0.5 s" and time.monotonic() - started < 5
    assert await run_command("no-such-newsdeck-hook --now", b"{}", {}) == (
        "command not found: no-such-newsdeck-hook"
    )
    assert "cannot split" in (await run_command("notify 'unbalanced", b"", {}) or "")


async def test_a_command_that_ignores_a_big_stdin_still_succeeds() -> None:
    payload = b"x" * (1 << 20)  # more than a pipe holds
    assert await asyncio.wait_for(run_command("true", payload, {}), 10) is None


@dataclass(frozen=True)
class _Entry:
    guid: str
    title: str
    published: int
    url: str | None = None
    author: str = ""
    updated: int | None = None
    summary: str = ""
    text: str = ""
    html: str = ""
