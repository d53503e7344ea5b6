"""The reader: title, feed, author, date and link, then the article as Markdown.

The Markdown is made from the article's HTML the first time it is opened (in a
thread worker) and cached in the database. Links never open from here: activating
one copies its URL (OSC 52, which works over SSH) and says so. Matching terms are
shown bold italic.

Two more things an article can have (tui/widgets/reader_extras.py): the full text of
its web page, shown in place of the feed's text when it is there (`f` fetches it, or
goes back to the feed's text), and, for a story several outlets carry, the list of
their versions (`v` / `V` move between them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Markdown, Static

from storage.db import StorageError
from storage.store import Article, ArticleRow
from tui import format, keys
from tui.data import ThreadStores
from tui.widgets.highlight import Terms, markdown_parser
from tui.widgets.reader_extras import (
    FullTextFetched,
    FullTextState,
    fetch_full_text,
    full_text_note,
    versions_text,
)

MAX_MARKDOWN = 200_000  # characters; longer articles are cut, with a note


def cut(markdown: str) -> str:
    if len(markdown) > MAX_MARKDOWN:
        return markdown[:MAX_MARKDOWN] + "\n\n*(cut here: the article is too long)*"
    return markdown


def article_markdown(article: Article) -> tuple[str, bool]:
    """(markdown, fresh): the cached rendering, else one made now from the HTML."""
    if article.markdown is not None:
        return article.markdown, False
    if article.html.strip():
        try:
            from storage.clean import html_to_markdown

            return html_to_markdown(article.html, article.url), True
        except Exception:  # a converter bug must not hide the article: show its text
            return _escape_plain(article.text or article.summary), False
    return _escape_plain(article.text or article.summary), True


def _escape_plain(text: str) -> str:
    """Plain text as Markdown that shows exactly these characters."""
    special = "\\`*_{}[]<>()#+-.!|~"
    escaped = "".join("\\" + ch if ch in special else ch for ch in text)
    return "\n\n".join(p.strip() for p in escaped.split("\n\n") if p.strip())


@dataclass
class ArticleLoaded(Message):
    request: int
    article: Article
    markdown: str
    was_unread: bool
    full: Any = None  # storage.fulltext.FullTextResult, when the page was fetched before
    versions: list[ArticleRow] | None = None  # the story's articles; None: unchanged


@dataclass
class ArticleFailed(Message):
    request: int
    error: str


class ArticleReader(VerticalScroll, can_focus=True):
    BINDINGS = keys.READER

    @dataclass
    class Navigate(Message):
        """n / p: read the next (+1) or previous (-1) article of the list."""

        reader: ArticleReader
        step: int

    @dataclass
    class Shown(Message):
        """An article is on screen (it was marked read if it was unread)."""

        reader: ArticleReader
        article: Article
        was_unread: bool

    def __init__(
        self, stores: ThreadStores, now: Callable[[], float], *, id: str | None = None
    ) -> None:
        super().__init__(id=id)
        self.stores = stores
        self.now = now
        self.article: Article | None = None
        self.article_id: int | None = None
        self.terms: Terms = ()
        self.story_id: int | None = None  # the story being read, when it has versions
        self.versions: list[ArticleRow] = []  # each outlet's version, oldest first
        self.feed_markdown = ""  # the feed's own text, kept while the full text shows
        self.full = FullTextState()
        self._request = 0

    def compose(self) -> ComposeResult:
        yield Static(id="reader-meta")
        yield Static(id="reader-versions")
        body = Markdown(
            id="reader-body", open_links=False, parser_factory=markdown_parser(lambda: self.terms)
        )
        body.can_focus_children = False
        yield body

    def open(self, article_id: int, terms: Terms = (), story_id: int | None = None) -> None:
        """Load and show an article (marking it read); with `story_id`, the whole story
        is marked read and its versions listed."""
        self._request += 1
        self.article_id = article_id
        self.terms = terms
        self.story_id = story_id
        self._load(self._request, article_id, story_id)

    def show_version(self, article_id: int) -> None:
        """Show another outlet's version of the story being read."""
        self._request += 1
        self.article_id = article_id
        self._load(self._request, article_id, None)

    @work(thread=True, exclusive=True, group="reader", exit_on_error=False)
    def _load(self, request: int, article_id: int, story_id: int | None) -> None:
        store = self.stores.get()
        try:
            article = store.article(article_id)
            markdown, fresh = article_markdown(article)
            full = store.full_text(article_id) if hasattr(store, "full_text") else None
            versions = None
            was_unread = not article.read
            if story_id is not None:
                versions = store.story_articles(story_id)
                was_unread = any(not v.read for v in versions)
        except Exception as error:  # StorageError, NotFound: a line, not a crash
            self.post_message(ArticleFailed(request, str(error)))
            return
        try:
            if fresh:
                store.save_markdown(article_id, markdown)
            if was_unread and story_id is not None:
                store.set_story_read(story_id, True)
            elif was_unread:
                store.set_read([article_id], True)
        except StorageError as error:
            # A busy, read-only or full database must not hide an article that was read
            # fine: show it, unmarked, and say why.
            was_unread = False
            self.app.call_from_thread(
                self.notify, f"Not marked read: {error}", severity="warning", markup=False
            )
        self.post_message(
            ArticleLoaded(request, article, cut(markdown), was_unread, full, versions)
        )

    async def on_article_loaded(self, message: ArticleLoaded) -> None:
        message.stop()
        if message.request != self._request:
            return
        self.article = message.article
        self.feed_markdown = message.markdown
        if message.versions is not None:
            self.versions = message.versions if len(message.versions) > 1 else []
            if not self.versions:
                self.story_id = None
        self.full = FullTextState.of(message.full)
        self.scroll_home(animate=False, immediate=True)
        await self._show_body()
        self.post_message(self.Shown(self, message.article, message.was_unread))

    async def _show_body(self) -> None:
        """Meta, versions and body for the current article and text (feed or full)."""
        article = self.article
        if article is None:
            return
        self.query_one("#reader-meta", Static).update(self._meta(article))
        versions = self.query_one("#reader-versions", Static)
        versions.update(versions_text(self.versions, article.id))
        versions.display = bool(self.versions)
        title = Text(article.feed)
        if self.full.showing:
            title.append(" · full text")
        self.border_title = title
        markdown = self.full.markdown if self.full.showing else self.feed_markdown
        await self.query_one("#reader-body", Markdown).update(markdown or "")

    def on_article_failed(self, message: ArticleFailed) -> None:
        message.stop()
        if message.request == self._request:
            self.query_one("#reader-meta", Static).update(Text(message.error))
            self.notify(message.error, severity="error", markup=False)

    def _meta(self, article: Article) -> Text:
        meta = Text()
        meta.append(article.title or "(no title)", style="bold")
        meta.append("\n")
        byline = [article.feed]
        if article.author:
            byline.append(article.author)
        byline.append(
            f"{format.timestamp(article.published)}"
            f" ({format.age(article.published, self.now())} ago)"
        )
        meta.append(" · ".join(byline), style="italic")
        if article.url:
            meta.append("\n")
            meta.append(article.url, style="underline")
        note = full_text_note(self.full)
        if note:
            meta.append("\n")
            meta.append(note, style="bold" if self.full.error and not self.full.showing else "")
        return meta

    @on(Markdown.LinkClicked)
    def _link(self, event: Markdown.LinkClicked) -> None:
        event.stop()
        event.prevent_default()
        self.app.copy_to_clipboard(event.href)
        self.notify(f"Copied link: {event.href}", title="Link", timeout=4, markup=False)

    # -- full text and versions --------------------------------------------------------

    async def action_full_text(self) -> None:
        """f: the page's full text in place of the feed's, or back; fetched on first use."""
        if self.article is None:
            return
        if self.full.showing or self.full.ok:
            self.full.showing = not self.full.showing
            self.scroll_home(animate=False, immediate=True)
            await self._show_body()
            return
        if self.full.fetching:
            self.notify("Still fetching the full text…", timeout=2)
            return
        self.full.fetching = True
        self.query_one("#reader-meta", Static).update(self._meta(self.article))
        self._fetch_full_text(self.article.id)

    @work(thread=True, group="reader-full-text", exit_on_error=False)
    def _fetch_full_text(self, article_id: int) -> None:
        config = getattr(self.app, "config", None)
        self.post_message(fetch_full_text(self.stores.db_path, article_id, config))

    async def on_full_text_fetched(self, message: FullTextFetched) -> None:
        message.stop()
        if self.article is None or message.article_id != self.article.id:
            return  # the reader moved on; the text is stored for next time
        self.full = FullTextState.fetched(message.result, message.error)
        if not self.full.showing:
            self.notify(
                f"Full text: {self.full.error}", severity="warning", timeout=5, markup=False
            )
        self.scroll_home(animate=False, immediate=True)
        await self._show_body()

    def action_next_version(self) -> None:
        self._step_version(+1)

    def action_previous_version(self) -> None:
        self._step_version(-1)

    def _step_version(self, step: int) -> None:
        if len(self.versions) < 2 or self.article is None:
            self.notify("Only one outlet carries this article", timeout=2)
            return
        ids = [v.id for v in self.versions]
        here = ids.index(self.article.id) if self.article.id in ids else 0
        self.show_version(ids[(here + step) % len(ids)])

    def action_next_article(self) -> None:
        self.post_message(self.Navigate(self, +1))

    def action_previous_article(self) -> None:
        self.post_message(self.Navigate(self, -1))
