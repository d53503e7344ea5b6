"""The filter language: what matches, what is rejected and where, and that nothing a user
types reaches SQL or FTS5 as syntax."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storage.config import FeedConfig
from storage.listing import View
from storage.query import QueryError, compile_query, parse_time, quote
from storage.store import Store

NOW = 1_790_000_000  # 2026-09-21


@dataclass(frozen=True)
class Entry:
    guid: str
    title: str = ""
    text: str = ""
    author: str = ""
    published: int | None = NOW - 3600
    url: str | None = None
    updated: int | None = None
    summary: str = ""
    html: str = ""


ARTICLES = {
    "weapons": Entry("1", "Weapons for Ukraine", "Allies send air defence systems.", "Ann Lee"),
    "said": Entry("2", "Minister said little", "The museum said it would reopen.", "Bob"),
    "eu": Entry("3", "EU migration pact", "Member states agree on asylum rules.", "Zoë Faure"),
    "cafe": Entry("4", "Café culture", "A naïve résumé of the crème brûlée.", "Chloé"),
    "football": Entry(
        "5", "Football results", "The weekend's football scores.", "Sam", published=NOW - 10 * 86400
    ),
    "aid": Entry("6", "Aid arrives", "Humanitarian aid reaches the city.", "Kim"),
}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    path = tmp_path_factory.mktemp("query") / "news.db"
    s = Store(path)
    s.sync_feeds(
        [
            FeedConfig(url="https://feeds.bbci.co.uk/news/rss.xml", title="BBC News"),
            FeedConfig(url="https://www.theguardian.com/world/rss", title="The Guardian"),
        ]
    )
    bbc, guardian = (f.id for f in s.feeds())
    s.ingest(bbc, [e for k, e in ARTICLES.items() if k != "eu"], now=NOW)
    s.ingest(guardian, [ARTICLES["eu"]], now=NOW)
    ids = {r[1]: r[0] for r in s.conn.execute("SELECT id, guid FROM articles")}
    s.set_read([ids["2"]])
    s.set_starred([ids["4"]])
    return s


def matches(store: Store, query: str) -> set[str]:
    """Keys of ARTICLES that `query` finds."""
    by_guid = {e.guid: k for k, e in ARTICLES.items()}
    rows = store.page(View(query=query), 0, 100, now=NOW)
    guids = dict(store.conn.execute("SELECT id, guid FROM articles").fetchall())
    found = {by_guid[guids[r.id]] for r in rows}
    assert store.count(View(query=query), now=NOW) == len(found)
    return found


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("weapon", {"weapons"}),  # stemming: weapon ~ weapons
        ("WEAPONS", {"weapons"}),  # case
        ("aid", {"aid"}),  # whole words: not "said"
        ("EU", {"eu"}),  # not "museum"
        ("zoe", {"eu"}),  # diacritics, in the author column
        ("cafe creme", {"cafe"}),
        ('"air defence"', {"weapons"}),
        ('"defence air"', set()),
        ("weap*", {"weapons"}),
        ("weapons OR football", {"weapons", "football"}),
        ("weapons AND allies", {"weapons"}),
        ("weapons allies", {"weapons"}),
        ("weapons football", set()),
        ("weapons and football", set()),  # lower-case "and" is a word, so all three
        ("said -museum", set()),
        ("said NOT museum", set()),
        ("said", {"said"}),
        ("-football", {"weapons", "said", "eu", "cafe", "aid"}),
        ("NOT football NOT aid", {"weapons", "said", "eu", "cafe"}),
        ("football OR -weapons", {"said", "eu", "cafe", "football", "aid"}),
        ("(weapons OR aid) -humanitarian", {"weapons"}),
        ("title:aid", {"aid"}),
        ("title:humanitarian", set()),
        ("title:(aid OR football)", {"aid", "football"}),
        ("author:ann", {"weapons"}),
        ("feed:guardian", {"eu"}),
        ("feed:bbci", {"weapons", "said", "cafe", "football", "aid"}),  # the URL host
        ('feed:"bbc news"', {"weapons", "said", "cafe", "football", "aid"}),
        ("feed:%", set()),  # LIKE wildcards are literal
        ("feed:guardian OR aid", {"eu", "aid"}),
        ("is:read", {"said"}),
        ("is:unread weapons", {"weapons"}),
        ("is:starred", {"cafe"}),
        ("-is:read -is:starred -football", {"weapons", "eu", "aid"}),
        ("since:7d", {"weapons", "said", "eu", "cafe", "aid"}),
        ("before:7d", {"football"}),
        ("since:2026-09-01 football", {"football"}),
        ("before:2020-01-01", set()),
        ("c++ weapons", set()),  # "c" is a word nobody wrote
        ("& weapons", {"weapons"}),  # a term with no letters is ignored
    ],
)
def test_what_a_query_finds(store: Store, query: str, expected: set[str]) -> None:
    assert matches(store, query) == expected


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ('ukraine "air defence', "unbalanced quote at column 9"),
        ("NOT", "NOT needs a term after it at column 1"),
        ("aid NOT", "NOT needs a term after it at column 5"),
        ("aid OR", "OR needs a term after it at column 5"),
        ("OR aid", "OR needs a term before it at column 1"),
        ("aid AND OR x", "AND needs a term after it at column 5"),
        ("(aid", "unbalanced parenthesis: '(' without ')' at column 1"),
        ("aid)", "unbalanced parenthesis: ')' without '(' at column 4"),
        ("()", "empty parentheses at column 1"),
        (
            "titel:aid",
            "unknown field 'titel:' at column 1 (use title:, author:, feed:, is:, since:, before:)",
        ),
        ("aid title: x", "title: needs a value right after it at column 5"),
        ("is:new", "unknown state 'is:new' at column 1 (use is:unread, is:read, is:starred)"),
        ("since:yesterday", "bad time 'since:yesterday' at column 1"),
        ("*", "* must follow the start of a word, as in weap* at column 1"),
        ("we*ap", "* is only allowed at the end of a word at column 1"),
        ("title:feed:x", "title: needs a word, phrase or group at column 1"),
    ],
)
def test_malformed_queries_say_what_and_where(query: str, message: str) -> None:
    with pytest.raises(QueryError) as caught:
        compile_query(query, now=NOW)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def test_topics_reject_filters_that_change_after_ingest() -> None:
    with pytest.raises(QueryError, match="topics cannot use is:"):
        compile_query("aid is:unread", for_topic=True)
    with pytest.raises(QueryError, match="relative since:"):
        compile_query("aid since:7d", for_topic=True)
    assert compile_query("aid since:2026-01-01", for_topic=True).params


def test_user_text_is_quoted_and_bound() -> None:
    compiled = compile_query('x OR 1=1; DROP TABLE articles; -- feed:"a\'b"', now=NOW)
    assert "DROP" not in compiled.where and "a'b" not in compiled.where
    assert "%a'b%" in compiled.params
    assert quote('say "hi"\x00') == '"say ""hi"""'


