"""The dashboard's main screen, driven by keys through Pilot: what a user sees and gets."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Markdown

from storage.listing import View
from storage.store import Store
from tui.screens.main import MainScreen
from tui.widgets.article_list import ArticleList
from tui.widgets.reader import ArticleReader


def rows(db: Path, view: View | None = None) -> list:
    with Store(db) as store:
        return store.page(view or View(), 0, 100)


def main(app) -> MainScreen:
    assert isinstance(app.screen, MainScreen)
    return app.screen


async def test_first_paint_shows_articles_counts_and_state(kit, db_path: Path) -> None:
    app = kit.make_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await kit.settle(pilot, app)
        text = kit.screen_text(app)
        articles = main(app).articles
        assert articles.total == len(kit.ARTICLES)
        assert "Kyiv receives first air defence" in text
        assert "1-19 of 24" in text  # the honest count, in the list's border
        assert "polled 1h ago" in text and "1 feed failing" in text and "idle" in text
        assert "Ukraine aid 3" in text and "EU migration 5" in text and "All 14" in text
        assert "30m" in text and "★" in text and "●" in text
        assert articles.fetches <= 2  # pages, not every row


async def test_hostile_title_renders_literally(kit, db_path: Path) -> None:
    app = kit.make_app(db_path)
    async with app.run_test(size=(120, 30)) as pilot:
        await kit.settle(pilot, app)
        assert kit.HOSTILE_TITLE in kit.screen_text(app)
        await pilot.press(*"jjjjjj", "enter")  # and in the reader
        await kit.settle(pilot, app)
        assert main(app).reader.article.title == kit.HOSTILE_TITLE
        meta = app.screen.query_one("#reader-meta").render()
        assert str(meta).startswith(kit.HOSTILE_TITLE + "\n")
        await pilot.press("escape", "slash", *"[bold]x[/] [link=y]z[/link]", "enter")
        await kit.settle(pilot, app)  # markup typed into the filter is just text too
        assert "/[bold]x[/] [link=y]z[/link]" in kit.screen_text(app)


async def test_empty_database_says_what_to_do(kit, empty_db: Path) -> None:
    app = kit.make_app(empty_db)
    async with app.run_test() as pilot:
        await kit.settle(pilot, app)
        assert "No articles yet — press r to poll 3 feeds" in kit.screen_text(app)


async def test_cursor_keys(kit, db_path: Path) -> None:
    steps = [
        (["j", "j"], 2),
        (["down", "down", "down", "k"], 4),
        (["up"], 3),
        (["G"], 23),
        (["g"], 0),
        (["end"], 23),
        (["home"], 0),
        (["pagedown"], 19),
        (["pageup"], 0),
        (["space"], 19),
        (["b"], 0),
    ]
    app = kit.make_app(db_path)
    async with app.run_test() as pilot:
        await kit.settle(pilot, app)
        articles = main(app).articles
        for keys, index in steps:
            await pilot.press(*keys)
            await kit.settle(pilot, app)
            assert articles.cursor == index, keys
            assert articles.current().title == kit.ARTICLES[index][2], keys


async def test_enter_opens_reader_in_place_when_narrow_and_marks_read(kit, db_path: Path) -> None:
    app = kit.make_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await kit.settle(pilot, app)
        await pilot.press("j", "enter")
        await kit.settle(pilot, app)
        screen = main(app)
        assert screen.reader.display and not screen.articles.display
        assert app.focused is screen.reader
        text = kit.screen_text(app)
        assert "EU ministers agree asylum screening" in text
        assert "Brussels Wire · Reporter 1 · 2027-01-15 07:00 UTC (1h ago)" in text
        assert "https://news.example/1" in text
        assert next(r for r in rows(db_path) if r.title.startswith("EU ministers")).read
        await pilot.press("escape")
        await kit.settle(pilot, app)
        assert screen.articles.display and not screen.reader.display
        assert app.focused is screen.articles and screen.articles.cursor == 1


async def test_reader_opens_beside_the_list_when_wide(kit, db_path: Path) -> None:
    app = kit.make_app(db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await kit.settle(pilot, app)
        await pilot.press("enter")
        await kit.settle(pilot, app)
        screen = main(app)
        assert screen.reader.display and screen.articles.display


async def test_reader_next_previous_and_scroll(kit, db_path: Path) -> None:
    app = kit.make_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await kit.settle(pilot, app)
        await pilot.press("enter", "n")
        await kit.settle(pilot, app)
        screen = main(app)
        assert screen.reader.article.title == kit.ARTICLES[1][2]
        await pilot.press("n", "n", "p")
        await kit.settle(pilot, app)
        assert screen.reader.article.title == kit.ARTICLES[2][2]
        assert screen.articles.cursor == 2
        await pilot.press("space", "pagedown", "b", "j", "k", "G", "g")  # scrolling never fails
        await kit.settle(pilot, app)
        assert screen.reader.scroll_y == 0


async def test_reader_highlights_terms_and_copies_clicked_links(kit, db_path: Path) -> None:
    app = kit.make_app(db_path)
    copied: list[str] = []
    app.copy_to_clipboard = copied.append  # type: ignore[method-assign]
    async with app.run_test(size=(100, 30)) as pilot:
        await kit.settle(pilot, app)
        await pilot.press("1", "enter")  # Ukraine aid: its terms light up in the reader
        await kit.settle(pilot, app)
        body = app.screen.query_one("#reader-body", Markdown)
        assert main(app).reader.terms
        assert any(
            ".strong" in str(span.style)
            for b in body.children
            for span in getattr(getattr(b, "_content", None), "spans", [])
        )
        body.post_message(Markdown.LinkClicked(body, "https://example.org/more/0"))
        await kit.settle(pilot, app)
        assert copied == ["https://example.org/more/0"]
        assert any("Copied link" in str(n.message) for n in app._notifications)


async def test_a_topic_number_past_the_last_says_so(kit, db_path: Path) -> None:
    app = kit.make_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await kit.settle(pilot, app)
        screen = main(app)
        await pilot.press("2")
        await kit.settle(pilot, app)
        assert screen.tab == 2
        await pilot.press("7")
        await kit.settle(pilot, app)
        assert screen.tab == 2  # stays where it was
        messages = [str(n.message) for n in app._notifications]
        assert "There is no topic 7: topics are 1-2; 0 shows every article." in messages
        await pilot.press("0")
        await kit.settle(pilot, app)
        for kept, words in ((1, "the only topic is 1"), (0, "there are no topics yet")):
            screen.topics = screen.topics[:kept]  # as a config with fewer topics has
            await pilot.press("2")
            await kit.settle(pilot, app)
            assert screen.tab == 0
            messages = [str(n.message) for n in app._notifications]
            assert f"There is no topic 2: {words}; 0 shows every article." in messages


async def test_m_toggles_read_and_s_toggles_star(kit, db_path: Path) -> None:
    app = kit.make_app(db_path)
    async with app.run_test() as pilot:
        await kit.settle(pilot, app)
        await pilot.press("m", "s")
        await kit.settle(pilot, app)
        first = rows(db_path)[0]
        assert first.read and not first.starred  # it was unread and starred
        assert main(app).articles.current().read
        assert "All 13" in kit.screen_text(app)
        await pilot.press("m", "s")
        await kit.settle(pilot, app)
        first = rows(db_path)[0]
        assert not first.read and first.starred


async def test_shift_m_marks_everything_in_view_read(kit, db_path: Path) -> None:
    app = kit.make_app(db_path)
    async with app.run_test() as pilot:
        await kit.settle(pilot, app)
        await pilot.press("2", "M")  # EU migration only; it asks first
        await kit.settle(pilot, app)
        assert "Mark every article read in EU migration? (5 stories)" in kit.screen_text(app)
        await pilot.press("n")  # no: nothing changes
        await kit.settle(pilot, app)
        assert any(not r.read for r in rows(db_path, View(topic_id=main(app).topics[1].id)))
        await pilot.press("M", "y")
        await kit.settle(pilot, app)
        screen = main(app)
        eu = screen.topics[1].id
        assert all(r.read for r in rows(db_path, View(topic_id=eu)))
        assert any(not r.read for r in rows(db_path))
        assert "Marked 5 articles read" in str([n.message for n in app._notifications])


async def test_o_copies_the_link_when_there_is_no_browser(kit, db_path: Path) -> None:
    app = kit.make_app(db_path)
    copied: list[str] = []
    app.copy_to_clipboard = copied.append  # type: ignore[method-assign]
    async with app.run_test() as pilot:
        await kit.settle(pilot, app)
        await pilot.press("o")
        await kit.settle(pilot, app)
        assert copied == ["https://news.example/0"]
        assert "No browser here" in str([n.message for n in app._notifications])


async def test_o_opens_a_browser_where_there_is_one(
    kit, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str] = []
    monkeypatch.setenv("BROWSER", "true")
    monkeypatch.setattr("webbrowser.open", lambda url, *a, **k: opened.append(url) or True)
    app = kit.make_app(db_path)
    async with app.run_test() as pilot:
        await kit.settle(pilot, app)
        await pilot.press("j", "o")
        await kit.settle(pilot, app)
        assert opened == ["https://news.example/1"]


async def test_y_copies_the_link(kit, db_path: Path) -> None:
    app = kit.make_app(db_path)
    copied: list[str] = []
    app.copy_to_clipboard = copied.append  # type: ignore[method-assign]
    async with app.run_test() as pilot:
        await kit.settle(pilot, app)
        await pilot.press("j", "j", "y")
        await kit.settle(pilot, app)
        assert copied == ["https://news.example/2"]
        assert "Copied link: https://news.example/2" in str([n.message for n in app._notifications])


async def test_topic_keys_switch_the_list(kit, db_path: Path) -> None:
    app = kit.make_app(db_path)
    async with app.run_test() as pilot:
        await kit.settle(pilot, app)
        screen = main(app)
        steps = [
            ("1", "Ukraine aid", 7),
            ("2", "EU migration", 5),
            ("0", "All articles", 24),
            ("tab", "Ukraine aid", 7),
            ("shift+tab", "All articles", 24),
            ("shift+tab", "EU migration", 5),
            ("9", "EU migration", 5),
        ]
        for key, title, total in steps:
            await pilot.press(key)
            await kit.settle(pilot, app)
            assert screen.articles.border_title == title, key
            assert screen.articles.total == total, key
            assert f"of {total}" in kit.screen_text(app)


async def test_filter_narrows_live_and_escape_clears(kit, db_path: Path) -> None:
    app = kit.make_app(db_path)
    async with app.run_test() as pilot:
        await kit.settle(pilot, app)
        await pilot.press("slash", *"asylum")
        await pilot.pause(0.3)
        await kit.settle(pilot, app)
        screen = main(app)
        assert screen.articles.total == 3
        assert screen.filter == "asylum"
        assert "All articles  /asylum" in kit.screen_text(app)
        await pilot.press("escape")
        await kit.settle(pilot, app)
        assert screen.articles.total == 24 and screen.filter == ""
        assert not screen.filter_bar.display
        assert app.focused is screen.articles


async def test_bad_filter_shows_its_error_and_keeps_the_last_results(kit, db_path: Path) -> None:
    app = kit.make_app(db_path)
    async with app.run_test() as pilot:
        await kit.settle(pilot, app)
        await pilot.press("slash", *"kyiv")
        await pilot.pause(0.3)
        await kit.settle(pilot, app)
        screen = main(app)
        assert screen.articles.total == 4
        await pilot.press(*" (aid")
        await pilot.pause(0.3)
        await kit.settle(pilot, app)
        text = kit.screen_text(app)
        assert "column" in text  # the query error, one line, under the bar
        assert screen.articles.total == 4 and screen.filter == "kyiv"
        await pilot.press("enter")  # keeps the last good filter
        await kit.settle(pilot, app)
        assert screen.filter == "kyiv" and screen.filter_bar.value == "kyiv"
        assert app.focused is screen.articles
        assert "column" not in kit.screen_text(app)


async def test_filter_highlights_matches_in_titles(kit, db_path: Path) -> None:
    app = kit.make_app(db_path)
    async with app.run_test() as pilot:
        await kit.settle(pilot, app)
        await pilot.press("slash", *"missile*", "enter")
        await kit.settle(pilot, app)
        articles = main(app).articles
        assert articles.terms == ("missile*",)
        strip = articles.render_line(0)
        styled = [seg.text for seg in strip if seg.style and seg.style.underline]
        assert "missile" in " ".join(styled)


async def test_keymap_from_config_rebinds_keys(kit, db_path: Path) -> None:
    app = kit.make_app(db_path, kit.make_config(down="x", quit="ctrl+q"))
    async with app.run_test() as pilot:
        await kit.settle(pilot, app)
        await pilot.press("x", "x")
        await kit.settle(pilot, app)
        assert main(app).articles.cursor == 2
        await pilot.press("question_mark")
        await kit.settle(pilot, app)
        assert "x   " in kit.screen_text(app) or "x " in kit.screen_text(app)


async def test_mouse_click_selects_and_double_click_opens(kit, db_path: Path) -> None:
    app = kit.make_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await kit.settle(pilot, app)
        await pilot.click(ArticleList, offset=(5, 4))
        await kit.settle(pilot, app)
        assert main(app).articles.cursor == 3
        await pilot.click(ArticleList, offset=(5, 4), times=2)
        await kit.settle(pilot, app)
        assert isinstance(app.focused, ArticleReader)


async def test_q_quits(kit, db_path: Path) -> None:
    app = kit.make_app(db_path)
    async with app.run_test() as pilot:
        await kit.settle(pilot, app)
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0


async def test_no_color_keeps_unread_and_cursor_readable(
    kit, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = kit.make_app(db_path)
    assert app.no_color
    async with app.run_test() as pilot:
        await kit.settle(pilot, app)
        articles = main(app).articles
        cursor_row = list(articles.render_line(0))
        read_row = list(articles.render_line(3))  # "Harbour strike ...", read
        unread_row = list(articles.render_line(1))
        assert all(seg.style is not None for seg in cursor_row + read_row + unread_row)
        assert all(seg.style.reverse for seg in cursor_row if seg.text.strip())
        assert any(seg.style.bold for seg in unread_row if "EU ministers" in seg.text)
        assert not any(seg.style.bold for seg in read_row if "Harbour" in seg.text)
        assert "●" in "".join(seg.text for seg in unread_row)
        assert "●" not in "".join(seg.text for seg in read_row)


async def test_a_topic_key_from_the_config_jumps_to_it(kit, db_path: Path) -> None:
    from dataclasses import replace

    topics = (replace(kit.TOPICS[0], key="u"), replace(kit.TOPICS[1], key="m"))  # m is taken
    with Store(db_path) as store:
        store.sync_topics(topics)
    config = replace(kit.make_config(), topics=topics)
    app = kit.make_app(db_path, config)
    async with app.run_test() as pilot:
        await kit.settle(pilot, app)
        await pilot.press("u")
        await kit.settle(pilot, app)
        assert main(app).articles.border_title == "Ukraine aid"
        await pilot.press("m")  # still marks read; the topic keeps its number key
        await kit.settle(pilot, app)
        assert main(app).articles.border_title == "Ukraine aid"
        assert main(app).articles.current().read


async def test_keys_typed_during_a_topic_switch_act_on_the_new_list(
    kit, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ "2 j enter" typed faster than the topic loads opens the topic's second article
    (not the row below the old list's cursor)."""
    import threading

    from tui.widgets import list_source

    gate = threading.Event()
    gate.set()
    real = list_source.load_view

    def slow_load(*args, **kwargs):  # type: ignore[no-untyped-def]
        gate.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(list_source, "load_view", slow_load)
    app = kit.make_app(db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await kit.settle(pilot, app)
        screen = main(app)
        topic = screen.topics[1]  # "2": EU migration
        with Store(db_path) as store:
            second = store.story_page(View(topic_id=topic.id), 1, 1)[0].article
        gate.clear()  # the switch's load waits until the keys are in
        await pilot.press("2", "j", "enter")
        assert screen.reader.article is None or screen.reader.article.id != second.id
        gate.set()
        await kit.settle(pilot, app)
        assert screen.articles.border_title == "EU migration"
        assert screen.articles.cursor == 1
        assert screen.reader.article is not None
        assert screen.reader.article.id == second.id
