"""Parsing in a second process: the same results as parsing in the writer, and no
dependence on it (a broken worker or a body that is not a feed falls back)."""

from __future__ import annotations

from concurrent.futures import Future
from pathlib import Path

import pytest
from feedserver import FeedServer, Reply, conditional
from test_poller import config_for, rss

from storage import parse_process, stories, story_match
from storage.parse_process import ParsePool, parsed_or_none
from storage.poller import poll_once
from storage.store import Store

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
    monkeypatch.setattr(parse_process, "START_AFTER", 0)  # every body goes to the worker
    started: list[ParsePool] = []
    real_close = ParsePool.close

    def close(self: ParsePool) -> None:
        started.append(self) if self.pool is not None else None
        real_close(self)

    monkeypatch.setattr(ParsePool, "close", close)
    in_writer: list[str] = []  # story terms the writer had to work out itself

    def counted(title: str, lead: str) -> story_match.Features:
        in_writer.append(title)
        return story_match.features(title, lead)

    monkeypatch.setattr(stories, "features", counted)
    urls = farm(feed_server)
    db_path = tmp_path / "news.db"
    summary = poll_once(db_path, config_for(*urls), force=True, parse_process=True)
    assert started, "the worker process never started"
    assert in_writer == []  # the worker sent every entry's terms with the entries
    statuses = {f.url: f.status for f in summary.feeds}
    assert [statuses[u] for u in urls] == ["ok"] * 6 + ["failed", "failed"]
    page = next(f for f in summary.feeds if f.url == urls[6])
    assert page.error is not None and page.error.startswith("not a feed: HTML page")
    assert summary.new_articles == 6
    with Store(db_path) as store:
        titles = sorted(r[0] for r in store.conn.execute("SELECT title FROM articles"))
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
