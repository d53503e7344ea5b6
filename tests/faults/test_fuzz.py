"""Fuzzing with hypothesis: mutated real feeds, and the cleaner on any text at all.

tests/storage/test_parse.py already feeds the parser random bytes and documents built
from feed-like fragments, and tests/storage/test_query.py fuzzes the query compiler;
this module adds what they do not: every fixture feed in tests/storage/feeds/ with
bytes flipped, cut, repeated, deleted and entities or escape sequences inserted.
Whatever comes out must be one of two things: a `FeedError` with a one-line message, or
a feed whose every field is free of control characters and escape sequences, which the
store accepts (SQLite, FTS5 and topic matching included) and whose reader Markdown is
clean too. The cleaner gets arbitrary Unicode (lone surrogates and every control
character included) and the HTML of mutated feeds.

CI runs 200 examples per property; the `slow` variants run 5,000.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from storage.clean import html_to_markdown, html_to_text, one_line, strip_controls
from storage.config import FeedConfig, TopicConfig
from storage.parse import FeedError, ParsedFeed, parse_feed
from storage.store import Store

FEEDS = Path(__file__).resolve().parents[1] / "storage" / "feeds"
# The big quadratic.xml is a speed fixture: mutating 200 KB per example buys nothing.
FIXTURES = {p.name: p.read_bytes() for p in sorted(FEEDS.iterdir()) if p.stat().st_size < 20_000}
URL = "https://news.example/feed.xml"
NOW = 1_800_000_000
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
CI = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
LONG = settings(CI, max_examples=5_000)
# feedparser (the parser's last resort) warns about its own API on some documents.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:feedparser")

INSERTS = [
    b"&amp;", b"&", b"&#27;", b"&#x1b;[31m", b"&#x9b;", b"&#0;", b"&#xD800;", b"&#1114112;",
    b"&bogus;", b"&lt;script&gt;alert(1)&lt;/script&gt;", b"<![CDATA[", b"]]>", b"<!--",
    b"-->", b"\x1b[31m", b"\x1b]8;;http://evil.example\x07", b"\x1b]0;title\x07", b"\xc2\x9b",
    b"\x9b", b"\x00", b"\r", b"\xff\xfe", b"\xef\xbb\xbf", b"\xed\xa0\x80", b"<item>",
    b"</item>", b"<entry>", b"</entry>", b"<title>", b"</title>", b"<guid>", b"</guid>",
    b"<link>javascript:alert(1)</link>", b"<description>", b"</description>",
    b"<![CDATA[\x1b[2J<b>x</b>]]>", b"<!DOCTYPE x [<!ENTITY a 'aaaaaaaaaa'>]>", b"&a;",
    b'<?xml version="1.0" encoding="utf-16"?>', b'<?xml version="1.0" encoding="bogus"?>',
    b'{"items":[', b"]}", b'"', b"\\u001b[31m", b'"content_html": "<p>\\u009b</p>",',
    b"<pubDate>Tue, 99 Foo 2024 25:61:61 GMT</pubDate>", b"<updated>0000-00-00</updated>",
    b"<p>" * 50, b"</p>" * 50, b"\xe2\x80\xae", b"\xf0\x9f\x98\x80",
]  # fmt: skip

# (kind, position, argument); positions wrap around the document's length.
mutation = st.one_of(
    st.tuples(st.just("flip"), st.integers(0, 1 << 20), st.integers(0, 255)),
    st.tuples(st.just("truncate"), st.integers(0, 1 << 20), st.just(0)),
    st.tuples(st.just("repeat"), st.integers(0, 1 << 20), st.integers(1, 400)),
    st.tuples(st.just("delete"), st.integers(0, 1 << 20), st.integers(1, 200)),
    st.tuples(st.just("insert"), st.integers(0, 1 << 20), st.integers(0, len(INSERTS) - 1)),
)
mutated_feeds = st.tuples(
    st.sampled_from(sorted(FIXTURES)),
    st.lists(mutation, min_size=1, max_size=8),
    st.sampled_from([None, "application/rss+xml", "application/json", "text/html"]),
)
# Any code point, lone surrogates and every C0/C1 control character included.
any_text = st.text(st.characters(min_codepoint=0, max_codepoint=0x10FFFF, categories=None))


def mutate(body: bytes, mutations: list[tuple[str, int, int]]) -> bytes:
    data = bytearray(body)
    for kind, position, arg in mutations:
        at = position % (len(data) + 1)
        if kind == "flip" and at < len(data):
            data[at] = arg
        elif kind == "truncate":
            del data[at:]
        elif kind == "repeat":
            data[at:at] = data[at : at + arg]
        elif kind == "delete":
            del data[at : at + arg]
        elif kind == "insert":
            data[at:at] = INSERTS[arg]
    return bytes(data)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """One real database for every example: what parses must also store."""
    with Store(tmp_path_factory.mktemp("fuzz") / "fuzz.db") as store:
        store.sync_feeds([FeedConfig(URL, "Fuzz")])
        store.sync_topics([TopicConfig("Ukraine aid", "(ukraine OR kyiv) aid")])
        yield store


def check_mutated_feed(store: Store, name: str, mutations: list, content_type: str | None) -> None:
    body = mutate(FIXTURES[name], mutations)
    try:
        feed = parse_feed(body, URL, content_type, now=NOW)
    except FeedError as error:
        assert "\n" not in str(error) and not UNSAFE.search(str(error))
        return
    check_clean(feed)
    # What the parser let through must be storable: SQLite text, FTS5, topic matching.
    store.ingest(store.feeds()[0].id, feed.entries, now=NOW)
    for entry in feed.entries[:5]:
        markdown = html_to_markdown(entry.html, entry.url)
        assert not UNSAFE.search(markdown) and "\x1b" not in markdown


def check_clean(feed: ParsedFeed) -> None:
    assert not UNSAFE.search(feed.title) and "\n" not in feed.title
    for entry in feed.entries:
        assert entry.guid
        for value in (entry.guid, entry.title, entry.author, entry.summary, entry.text, entry.html):
            assert not UNSAFE.search(value), (value[:200], entry)
        assert "\n" not in entry.title and "\n" not in entry.author
        assert entry.url is None or entry.url.startswith(("http://", "https://"))


def check_cleaner(s: str) -> None:
    for out in (strip_controls(s), html_to_text(s), html_to_markdown(s, "https://ex.org/")):
        assert not UNSAFE.search(out), repr(out[:200])
    line = one_line(s)
    assert not UNSAFE.search(line) and "\n" not in line and "\t" not in line


@CI
@given(mutated_feeds)
# Recovered from broken XML, an Atom title held an element named "{...}https:".
@example(("atom10.xml", [("truncate", 857, 0), ("delete", 5640, 35)], None))
def test_mutated_real_feeds_parse_cleanly_or_raise_feed_error(store: Store, case: tuple) -> None:
    check_mutated_feed(store, *case)


@CI
@given(any_text)
def test_the_cleaner_leaves_no_control_character_in_any_text(s: str) -> None:
    check_cleaner(s)


@CI
@given(mutated_feeds)
def test_the_cleaner_leaves_no_control_character_in_mutated_feed_markup(case: tuple) -> None:
    name, mutations, _ = case
    check_cleaner(mutate(FIXTURES[name], mutations).decode("utf-8", "surrogateescape"))


def test_a_broken_feed_with_an_out_of_range_character_reference_is_a_feed_error() -> None:
    """Found by the fuzzer: feedparser (the last resort for broken XML) raised ValueError
    on "&#1114112;", which no caller catches: the daemon's whole round died with it."""
    body = mutate(FIXTURES["atom03.xml"], [("flip", 0, 0), ("insert", 0, 24), ("insert", 6, 7)])
    assert body.startswith(b"<item>&#1114112;\x00?xml")
    with pytest.raises(FeedError):
        parse_feed(body, URL, None, now=NOW)


@pytest.mark.slow
@LONG
@given(mutated_feeds)
def test_mutated_real_feeds_long_run(store: Store, case: tuple) -> None:
    check_mutated_feed(store, *case)


@pytest.mark.slow
@LONG
@given(
    st.one_of(
        any_text,
        mutated_feeds.map(
            lambda c: mutate(FIXTURES[c[0]], c[1]).decode("utf-8", "surrogateescape")
        ),
    )
)
def test_the_cleaner_long_run(s: str) -> None:
    check_cleaner(s)
