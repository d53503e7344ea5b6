"""Feeds as people meet them, in every format, encoding and state of repair, come out
as clean entries; hostile feeds cannot leak files, exhaust memory or reach the terminal."""

from __future__ import annotations

import contextlib
import json
import re
import socket
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import storage.parse
from storage.clean import html_to_markdown
from storage.parse import (
    Entry,
    FeedError,
    NotAFeed,
    ParsedFeed,
    discover_feed_links,
    parse_feed,
)

FEEDS = Path(__file__).parent / "feeds"
URL = "https://feeds.example/path/feed.xml"
NOW = 1_719_831_600  # 2024-07-01 11:00:00 UTC
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def parse(name: str, content_type: str | None = None, url: str = URL) -> ParsedFeed:
    return parse_feed((FEEDS / name).read_bytes(), url, content_type, now=NOW)


def reader(entry: Entry) -> str:
    return html_to_markdown(entry.html, entry.url)


def by_guid(feed: ParsedFeed) -> dict[str, Entry]:
    return {e.guid: e for e in feed.entries}


@pytest.fixture(params=["lxml", "feedparser"])
def either_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test on the fast path and again with lxml's reading disabled, so the
    feedparser fallback has to do the work: the guarantees hold whatever path runs."""
    if request.param == "feedparser":
        monkeypatch.setattr(storage.parse, "read_xml_feed", lambda root: None)
    return request.param


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the parser tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


# --- formats --------------------------------------------------------------------


def test_rss_091_with_its_netscape_doctype(no_network: None) -> None:
    feed = parse("rss091.xml")
    assert (feed.kind, feed.title, feed.site_url) == (
        "rss09x",
        "Harbour Town Gazette",
        "https://gazette.example/",
    )
    first, second = feed.entries
    assert first.title == "Ferry timetable changes for the winter & spring"
    assert first.guid == first.url == "https://gazette.example/news/ferry-timetable"
    assert first.text == "The ferry will run twice a day from November."
    assert second.title == "Café on the quay reopens"  # &eacute; without the DTD
    assert first.published is None


def test_rss_10_rdf() -> None:
    feed = parse("rss10.rdf")
    assert (feed.kind, feed.title) == ("rss1", "Hill Observatory Notes")
    comet = feed.entries[0]
    assert comet.guid == "https://observatory.example/notes/comet"
    assert comet.author == "R. Okafor"
    assert comet.published == 1_709_670_600  # 21:30 +01:00 is 20:30 UTC
    assert comet.summary == "Visible for about an hour after dusk."
    assert comet.text == "Visible for about an hour after dusk.\n\nBinoculars help."
    assert len(feed.entries) == 2


def test_rss_20_with_cdata_entities_and_relative_links() -> None:
    feed = parse("rss20.xml")
    assert (feed.kind, feed.title, feed.site_url) == (
        "rss2",
        "River Valley Post & Times",
        "https://feeds.example/",
    )
    bridge, market, school = feed.entries
    assert bridge.guid == "valley-2024-0001"
    assert bridge.url == "https://feeds.example/news/green-bridge"
    assert bridge.title == 'Council approves "green bridge" plan – at last'
    assert bridge.author == "Ana Lima"
    assert bridge.published == 1_704_207_600  # 10:00 EST
    assert bridge.summary == "The council voted 7–2 in favour."  # from <description>
    assert bridge.text == (
        "The council voted 7–2 in favour of the bridge.\n\n"
        "Work starts in spring.\nCosts are shared."
    )
    assert '<a href="/calendar">spring</a>' in bridge.html  # markup kept for the reader
    assert "alert" not in bridge.text
    assert market.author == "Sam Reed"  # "editor@valley.example (Sam Reed)"
    assert market.summary == "Stalls will open at 8 am & close at noon."  # nbsp is a space
    assert school.url == school.guid == "https://valley.example/news/school-roof"
    assert school.summary == "Plain text description with a line break."


def test_atom_10_with_xml_base_and_text_constructs() -> None:
    feed = parse("atom10.xml")
    assert (feed.kind, feed.title, feed.site_url) == (
        "atom10",
        "Lab notes: x < y",
        "https://lab.example/blog/",
    )
    results, equipment, plain = feed.entries
    assert results.url == "https://lab.example/blog/posts/results"  # alternate, not edit
    assert results.title == "Results are in"
    assert results.author == "Dr. Mei Chen"
    assert (results.published, results.updated) == (1_714_460_400, 1_714_557_600)
    assert results.summary == "Short version: it worked & we have numbers."
    assert results.text == "It worked.\n\nSee the table."
    assert equipment.url == "https://other.example/mirror/equipment"  # entry xml:base
    assert equipment.title == "Equipment list <draft>"  # type="text": "<" is literal
    assert equipment.author == "Lab Team"  # inherited from the feed
    assert equipment.text == "Microscope\n\nCentrifuge"
    assert equipment.published == equipment.updated  # only <updated> given
    assert plain.text == "First paragraph <not a tag>.\n\nSecond paragraph."
    assert "&lt;not a tag&gt;" in plain.html


def test_atom_03_escaped_and_base64_content() -> None:
    feed = parse("atom03.xml")
    assert (feed.kind, feed.title, feed.site_url) == (
        "atom03",
        "Old Atom Diary",
        "https://diary.example/",
    )
    garden, encoded = feed.entries
    assert garden.text == "The tomatoes are finally red."
    assert garden.published == 1_122_827_369  # 12:29:29 -04:00
    assert garden.updated == 1_122_818_400
    assert garden.author == "Pat Doe"
    assert encoded.text == "Base64 content works."


def test_json_feed_10() -> None:
    feed = parse("jsonfeed10.json", "application/feed+json")
    assert (feed.kind, feed.title, feed.site_url) == (
        "json1",
        "Tide Tables Weekly",
        "https://tides.example/",
    )
    tides, note = feed.entries
    assert tides.guid == "2"  # numeric ids are strings
    assert tides.author == "Harbour Master"
    assert tides.summary == "High water early."
    assert tides.text == "Expect high water at 06:12."
    assert (tides.published, tides.updated) == (1_709_550_000, 1_709_553_600)
    assert note.url == "https://feeds.example/notes/1"
    assert note.title == "Short note without a title. Second line of the note."
    assert note.text == "Short note without a title.\n\nSecond line of the note."


def test_json_feed_11_survives_junk_items() -> None:
    feed = parse("jsonfeed11.json")
    assert feed.kind == "json11"
    walker, training, junk = feed.entries
    assert walker.author == "K. Osei, L. Berg"
    assert walker.text == "Found at 14:00, cold but well."
    assert training.url == "https://news.example/rescue-story"  # external_url
    assert training.published is None  # "not a date"
    assert training.html == "<p>Ropes &amp; radios.</p>"
    assert junk.guid.startswith("h:") and junk.title == "" and junk.url is None


def test_malformed_feed_still_gives_its_entries_with_a_warning() -> None:
    feed = parse("malformed.xml")
    assert [e.title for e in feed.entries] == ["First story & more", "Second story", "Third story"]
    assert feed.warning is not None and feed.warning.startswith("malformed XML (line 9")
    assert "recovered 3 entries" in feed.warning
    assert feed.site_url == "https://broken.example/"


def test_a_feed_lxml_cannot_recover_is_read_by_the_fallback() -> None:
    body = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>Stray</title>'
        b"<item><title>One</title><guid>1</guid></channel></rss></item>"
        b"<item><title>Two &amp; more</title><guid>2</guid></item>"
        b"<item><title>Three</title><guid>3</guid></item></channel></rss>"
    )
    feed = parse_feed(body, URL, now=NOW)
    assert [(e.guid, e.title) for e in feed.entries] == [
        ("1", "One"),
        ("2", "Two & more"),
        ("3", "Three"),
    ]
    assert feed.warning is not None and "recovered 3 entries" in feed.warning


def test_the_fallback_reads_no_update_into_a_publication_date() -> None:
    """feedparser answers `updated` with `published` when an entry has only the latter
    (a deprecated alias that warns); the fallback gives what the lxml path gives."""
    item = b"<item><title>One</title><guid>1</guid><pubDate>Tue, 24 Nov 2026 10:00:00 GMT</pubDate>"
    broken = (  # tags crossed so that only feedparser reads both items
        b"<?xml version='1.0'?><rss version='2.0'><channel><title>Stray</title>"
        + item
        + b"</channel></rss></item><item><title>Two</title><guid>2</guid></item></channel></rss>"
    )
    whole = b"<rss version='2.0'><channel>" + item + b"</item></channel></rss>"
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        fallback = parse_feed(broken, URL, now=NOW)
    assert fallback.warning is not None and fallback.warning.startswith("malformed feed (")
    lxml = parse_feed(whole, URL, now=NOW)
    assert lxml.warning is None
    published = lxml.entries[0].published
    assert published is not None
    assert [(e.published, e.updated) for e in lxml.entries] == [(published, None)]
    assert [(e.published, e.updated) for e in fallback.entries] == [
        (published, None),
        (None, None),
    ]


def test_bare_ampersands_and_html_entities_need_no_dtd() -> None:
    body = (
        b"<rss version='2.0'><channel><title>AT&T &amp; friends</title><item><guid>1</guid>"
        b"<title>Caf&eacute; prices&nbsp;&mdash; up &#8364;1</title></item></channel></rss>"
    )
    feed = parse_feed(body, URL, now=NOW)
    assert feed.title == "AT&T & friends"
    assert feed.entries[0].title == "Café prices — up €1"
    assert feed.warning is None  # mended, nothing lost


def test_a_mistake_early_does_not_garble_escaped_html_later() -> None:
    # After its first error libxml2 drops named references: "&lt;p&gt;" would become "p".
    body = (
        b"<rss version='2.0'><channel><title>T</title>"
        b"<item><guid>1</guid><title>One</title><description>x</b></description></item>"
        b"<item><guid>2</guid><title>Two</title>"
        b"<description>&lt;p&gt;Hello &amp;amp; bye&lt;/p&gt;</description></item>"
        b"</channel></rss>"
    )
    feed = parse_feed(body, URL, now=NOW)
    two = by_guid(feed)["2"]
    assert two.html == "<p>Hello &amp; bye</p>"
    assert two.text == "Hello & bye"
    assert feed.warning is not None and feed.warning.startswith("malformed XML")


def test_server_warnings_printed_before_the_feed_are_skipped() -> None:
    body = (
        b"<br />\n<b>Warning</b>: Cannot modify header information in <b>feed.php</b><br />\n"
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>Still a feed</title>'
        b"<item><title>One</title><guid>1</guid></item></channel></rss>"
    )
    feed = parse_feed(body, URL, now=NOW)
    assert feed.title == "Still a feed"
    assert [e.title for e in feed.entries] == ["One"]


def test_html_page_is_not_a_feed_but_names_the_feeds_it_advertises() -> None:
    with pytest.raises(NotAFeed) as caught:
        parse("page.html", "text/html; charset=utf-8")
    assert caught.value.links == [
        "https://feeds.example/feed.xml",
        "https://valley.example/sport/atom.xml",
        "https://feeds.example/path/feed.json",
    ]
    assert str(caught.value) == (
        "not a feed: HTML page (advertises: https://feeds.example/feed.xml, "
        "https://valley.example/sport/atom.xml, https://feeds.example/path/feed.json)"
    )
    assert isinstance(caught.value, FeedError)


def test_xhtml_pages_and_pages_served_as_html_are_not_feeds() -> None:
    xhtml = (
        b'<?xml version="1.0"?><!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
        b'"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">'
        b'<html xmlns="http://www.w3.org/1999/xhtml"><head><link rel="alternate" '
        b'type="application/atom+xml" href="/atom"/></head><body/></html>'
    )
    with pytest.raises(NotAFeed) as caught:
        parse_feed(xhtml, URL)
    assert caught.value.links == ["https://feeds.example/atom"]
    with pytest.raises(NotAFeed):
        parse_feed(b"<div><p>A fragment of a page</p></div>", URL, "text/html")


def test_discovery_honours_base_and_skips_what_is_not_a_feed() -> None:
    page = (
        b'<html><head><base href="https://cdn.example/site/">'
        b'<link rel="alternate" type="application/rss+xml" href="rss.xml">'
        b'<link rel="ALTERNATE nofollow" type="application/atom+xml; charset=utf-8" href="/a">'
        b'<link rel="alternate" type="text/html" href="/page">'
        b'<link rel="alternate" type="application/rss+xml" href="rss.xml">'
        b'<link rel="alternate" type="application/rss+xml" href="ftp://x.example/f">'
        b"</head></html>"
    )
    assert discover_feed_links(page, "https://site.example/") == [
        "https://cdn.example/site/rss.xml",
        "https://cdn.example/a",
    ]
    assert discover_feed_links(b"", "https://site.example/") == []


def test_html_page_without_feeds_says_so_plainly() -> None:
    with pytest.raises(NotAFeed, match=r"^not a feed: HTML page$") as caught:
        parse_feed(b"<html><body><p>Hello</p></body></html>", URL, "text/html")
    assert caught.value.links == []


# --- encodings ------------------------------------------------------------------


def test_windows_1252_declared_in_the_document() -> None:
    feed = parse("windows1252.xml")
    assert feed.title == "Café Society"
    entry = feed.entries[0]
    assert entry.title == "“Naïve” prices: €5 for a café crème"
    assert entry.summary == "It’s a bargain – really."


def test_windows_1252_declared_by_the_server() -> None:
    body = (FEEDS / "windows1252.xml").read_bytes().replace(b'encoding="windows-1252"', b"")
    feed = parse_feed(body, URL, "text/xml; charset=windows-1252", now=NOW)
    assert feed.entries[0].title == "“Naïve” prices: €5 for a café crème"


def test_latin1_bytes_labelled_utf8_are_still_readable() -> None:
    feed = parse("latin1_as_utf8.xml", "application/rss+xml; charset=utf-8")
    assert feed.title == "Le Café"
    assert feed.entries[0].title == "Naïve café décor"
    assert feed.entries[0].summary == "Crème brûlée à la carte."


def test_utf8_labelled_latin1_by_the_server_stays_utf8() -> None:
    feed = parse("rss10.rdf", "text/xml; charset=ISO-8859-1")
    body = "<rss version='2.0'><channel><title>Café “x”</title></channel></rss>".encode()
    assert parse_feed(body, URL, "text/xml; charset=ISO-8859-1").title == "Café “x”"
    assert feed.title == "Hill Observatory Notes"


def test_utf16_with_bom() -> None:
    feed = parse("utf16_bom.xml")
    assert feed.title == "東京 ニュース"
    assert feed.entries[0].title == "café — “quoted” € 😀"


# --- hostile feeds --------------------------------------------------------------


def test_xxe_never_reads_local_files(either_path: str, no_network: None) -> None:
    feed = parse("xxe.xml")
    secrets = [Path("/etc/passwd").read_text().splitlines()[0], Path("/etc/hostname").read_text()]
    everything = repr(feed)
    for secret in secrets:
        assert secret.strip() not in everything
    assert "root:" not in everything
    assert feed.entries[0].guid == "xxe-1"
    assert feed.entries[0].title.startswith("Entry")
    if either_path == "lxml":
        assert feed.warning == "entity declarations in the DOCTYPE were ignored"


@pytest.mark.parametrize("name", ["billion_laughs.xml", "quadratic.xml"])
def test_entity_bombs_do_not_expand(name: str, either_path: str) -> None:
    start = time.perf_counter()
    feed = parse(name)
    assert time.perf_counter() - start < 2.0
    assert len(feed.entries) == 2  # the feed itself still reads
    for entry in feed.entries:
        assert len(entry.title) < 50 and len(entry.text) < 1000 and len(entry.html) < 1000
    assert "lollol" not in repr(feed) and "AAAA" not in repr(feed)


def test_escape_sequences_and_controls_never_reach_the_terminal(either_path: str) -> None:
    feed = parse("escapes.xml")
    assert feed.title == "Escapes"
    entries = by_guid(feed)
    assert entries["esc-1"].title == "Red alert"
    assert entries["esc-1"].text == "Body bold text"
    assert entries["esc-2"].title == "Window name"
    assert entries["esc-2"].author == "Mallory"
    assert entries["esc-3"].title == "Eight-bit CSI and C1"
    assert entries["esc-4"].title == "Reference red via entities"
    assert entries["esc-4"].text == "HTML blink"
    assert entries["esc-5"].title == "[bold red]not markup[/] and [link=https://x.example]x[/link]"
    assert entries["esc-6"].title == "Bell and NUL and DEL"
    for entry in feed.entries:
        for value in (entry.guid, entry.title, entry.author, entry.summary, entry.text, entry.html):
            assert not UNSAFE.search(value)
        # html is still HTML, so "&#27;" may stay in it; what the reader shows is clean.
        for value in (entry.title, entry.author, entry.summary, entry.text, reader(entry)):
            assert "[31m" not in value and "[5m" not in value and "[0m" not in value


def test_unsafe_entry_links_are_dropped() -> None:
    body = (
        b"<rss version='2.0'><channel><item><title>a</title><link>javascript:alert(1)</link>"
        b"</item><item><title>b</title><link>java\tscript:alert(1)</link></item>"
        b"<item><title>c</title><link>data:text/html,x</link></item></channel></rss>"
    )
    feed = parse_feed(body, URL, now=NOW)
    assert [e.url for e in feed.entries] == [None, None, None]
    assert len({e.guid for e in feed.entries}) == 3


def test_fields_are_capped() -> None:
    long_title = "Title " * 1000
    body = (
        "<rss version='2.0'><channel><item><guid>big</guid>"
        f"<title>{long_title}</title><author>{'A' * 1000}</author>"
        f"<description>{'word ' * 300_000}</description></item></channel></rss>"
    ).encode()
    entry = parse_feed(body, URL, now=NOW).entries[0]
    assert len(entry.title) <= 1000
    assert len(entry.author) <= 200
    assert len(entry.summary) <= 400 and entry.summary.endswith("…")
    assert len(entry.text) <= 1_000_000 and len(entry.html) <= 1_000_000


def test_deeply_nested_json_is_a_feed_error_not_a_crash() -> None:
    with pytest.raises(FeedError, match=r"^invalid JSON"):
        parse_feed(b"[" * 100_000 + b"]" * 100_000, URL)


# --- identity and dates ---------------------------------------------------------


def test_duplicate_guids_keep_the_first_entry() -> None:
    feed = parse("duplicates.xml")
    assert [(e.guid, e.title) for e in feed.entries] == [
        ("same-id", "Original"),
        ("other-id", "Other"),
        ("https://dupes.example/2", "Link only"),
    ]


def test_entries_without_ids_get_stable_distinct_ones() -> None:
    first, again = parse("no_ids.xml"), parse("no_ids.xml")
    guids = [e.guid for e in first.entries]
    assert guids == [e.guid for e in again.entries]  # the same entry keeps its id
    assert len(set(guids)) == 5
    assert guids[0] == "https://anon.example/post"
    assert all(g.startswith("h:") and len(g) == 42 for g in guids[1:])
    assert first.entries[3].title == "Nothing but a description, which becomes the title."


def test_dates_are_utc_and_the_future_is_clamped() -> None:
    entries = by_guid(parse("dates.xml"))
    sixteen_utc = 1_719_849_600  # 2024-07-01 16:00 UTC
    assert entries["rfc822-named-zone"].published == sixteen_utc  # 09:00 PDT
    assert entries["rfc822-offset"].published == sixteen_utc  # 18:00 +0200
    assert entries["iso-dc-date"].published == sixteen_utc
    assert entries["far-future"].published == NOW
    assert entries["slightly-future"].published == NOW + 86_400  # a day ahead is allowed
    assert entries["unparseable"].published is None
    assert entries["missing"].published is None


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("Tue, 02 Jan 2024 10:00:00 GMT", 1_704_189_600),
        ("Tue, 2 Jan 24 10:00 CET", 1_704_186_000),
        ("02 Jan 2024 10:00:00 Z", 1_704_189_600),
        ("Tuesday, 02-Jan-2024 10:00:00 UT", 1_704_189_600),
        ("2024-01-02T10:00:00Z", 1_704_189_600),
        ("2024-01-02T11:30:00+01:30", 1_704_189_600),
        ("2024-01-02 10:00:00", 1_704_189_600),
        ("2024-01-02T10:00:00.123456789Z", 1_704_189_600),
        ("Tue Jan 02 2024 10:00:00 GMT+0000 (Coordinated Universal Time)", 1_704_189_600),
        ("January 2, 2024 10:00 am", 1_704_189_600),
        ("2024-01-02", 1_704_153_600),
        ("Tue, 31 Feb 2024 10:00:00 GMT", None),
        ("yesterday", None),
        ("", None),
    ],
)
def test_date_formats(written: str, expected: int | None) -> None:
    item = f"<item><guid>d</guid><pubDate>{written}</pubDate></item>"
    body = f"<rss version='2.0'><channel>{item}</channel></rss>".encode()
    assert parse_feed(body, URL, now=2_000_000_000).entries[0].published == expected


# --- errors ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "not a feed: empty document"),
        (b"  \n\t ", "not a feed: empty document"),
        (b"Just some words.", "not a feed: neither XML nor JSON"),
        (b'{"hello": "world"}', "not a feed: JSON that is not a JSON Feed"),
        (b"[1, 2, 3]", "not a feed: JSON without a feed object"),
        (b'{"items": [', "invalid JSON"),
        (b"<?xml version='1.0'?><config><x/></config>", "not a feed: XML document with <config>"),
        (b"\x00\x01\x02\xff\xfe garbage", "not a feed"),
    ],
)
def test_what_is_not_a_feed_gets_a_one_line_error(body: bytes, message: str) -> None:
    with pytest.raises(FeedError) as caught:
        parse_feed(body, URL)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def test_parsing_a_normal_feed_imports_neither_ui_nor_feedparser() -> None:
    feed = str(FEEDS / "rss20.xml")
    code = (
        "import sys, pathlib; from storage.parse import parse_feed; "
        f"parse_feed(pathlib.Path({feed!r}).read_bytes(), 'https://x.example/'); "
        "from storage.clean import html_to_markdown; html_to_markdown('<p>x</p>', None); "
        "print(sorted(m for m in ('textual', 'rich', 'feedparser') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --- properties -----------------------------------------------------------------

FRAGMENTS = [
    "<?xml version='1.0'?>", "<rss version='2.0'>", "<rdf:RDF>", "<feed xmlns='http://www.w3.org/2005/Atom'>",
    "<channel>", "</channel>", "<item>", "</item>", "<entry>", "</entry>", "<title>", "</title>",
    "<link>", "</link>", "<link href='javascript:x'/>", "<guid>", "</guid>", "<id>", "</id>",
    "<description>", "</description>", "<content type='xhtml'><div>", "</div></content>",
    "<pubDate>", "</pubDate>", "Tue, 02 Jan 2024 10:00:00 GMT", "2024-13-45T99:99:99Z",
    "<![CDATA[", "]]>", "&amp;", "&lt;b&gt;", "&nbsp;", "&#27;", "&#x9b;", "&bogus;", "&", "<",
    "<!DOCTYPE x [<!ENTITY e 'ee'>]>", "&e;", "\x1b[31m", "\x1b]0;t\x07", "\x00", "\x9b",
    "<content:encoded>", "</content:encoded>", "<summary type='html'>", "</summary>",
    "<author><name>", "</name></author>", "{", "}", '"items": [', '"version": "https://jsonfeed.org/version/1"',
    "text", " ", "\n", "é", "😀",
]  # fmt: skip
feedish = st.lists(st.sampled_from(FRAGMENTS), max_size=60).map("".join)


def check_clean(feed: ParsedFeed) -> None:
    assert not UNSAFE.search(feed.title)
    for entry in feed.entries:
        assert entry.guid
        for value in (entry.guid, entry.title, entry.author, entry.summary, entry.text, entry.html):
            assert not UNSAFE.search(value)
        assert "\n" not in entry.title and "\n" not in entry.author
        assert entry.url is None or entry.url.startswith(("http://", "https://"))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.binary(max_size=2000), st.sampled_from([None, "text/xml", "application/json", "text/html"])
)
def test_random_bytes_only_ever_raise_feed_error(body: bytes, content_type: str | None) -> None:
    try:
        check_clean(parse_feed(body, URL, content_type, now=NOW))
    except FeedError as error:
        assert "\n" not in str(error)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(feedish, st.sampled_from(["utf-8", "utf-16", "cp1252"]))
def test_feed_like_documents_only_ever_raise_feed_error(text: str, encoding: str) -> None:
    try:
        check_clean(parse_feed(text.encode(encoding, "replace"), URL, now=NOW))
    except FeedError as error:
        assert "\n" not in str(error)


@settings(max_examples=100, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(
                st.sampled_from(["id", "url", "title", "content_html", "items", "authors", "name"]),
                children,
                max_size=5,
            )
        ),
        max_leaves=30,
    )
)
def test_json_feeds_with_any_shape_only_ever_raise_feed_error(items: object) -> None:
    body = json.dumps({"version": "https://jsonfeed.org/version/1.1", "items": items}).encode()
    with contextlib.suppress(FeedError):
        check_clean(parse_feed(body, URL, now=NOW))
