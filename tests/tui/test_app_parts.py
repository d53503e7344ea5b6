"""The dashboard's pure parts: formats, the page cache, cursor relocation, highlighting."""

from __future__ import annotations

from storage.store import ArticleRow
from tui import format, keys
from tui.widgets.highlight import markdown_parser, spans, terms_of
from tui.widgets.page_cache import PageCache, relocate


def row(i: int) -> ArticleRow:
    return ArticleRow(i, 1, "Feed", f"Title {i}", None, "", 1000 - i, False, False)


def test_ages_counts_and_sparklines() -> None:
    now = 1_000_000
    assert [format.age(now - s, now) for s in (3, 45, 600, 7200, 3 * 86400, 30 * 86400)] == [
        "now",
        "45s",
        "10m",
        "2h",
        "3d",
        "4w",
    ]
    assert format.age(now + 50, now) == "now"  # a feed's clock ahead of ours
    assert format.since(None, now) == "never" and format.since(now - 180, now) == "3m ago"
    assert format.until(now + 720, now) == "in 12m" and format.until(None, now) == "due"
    assert format.window(0, 50, 14233) == "1-50 of 14,233"
    assert format.window(14200, 50, 14233) == "14,201-14,233 of 14,233"
    assert format.window(0, 20, 0) == "0 of 0"
    assert format.short_count(950) == "950" and format.short_count(12_345) == "12.3k"
    assert format.short_count(2_000_000) == "2M"
    assert format.sparkline([0, 1, 2, 4, 8]) == "▁▂▃▅█"
    assert format.sparkline([0, 0]) == "▁▁" and format.sparkline([]) == ""


def test_page_cache_holds_a_few_pages_and_forgets_the_oldest() -> None:
    cache = PageCache(page_size=10, max_pages=3)
    assert cache.missing(0, 25, total=100) == [0, 1, 2]
    for page in (0, 1, 2, 3):
        cache.put(page, [row(page * 10 + i) for i in range(10)])
    assert len(cache) == 3 and cache.row(5) is None and cache.row(35).id == 35
    cache.pending.add(5)
    assert cache.missing(30, 69, total=100) == [4, 6]  # 3 is held, 5 is on its way
    assert cache.missing(90, 200, total=95) == [9]
    assert cache.update([35], read=True) == [35] and cache.row(35).read


def test_relocate_follows_the_article_under_the_cursor() -> None:
    old = [row(i) for i in range(100)]
    new = [row(-1), row(-2), *old]  # two articles arrived at the top

    def fetch(offset: int, limit: int) -> list[ArticleRow]:
        return new[offset : offset + limit]

    # Scrolled down: the cursor's article and its screen line both stay put.
    assert relocate(fetch, (30, 30, 100), 102, scroll_y=20, height=20) == (32, 22)
    # At the top: the list stays at the top and the new articles show above.
    assert relocate(fetch, (3, 3, 100), 102, scroll_y=0, height=20) == (5, 0)
    # The article vanished: the cursor keeps its index.
    assert relocate(lambda o, n: [], (3, 999, 100), 102, 0, 20) == (3, 0)


def test_terms_and_title_spans() -> None:
    terms = terms_of("(ukraine OR kyiv) missile* -russia", "is:unread")
    assert set(terms) == {"ukraine", "kyiv", "missile*"}
    assert terms_of("unbalanced (") == ()
    title = "Kyiv asks for missiles; Ukraine's allies"
    assert [title[a:b] for a, b in spans(title, terms)] == ["Kyiv", "missiles", "Ukraine"]


def test_reader_highlighting_never_touches_links_or_code() -> None:
    parse = markdown_parser(lambda: ("kyiv",))()
    tokens = parse.parse("Kyiv [in Kyiv](https://kyiv.example/kyiv) `kyiv` done")
    inline = next(t for t in tokens if t.type == "inline")
    kinds = [c.type for c in inline.children]
    assert kinds.count("strong_open") == 2  # the word and the link text, not url or code
    link = next(c for c in inline.children if c.type == "link_open")
    assert link.attrs["href"] == "https://kyiv.example/kyiv"
    code = next(c for c in inline.children if c.type == "code_inline")
    assert code.content == "kyiv"


def test_help_rows_follow_the_keymap() -> None:
    rows = {
        r.description: r.keys
        for _, section in keys.help_rows({"down": "x,ctrl+n"})
        for r in section
    }
    assert rows["Down"] == "x ^n"
    assert rows["Help"] == "? f1" and rows["Filter"] == "/"
