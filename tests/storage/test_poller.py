"""The poller end to end: a real loopback server, the real parser, a real SQLite file."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from feedserver import FeedServer, Reply, conditional, redirect

from storage import db
from storage.config import Config, FeedConfig, PollSettings, TopicConfig
from storage.poller import poll_once, run_forever, seconds_until_next_due
from storage.store import Store
from tui.cli import run

ROOT = Path(__file__).resolve().parents[2]


def rss(items: list[tuple[str, str]], title: str = "Loopback News") -> bytes:
    body = "".join(
        f"<item><guid>{guid}</guid><title>{headline}</title>"
        f"<link>http://example.test/{guid}</link>"
        f"<pubDate>Mon, 02 Nov 2026 10:00:00 GMT</pubDate>"
        f"<description>&lt;p&gt;Body of {headline}&lt;/p&gt;</description></item>"
        for guid, headline in items
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>'
        f"<link>http://example.test/</link>{body}</channel></rss>"
    ).encode()


def config_for(*urls: str, interval: int = 900, **poll: object) -> Config:
    return Config(
        poll=PollSettings(interval=interval, **poll),  # type: ignore[arg-type]
        feeds=tuple(FeedConfig(url=u) for u in urls),
        topics=(),
        exists=True,
    )


def feed_row(db_path: Path, url: str | None = None):
    with Store(db_path) as store:
        feeds = store.feeds()
    return feeds[0] if url is None else next(f for f in feeds if f.url == url)


def test_first_poll_stores_articles_and_validators(feed_server: FeedServer, tmp_path: Path) -> None:
    url = feed_server.route("/a.xml", conditional(rss([("1", "One"), ("2", "Two")]), etag='"e1"'))
    db_path = tmp_path / "news.db"
    summary = poll_once(db_path, config_for(url), force=True)
    assert summary.new_articles == 2
    assert [f.status for f in summary.feeds] == ["ok"]
    feed = feed_row(db_path)
    assert feed.etag == '"e1"'  # stored from the very first poll
    assert feed.title == "Loopback News"
    assert feed.last_status == 200 and feed.error_count == 0
    with Store(db_path) as store:
        assert store.conn.execute("SELECT count(*) FROM polls").fetchone()[0] == 1


def test_second_poll_is_conditional_and_stores_nothing_twice(
    feed_server: FeedServer, tmp_path: Path
) -> None:
    url = feed_server.route(
        "/a.xml",
        conditional(
            rss([("1", "One")]), etag='"e1"', last_modified="Mon, 02 Nov 2026 10:00:00 GMT"
        ),
    )
    db_path = tmp_path / "news.db"
    poll_once(db_path, config_for(url), force=True)
    summary = poll_once(db_path, config_for(url), force=True)
    second = feed_server.requests_for("/a.xml")[1]
    assert second.headers["If-None-Match"] == '"e1"'
    assert second.headers["If-Modified-Since"] == "Mon, 02 Nov 2026 10:00:00 GMT"
    assert [f.status for f in summary.feeds] == ["not modified"]
    with Store(db_path) as store:
        assert store.count_articles() == 1


def test_same_body_without_validators_is_not_parsed_again(
    feed_server: FeedServer, tmp_path: Path
) -> None:
    url = feed_server.route("/a.xml", Reply(200, {"Content-Type": "text/xml"}, rss([("1", "One")])))
    db_path = tmp_path / "news.db"
    poll_once(db_path, config_for(url), force=True)
    summary = poll_once(db_path, config_for(url), force=True)
    assert [f.status for f in summary.feeds] == ["unchanged"]


def test_changed_items_update_in_place(feed_server: FeedServer, tmp_path: Path) -> None:
    bodies = iter([rss([("1", "First take")]), rss([("1", "Corrected take"), ("2", "New")])])
    url = feed_server.route("/a.xml", lambda request: Reply(200, {}, next(bodies)))
    db_path = tmp_path / "news.db"
    poll_once(db_path, config_for(url), force=True)
    summary = poll_once(db_path, config_for(url), force=True)
    assert summary.feeds[0].new == 1 and summary.feeds[0].updated == 1
    with Store(db_path) as store:
        titles = sorted(r.title for r in store.recent())
    assert titles == ["Corrected take", "New"]


def test_not_due_feeds_are_skipped_unless_forced(feed_server: FeedServer, tmp_path: Path) -> None:
    url = feed_server.route("/a.xml", conditional(rss([("1", "One")])))
    db_path = tmp_path / "news.db"
    poll_once(db_path, config_for(url), force=True)
    assert poll_once(db_path, config_for(url)).feeds == ()
    assert feed_server.count("/a.xml") == 1
    assert len(poll_once(db_path, config_for(url), force=True).feeds) == 1
    assert 800 < seconds_until_next_due(db_path, config_for(url)) <= 900


def test_retry_after_is_honoured_even_when_forced(feed_server: FeedServer, tmp_path: Path) -> None:
    url = feed_server.route("/busy.xml", Reply(429, {"Retry-After": "3600"}))
    db_path = tmp_path / "news.db"
    summary = poll_once(db_path, config_for(url), force=True)
    assert summary.feeds[0].status == "failed"
    feed = feed_row(db_path)
    assert feed.next_poll_at >= time.time() + 3500
    assert poll_once(db_path, config_for(url), force=True).feeds == ()
    assert feed_server.count("/busy.xml") == 1


def test_gone_feed_is_not_polled_again(feed_server: FeedServer, tmp_path: Path) -> None:
    url = feed_server.route("/gone.xml", Reply(410))
    db_path = tmp_path / "news.db"
    assert poll_once(db_path, config_for(url), force=True).feeds[0].status == "gone"
    assert feed_row(db_path).state == "gone"
    assert poll_once(db_path, config_for(url), force=True).feeds == ()
    with Store(db_path) as store:  # re-enabling it (feeds screen, "retry") polls it again
        store.set_feed_state(feed_row(db_path).id, "active")
    assert len(poll_once(db_path, config_for(url), force=True).feeds) == 1


def test_errors_are_recorded_and_back_off(feed_server: FeedServer, tmp_path: Path) -> None:
    url = feed_server.route("/missing.xml", Reply(404))
    db_path = tmp_path / "news.db"
    poll_once(db_path, config_for(url, interval=600), force=True)
    first = feed_row(db_path)
    poll_once(db_path, config_for(url, interval=600), force=True)
    second = feed_row(db_path)
    assert first.last_error == second.last_error == "HTTP 404 Not Found"
    assert (first.error_count, second.error_count) == (1, 2)
    assert second.next_poll_at - second.last_polled_at > first.next_poll_at - first.last_polled_at


def test_html_page_is_not_a_feed(feed_server: FeedServer, tmp_path: Path) -> None:
    page = (
        b"<html><head><title>News</title>"
        b'<link rel="alternate" type="application/rss+xml" href="/feed.rss"></head>'
        b"<body><p>hello</p></body></html>"
    )
    url = feed_server.route("/page", Reply(200, {"Content-Type": "text/html"}, page))
    db_path = tmp_path / "news.db"
    outcome = poll_once(db_path, config_for(url), force=True).feeds[0]
    assert outcome.status == "failed"
    assert outcome.error.startswith("not a feed: HTML page")
    assert "/feed.rss" in outcome.error
    assert feed_row(db_path).error_count == 1


def test_permanent_redirect_moves_the_feed(feed_server: FeedServer, tmp_path: Path) -> None:
    new_url = feed_server.route("/new.xml", conditional(rss([("1", "One")])))
    old_url = feed_server.route("/old.xml", redirect(new_url, 301))
    db_path = tmp_path / "news.db"
    poll_once(db_path, config_for(old_url), force=True)
    feed = feed_row(db_path)
    assert feed.url == new_url and feed.config_url == old_url
    poll_once(db_path, config_for(old_url), force=True)  # still the same feed row
    with Store(db_path) as store:
        assert len(store.feeds()) == 1 and store.count_articles() == 1
    assert feed_server.count("/old.xml") == 1


def test_one_failing_feed_does_not_stop_the_others(feed_server: FeedServer, tmp_path: Path) -> None:
    good = feed_server.route("/good.xml", conditional(rss([("1", "One")])))
    bad = feed_server.route("/bad.xml", Reply(500))
    db_path = tmp_path / "news.db"
    summary = poll_once(db_path, config_for(good, bad), force=True)
    assert {f.url: f.status for f in summary.feeds} == {good: "ok", bad: "failed"}
    assert summary.new_articles == 1


def test_topic_membership_is_written_with_the_articles(
    feed_server: FeedServer, tmp_path: Path
) -> None:
    pytest.importorskip("storage.query")
    items = [("1", "Patriot batteries for Ukraine"), ("2", "Museum reopens")]
    url = feed_server.route("/a.xml", conditional(rss(items)))
    config = Config(
        feeds=(FeedConfig(url=url),),
        topics=(TopicConfig(name="Air defence", query="patriot"),),
        exists=True,
    )
    db_path = tmp_path / "news.db"
    poll_once(db_path, config, force=True)
    with Store(db_path) as store:
        rows = store.conn.execute(
            "SELECT a.title FROM article_topics t JOIN articles a ON a.id = t.article_id"
        ).fetchall()
    assert [r[0] for r in rows] == ["Patriot batteries for Ukraine"]


def test_progress_is_reported(feed_server: FeedServer, tmp_path: Path) -> None:
    urls = [
        feed_server.route(f"/{i}.xml", conditional(rss([(str(i), f"Item {i}")]))) for i in range(3)
    ]
    seen: list[tuple[int, int, int]] = []
    poll_once(
        tmp_path / "n.db", config_for(*urls), force=True, on_progress=lambda *a: seen.append(a)
    )
    assert seen[0] == (0, 3, 0)
    assert seen[-1] == (3, 3, 3)


def test_poll_once_json_on_the_command_line(
    feed_server: FeedServer, tmp_path: Path, capsys
) -> None:
    good = feed_server.route("/good.xml", conditional(rss([("1", "One")])))
    bad = feed_server.route("/bad.xml", Reply(404))
    config = tmp_path / "config.toml"
    config.write_text(f'[[feeds]]\nurl = "{good}"\n\n[[feeds]]\nurl = "{bad}"\n')
    code = run(
        ["--config", str(config), "--db", str(tmp_path / "n.db"), "poll", "--once", "--json"]
    )
    out = json.loads(capsys.readouterr().out)
    assert code == 0  # the poll ran, even though a feed failed
    assert out["new_articles"] == 1
    by_url = {f["url"]: f for f in out["feeds"]}
    assert by_url[good] == {"url": good, "status": "ok", "new": 1, "updated": 0, "error": None}
    assert by_url[bad]["error"] == "HTTP 404 Not Found"


def test_poll_once_summary_on_the_command_line(
    feed_server: FeedServer, tmp_path: Path, capsys
) -> None:
    bad = feed_server.route("/bad.xml", Reply(503))
    config = tmp_path / "config.toml"
    config.write_text(f'[[feeds]]\nurl = "{bad}"\n')
    assert run(["--config", str(config), "--db", str(tmp_path / "n.db"), "poll", "--once"]) == 0
    out = capsys.readouterr().out
    assert "1 feeds: 0 ok, 0 not modified, 1 failed; 0 new articles" in out
    assert f"failed  {bad}: HTTP 503 Service Unavailable" in out


def test_run_forever_stops_when_asked(feed_server: FeedServer, tmp_path: Path) -> None:
    url = feed_server.route("/a.xml", conditional(rss([("1", "One")])))
    stop = threading.Event()
    rounds = []

    def on_round(summary) -> None:
        rounds.append(summary)
        stop.set()

    thread = threading.Thread(
        target=run_forever,
        args=(tmp_path / "n.db", config_for(url)),
        kwargs={"on_round": on_round, "stop": stop},
    )
    thread.start()
    thread.join(20)
    assert not thread.is_alive()
    assert rounds[0].new_articles == 1


def test_daemon_exits_cleanly_on_sigterm(feed_server: FeedServer, tmp_path: Path) -> None:
    url = feed_server.route("/a.xml", conditional(rss([("1", "One")])))
    config = tmp_path / "config.toml"
    config.write_text(f'[[feeds]]\nurl = "{url}"\n')
    db_path = tmp_path / "n.db"
    proc = subprocess.Popen(
        [sys.executable, "-m", "tui.cli", "--config", str(config), "--db", str(db_path), "poll"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and feed_server.count("/a.xml") == 0:
        time.sleep(0.1)
    time.sleep(0.5)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert "round at" in err and "stopped" in err
    with Store(db_path) as store:
        assert store.count_articles() == 1
        assert db.integrity_problems(store.conn) == []
