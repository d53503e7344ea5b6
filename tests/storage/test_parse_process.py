"""Parsing in a second process: the same results as parsing in the writer, and no
dependence on it (a broken worker or a body that is not a feed falls back)."""

from __future__ import annotations

import threading
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pytest
from feedserver import FeedServer, Reply, conditional
from test_poller import config_for, rss

from storage import feed_writer, parse_process, stories, story_match
from storage.parse_process import ParsePool, parsed_or_none
from storage.poller import poll_once
from storage.store import Store

RSS_ONE = (
    b'<rss version="2.0"><channel><title>t</title>'
    b"<item><title>One</title><guid>1</guid></item></channel></rss>"
)
PAGE = b"<html><head><title>News</title></head><body><p>hello</p></body></html>"


def farm(feed_server: FeedServer) -> list[str]:
    urls = [
        feed_server.route(f"/f{i}.xml", conditional(rss([(f"{i}-1", f"One {i}")]), etag=f'"{i}"'))
        for i in range(6)
    ]
    urls.append(feed_server.route("/page", Reply(200, {"Content-Type": "text/html"}, PAGE)))
    urls.append(feed_server.route("/bad.xml", Reply(500, {}, b"x" * 200_000)))
    return urls


def test_a_big_poll_parses_in_the_worker_with_the_same_results(
    feed_server: FeedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parse_process, "START_AFTER", 0)  # the first body starts the worker
    # Offer bodies only once the worker is up, rather than leaving them to the writer
    # meanwhile: so every body after the first goes to the worker.
    monkeypatch.setattr(
        ParsePool, "starting", lambda self: self.started is not None and not self.started.result()
    )
    real_submit = ParsePool.submit

    def never_taken_back(self: ParsePool, *args: Any) -> Future | None:
        future = real_submit(self, *args)
        if future is not None:  # and the writer never takes a body the worker has not begun
            future.cancel = lambda: False  # type: ignore[method-assign]
        return future

    monkeypatch.setattr(ParsePool, "submit", never_taken_back)
    started: list[ParsePool] = []
    real_close = ParsePool.close

    def close(self: ParsePool) -> None:
        started.append(self) if self.pool is not None else None
        real_close(self)

    monkeypatch.setattr(ParsePool, "close", close)
    parsed_here: list[str] = []  # bodies the writer parsed itself
    real_parse = feed_writer.parse_feed

    def parse_here(body: bytes, url: str, *args: object, **kwargs: object) -> object:
        parsed_here.append(url)
        return real_parse(body, url, *args, **kwargs)

    monkeypatch.setattr(feed_writer, "parse_feed", parse_here)
    in_writer: list[str] = []  # story terms the writer had to work out itself

    def counted(title: str, lead: str) -> story_match.Features:
        in_writer.append(title)
        return story_match.features(title, lead)

    monkeypatch.setattr(stories, "features", counted)
    urls = farm(feed_server)
    db_path = tmp_path / "news.db"
    summary = poll_once(db_path, config_for(*urls), force=True, parse_process=True)
    assert started, "the worker process never started"
    # The writer parsed the body that started the worker, and the HTML page again (the
    # worker gives None for what is not a feed, so the writer records why). The worker
    # parsed the other five feeds and sent their entries' terms along, and worked out
    # the terms of the feed the writer parsed too: the writer worked out none.
    feeds_here = [url for url in parsed_here if url != urls[6]]
    assert len(feeds_here) == 1
    assert in_writer == []
    statuses = {f.url: f.status for f in summary.feeds}
    assert [statuses[u] for u in urls] == ["ok"] * 6 + ["failed", "failed"]
    page = next(f for f in summary.feeds if f.url == urls[6])
    assert page.error is not None and page.error.startswith("not a feed: HTML page")
    assert summary.new_articles == 6
    with Store(db_path) as store:
        titles = sorted(r[0] for r in store.conn.execute("SELECT title FROM articles"))
        ungrouped = store.conn.execute("SELECT count(*) FROM articles WHERE story_id IS NULL")
        assert ungrouped.fetchone()[0] == 0  # the writer's feed too, once its terms came
    assert titles == [f"One {i}" for i in range(6)]
    again = poll_once(db_path, config_for(*urls), force=True, parse_process=True)
    assert [f.status for f in again.feeds][:6] == ["not modified"] * 6


def test_a_failed_worker_leaves_the_parse_to_the_writer(
    feed_server: FeedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: ParsePool, *args: object) -> Future:
        future: Future = Future()
        future.set_exception(RuntimeError("worker died"))
        return future

    monkeypatch.setattr(ParsePool, "submit", broken)
    urls = farm(feed_server)
    summary = poll_once(tmp_path / "news.db", config_for(*urls), force=True, parse_process=True)
    assert summary.new_articles == 6
    assert sum(f.status == "ok" for f in summary.feeds) == 6


def test_small_polls_and_disabled_pools_start_no_process() -> None:
    pool = ParsePool(enabled=True, start_after=2)
    assert pool.submit(b"<rss/>", "http://a", None, 0) is None
    assert pool.submit(b"<rss/>", "http://a", None, 0) is None
    assert pool.pool is None
    off = ParsePool(enabled=False, start_after=0)
    assert off.submit(b"<rss/>", "http://a", None, 0) is None and off.pool is None
    assert parsed_or_none(None) is None


def test_the_body_that_starts_the_worker_is_parsed_in_the_writer() -> None:
    pool = ParsePool(enabled=True, start_after=0)
    try:
        # The first body starts the worker and is the writer's to parse meanwhile.
        assert pool.submit(b"<rss/>", "http://a", None, 0) is None
        assert pool.pool is not None
        assert pool.started is not None and pool.started.result(timeout=30)
        assert pool.running() and not pool.starting()
        parsed = pool.submit(RSS_ONE, "http://b", "application/rss+xml", 0)
        assert parsed is not None
        result = parsed.result(timeout=30)
        assert result is not None and [e.title for e in result.entries] == ["One"]
        # A body the worker has not begun when the writer comes to it is the writer's.
        waiting = [pool.submit(RSS_ONE, f"http://c{i}", None, 0) for i in range(10)]
        assert parsed_or_none(waiting[-1]) is None and waiting[-1].cancelled()
    finally:
        pool.close()


def test_a_few_big_bodies_start_the_worker_too() -> None:
    pool = ParsePool(enabled=True)
    try:
        assert pool.submit(b"x" * 1000, "http://a", None, 0) is None
        assert pool.pool is None  # small so far: no process
        assert pool.submit(b"x" * parse_process.START_AFTER_BYTES, "http://b", None, 0) is None
        assert pool.pool is not None
    finally:
        pool.close()


def test_the_writer_takes_bodies_the_worker_has_not_begun(
    feed_server: FeedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker stuck on the first body: the writer parses the ones it has not begun
    (their parses are cancelled) instead of waiting behind it."""
    offered: list[Future] = []

    def submit(self: ParsePool, *args: object) -> Future:
        future: Future = Future()
        if not offered:
            future.set_running_or_notify_cancel()  # the worker is busy with this one
            threading.Timer(1.0, future.set_result, [None]).start()  # then leaves it
        offered.append(future)
        return future

    monkeypatch.setattr(ParsePool, "submit", submit)
    urls = farm(feed_server)
    summary = poll_once(tmp_path / "news.db", config_for(*urls), force=True, parse_process=True)
    assert summary.new_articles == 6
    assert len(offered) >= 2
    assert all(f.cancelled() for f in offered[1:])  # every other body: the writer's
    assert not offered[0].cancelled()
