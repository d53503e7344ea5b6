"""Full text of articles: real pages served on 127.0.0.1, the real extractor, real SQLite.

The pages and what each must give are described in fulltext_pages.py; the poller's side
is in test_fulltext_poll.py.
"""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path

import pytest
from feedserver import FeedServer, Reply, redirect, slow
from fulltext_pages import (
    ARTICLES,
    BOILERPLATE,
    CONFIG,
    add_article,
    article_paragraphs,
    html_reply,
    page_bytes,
    page_title,
    paragraphs_of,
)

from storage import db
from storage.clean import strip_controls
from storage.config import Config, PollSettings, TopicConfig
from storage.fetch import USER_AGENT, make_client
from storage.fulltext import NO_LINK, cached_full_text, fetch_full_text, fetch_full_text_async
from storage.listing import View
from storage.page_extract import NO_ARTICLE, decode_page, extract_article
from storage.store import Store

# --- extraction quality on pages that look like real ones ---------------------------------


@pytest.mark.parametrize("name", sorted(ARTICLES))
def test_only_the_article_paragraphs_come_out(
    name: str, feed_server: FeedServer, tmp_path: Path
) -> None:
    content_type = "text/html" if name == "cp1252" else "text/html; charset=utf-8"
    url = feed_server.route(f"/news/{name}", html_reply(page_bytes(name), content_type))
    article_id = add_article(tmp_path / "n.db", url, title=page_title(name))

    result = fetch_full_text(tmp_path / "n.db", article_id, CONFIG)

    assert result.ok and not result.cached, result.error
    assert result.text is not None and result.markdown is not None
    expected = article_paragraphs(name)
    assert 4 <= len(expected) <= 8
    # Every paragraph of the article, in order, and nothing else (the title is dropped:
    # the reader shows it already).
    assert paragraphs_of(result.text) == expected
    for fragment in BOILERPLATE[name]:
        assert fragment not in result.text, fragment
        assert fragment not in result.markdown, fragment
    assert strip_controls(result.markdown) == result.markdown
    for target in re.findall(r"\]\(([^)]*)\)", result.markdown):
        assert target.startswith(feed_server.base_url + "/"), target


def test_relative_links_become_absolute(feed_server: FeedServer, tmp_path: Path) -> None:
    url = feed_server.route("/europe/story", html_reply(page_bytes("semantic")))
    article_id = add_article(tmp_path / "n.db", url)
    result = fetch_full_text(tmp_path / "n.db", article_id, CONFIG)
    link = f"[faster returns]({feed_server.base_url}/europe/migration/returns-explained)"
    assert link in (result.markdown or "")


def test_hostile_page_is_defused(feed_server: FeedServer, tmp_path: Path) -> None:
    url = feed_server.route("/port/dredging", html_reply(page_bytes("hostile")))
    article_id = add_article(tmp_path / "n.db", url, title="Dredging plan")
    result = fetch_full_text(tmp_path / "n.db", article_id, CONFIG)
    assert result.ok, result.error
    markdown, text = result.markdown or "", result.text or ""
    for out in (markdown, text):
        assert strip_controls(out) == out
        assert "\x1b" not in out and "\x07" not in out
        assert "[2J" not in out and "[31m" not in out and "]0;" not in out  # no debris
        assert "Injected by a script" not in out and "enable JavaScript" not in out
    # The title carried an OSC sequence; what is left of it is plain words.
    assert "# Harbour authority publishes dredging plan" in markdown
    # A javascript: link keeps its words and loses its target; relative becomes absolute.
    assert "interactive map" in markdown
    assert not re.search(r"(?<!\\)\]\((?!http)", markdown)  # every real link is http(s)
    assert f"[plan itself]({feed_server.base_url}/docs/dredging-plan.pdf)" in markdown
    # Markup-looking text in the page stays text in the reader.
    assert "\\*not\\*" in markdown and "\\[at the town hall\\]" in markdown
    assert "\\<b\\>in the old customs house\\</b\\>" in markdown
    assert "Harbour view apartments" not in markdown and "Port Gazette" not in markdown


def test_windows_1252_references_are_what_a_browser_shows() -> None:
    words = " ".join(["word"] * 30)
    page = f"<html><body><article><p>Before &#150; after, {words}.</p></article></body></html>"
    result = extract_article(page, "http://127.0.0.1/x")
    assert result.text is not None and "Before – after" in result.text


# --- failures are recorded in words, and the feed's text is kept --------------------------