def test_words_only_compile_to_one_match_and_no_sql() -> None:
    compiled = compile_query("ukraine (aid OR weapons) -russia", now=NOW)
    assert compiled.match == '(("ukraine" AND ("aid" OR "weapons")) NOT "russia")'
    assert compiled.where == "" and compiled.params == ()
    assert compiled.terms == ("ukraine", "aid", "weapons")


def test_filters_only_have_no_match() -> None:
    compiled = compile_query("feed:bbc is:unread since:24h", now=NOW)
    assert compiled.match is None
    assert compiled.params[-1] == NOW - 86400


def test_times() -> None:
    assert parse_time("24h", NOW) == (NOW - 86400, True)
    assert parse_time("1d12h", NOW) == (NOW - 36 * 3600, True)
    assert parse_time("2w", NOW) == (NOW - 14 * 86400, True)
    assert parse_time("2026-07-01", NOW) == (1_782_864_000, False)
    assert parse_time("2026-07-01T10:30Z", NOW) == (1_782_864_000 + 37_800, False)


def test_empty_query_is_no_filter(store: Store) -> None:
    assert compile_query("   ").empty
    assert store.count(View(query="  "), now=NOW) == len(ARTICLES)


ALPHABET = st.sampled_from(
    [
        *"abcAB \"()-*:_.,'\\%\x00é",
        "AND",
        "OR",
        "NOT",
        "title:",
        "author:",
        "feed:",
        "is:",
        "is:unread",
        "since:",
        "since:7d",
        "before:",
        "2026-07-01",
        "NEAR",
        "{",
        "}",
        "^",
        "+",
    ]
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=30), st.lists(ALPHABET, max_size=14).map("".join)))
def test_any_text_compiles_or_raises_query_error(store: Store, text: str) -> None:
    try:
        compile_query(text, now=NOW)
    except QueryError as exc:
        assert exc.column >= 1 and "\n" not in str(exc)
        return
    # It compiled: it must also run, in every place a query is used.
    try:
        store.count(View(query=text), now=NOW)
        store.page(View(query=text), 0, 5, now=NOW)
        store.search(View(query=text, sort="relevance"), 0, 5, now=NOW)
    except sqlite3.Error as exc:  # pragma: no cover - the property under test
        pytest.fail(f"{text!r} compiled but SQLite said: {exc}")


def test_storage_errors_not_sqlite_errors(tmp_path: Path) -> None:
    s = Store(tmp_path / "x.db")
    assert s.count(View(query="anything")) == 0
    assert s.page(View(query="-anything"), 0) == []