def assert_failed(db_path: Path, article_id: int, message: str) -> None:
    with Store(db_path) as store:
        article = store.article(article_id)
        stored = store.full_text(article_id)
    assert article.text == "Only the first lines of the story are in the feed."
    assert article.html == "<p>Feed lead.</p>"
    assert stored is not None and stored.error == message and stored.markdown is None
    assert stored.fetched_at is not None


def test_a_page_without_an_article_says_so(feed_server: FeedServer, tmp_path: Path) -> None:
    url = feed_server.route("/europe/", html_reply(page_bytes("section_front")))
    article_id = add_article(tmp_path / "n.db", url)
    result = fetch_full_text(tmp_path / "n.db", article_id, CONFIG)
    assert not result.ok and result.error == "could not find the article text on the page"
    assert_failed(tmp_path / "n.db", article_id, NO_ARTICLE)


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (Reply(404, body=b"gone"), "HTTP 404 Not Found"),
        (Reply(500, body=b"oops"), "HTTP 500 Internal Server Error"),
        (
            html_reply(b"%PDF-1", "application/pdf"),
            "the link is not a web page but application/pdf",
        ),
        (slow(html_reply(page_bytes("semantic")), 3.0), "timed out after 0.5 s"),
    ],
    ids=["404", "500", "pdf", "timeout"],
)
def test_http_failures_are_recorded(
    reply: Reply, message: str, feed_server: FeedServer, tmp_path: Path
) -> None:
    url = feed_server.route("/story", reply)
    article_id = add_article(tmp_path / "n.db", url)
    config = Config(poll=PollSettings(timeout=0.5), exists=True)
    started = time.monotonic()
    result = fetch_full_text(tmp_path / "n.db", article_id, config)
    assert time.monotonic() - started < 2.5  # the deadline holds
    assert result.error == message and result.markdown is None
    assert_failed(tmp_path / "n.db", article_id, message)


def test_article_without_a_link(tmp_path: Path) -> None:
    article_id = add_article(tmp_path / "n.db", None)
    result = fetch_full_text(tmp_path / "n.db", article_id, CONFIG)
    assert result.error == NO_LINK
    assert_failed(tmp_path / "n.db", article_id, NO_LINK)


def test_a_feed_cannot_make_us_read_local_files(tmp_path: Path) -> None:
    secret = tmp_path / "secret.html"
    secret.write_text("<p>" + "private words " * 40 + "</p>")
    article_id = add_article(tmp_path / "n.db", secret.as_uri())
    result = fetch_full_text(tmp_path / "n.db", article_id, CONFIG)
    assert result.error is not None and "unsupported URL scheme: file" in result.error
    assert result.text is None


def test_unknown_article_is_a_domain_error(tmp_path: Path) -> None:
    add_article(tmp_path / "n.db", None)
    with pytest.raises(db.NotFound):
        fetch_full_text(tmp_path / "n.db", 999, CONFIG)


# --- the dashboard's API: cache, retry, refresh, never blocking ---------------------------


def test_second_call_is_answered_from_the_database(feed_server: FeedServer, tmp_path: Path) -> None:
    url = feed_server.route("/story", html_reply(page_bytes("divsoup")))
    db_path = tmp_path / "n.db"
    article_id = add_article(db_path, url)
    assert cached_full_text(db_path, article_id) is None

    first = fetch_full_text(db_path, article_id, CONFIG)
    second = fetch_full_text(db_path, article_id, CONFIG)

    assert feed_server.count("/story") == 1
    assert first.ok and not first.cached
    assert second.cached and (second.markdown, second.text) == (first.markdown, first.text)
    sent = feed_server.requests_for("/story")[0].headers
    assert sent["User-Agent"] == USER_AGENT and sent["Accept"].startswith("text/html")


def test_a_failure_is_retried_and_a_refresh_that_fails_keeps_the_text(
    feed_server: FeedServer, tmp_path: Path
) -> None:
    replies = [Reply(503, body=b"busy"), html_reply(page_bytes("aggregator")), Reply(404)]
    feed_server.route("/story", lambda _req: replies.pop(0))
    db_path = tmp_path / "n.db"
    article_id = add_article(db_path, feed_server.url("/story"))

    assert fetch_full_text(db_path, article_id, CONFIG).error == "HTTP 503 Service Unavailable"
    good = fetch_full_text(db_path, article_id, CONFIG)  # asking again retries
    assert good.ok and "Sulina channel" in (good.text or "")
    refreshed = fetch_full_text(db_path, article_id, CONFIG, refresh=True)
    assert refreshed.error == "HTTP 404 Not Found"
    assert refreshed.markdown == good.markdown and not refreshed.ok
    assert feed_server.count("/story") == 3


async def test_async_variant_never_blocks_the_loop(feed_server: FeedServer, tmp_path: Path) -> None:
    url = feed_server.route("/story", slow(html_reply(page_bytes("semantic")), 0.4))
    db_path = tmp_path / "n.db"
    article_id = add_article(db_path, url)
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.02)
            ticks += 1

    tick_task = asyncio.create_task(ticker())
    async with make_client() as client:
        result = await fetch_full_text_async(db_path, article_id, CONFIG, client=client)
        again = await fetch_full_text_async(db_path, article_id, CONFIG, client=client)
    tick_task.cancel()
    assert result.ok and again.cached
    assert ticks >= 10  # the loop kept running while the page was fetched and read
    assert feed_server.count("/story") == 1


# --- search and topics see the page's words -----------------------------------------------


def test_words_only_in_the_full_text_are_searchable_and_match_topics(
    feed_server: FeedServer, tmp_path: Path
) -> None:
    url = feed_server.route("/story", html_reply(page_bytes("semantic")))
    db_path = tmp_path / "n.db"
    article_id = add_article(db_path, url)
    with Store(db_path) as store:
        store.sync_topics([TopicConfig(name="Ferns", query="quillwort")])
        assert store.count(View(query="quillwort")) == 0
        assert store.article_topics(article_id) == []

    fetch_full_text(db_path, article_id, CONFIG)

    with Store(db_path) as store:
        assert store.count(View(query="quillwort")) == 1
        assert [r.id for r in store.page(View(query="quillwort"))] == [article_id]
        assert store.article_topics(article_id) == ["Ferns"]
        (ferns,) = store.topics()
        assert ferns.total == 1


# --- decoding pages -----------------------------------------------------------------------


def test_page_decoding_follows_bom_then_http_then_meta() -> None:
    meta = '<meta charset="windows-1252"><p>Zürich</p>'.encode("cp1252")
    assert "Zürich" in decode_page(meta)
    assert "Zürich" in decode_page("<p>Zürich</p>".encode("cp1252"))  # no label, not UTF-8
    # HTTP's charset beats the page's own claim; a BOM beats both.
    utf8 = '<meta charset="iso-8859-2"><p>Zürich</p>'.encode()
    assert "Zürich" in decode_page(utf8, "text/html; charset=UTF-8")
    assert "Zürich" in decode_page(b"\xef\xbb\xbf" + utf8, "text/html; charset=iso-8859-2")
    # latin-1 means windows-1252 on the web: 0x96 is an en dash.
    assert decode_page(b"<p>a \x96 b</p>", "text/html; charset=ISO-8859-1") == "<p>a – b</p>"


def test_links_resolve_against_the_page_after_redirects(
    feed_server: FeedServer, tmp_path: Path
) -> None:
    feed_server.route("/short/1", redirect("/europe/migration/story", 302))
    # A link relative to the page's folder, and no Content-Type at all (old servers
    # omit it): the page is still read, and the link resolved where the page ended up.
    page = page_bytes("semantic").replace(b"/europe/migration/returns", b"returns")
    feed_server.route("/europe/migration/story", Reply(body=page))
    article_id = add_article(tmp_path / "n.db", feed_server.url("/short/1"))
    result = fetch_full_text(tmp_path / "n.db", article_id, CONFIG)
    assert result.ok, result.error
    assert f"]({feed_server.base_url}/europe/migration/returns-explained)" in (
        result.markdown or ""
    )


def test_a_base_element_sets_what_links_are_relative_to() -> None:
    page = page_bytes("semantic").replace(
        b"<head>", b'<head><base href="https://mirror.example/archive/">'
    )
    result = extract_article(page, "http://127.0.0.1/story")
    link = "[faster returns](https://mirror.example/europe/migration/returns-explained)"
    assert link in (result.markdown or "")


@pytest.mark.parametrize("label", ["rot13", "base64", "idna", "uu", "no-such-codec"])
def test_a_page_cannot_pick_a_codec_that_is_not_a_text_encoding(label: str) -> None:
    page = f'<meta charset="{label}"><p>Zürich</p>'.encode()
    assert decode_page(page).endswith("<p>Zürich</p>")
    assert decode_page(page, f"text/html; charset={label}").endswith("<p>Zürich</p>")
