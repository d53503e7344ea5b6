"""The reader: title, feed, author, date and link, then the article as Markdown.

The Markdown is made from the article's HTML the first time it is opened (in a
thread worker) and cached in the database. Links never open from here: activating
one copies its URL (OSC 52, which works over SSH) and says so. Matching terms are
shown bold italic.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Markdown, Static

from storage.store import Article
from tui import format, keys
from tui.data import ThreadStores
from tui.widgets.highlight import Terms, markdown_parser

MAX_MARKDOWN = 200_000  # characters; longer articles are cut, with a note


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
        self._request = 0

    def compose(self) -> ComposeResult:
        yield Static(id="reader-meta")
        body = Markdown(
            id="reader-body", open_links=False, parser_factory=markdown_parser(lambda: self.terms)
        )
        body.can_focus_children = False
        yield body

    def open(self, article_id: int, terms: Terms = ()) -> None:
        """Load and show an article (marking it read)."""
        self._request += 1
        self.article_id = article_id
        self.terms = terms
        self._load(self._request, article_id)

    @work(thread=True, exclusive=True, group="reader", exit_on_error=False)
    def _load(self, request: int, article_id: int) -> None:
        store = self.stores.get()
        try:
            article = store.article(article_id)
            markdown, fresh = article_markdown(article)
            if fresh:
                store.save_markdown(article_id, markdown)
            if len(markdown) > MAX_MARKDOWN:
                markdown = markdown[:MAX_MARKDOWN] + "\n\n*(cut here: the article is too long)*"
            was_unread = not article.read
            if was_unread:
                store.set_read([article_id], True)
        except Exception as error:  # StorageError, NotFound: a line, not a crash
            self.post_message(ArticleFailed(request, str(error)))
            return
        self.post_message(ArticleLoaded(request, article, markdown, was_unread))

    async def on_article_loaded(self, message: ArticleLoaded) -> None:
        message.stop()
        if message.request != self._request:
            return
        self.article = message.article
        self.query_one("#reader-meta", Static).update(self._meta(message.article))
        self.scroll_home(animate=False, immediate=True)
        await self.query_one("#reader-body", Markdown).update(message.markdown)
        self.post_message(self.Shown(self, message.article, message.was_unread))

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
        return meta

    @on(Markdown.LinkClicked)
    def _link(self, event: Markdown.LinkClicked) -> None:
        event.stop()
        event.prevent_default()
        self.app.copy_to_clipboard(event.href)
        self.notify(f"Copied link: {event.href}", title="Link", timeout=4, markup=False)

    def action_next_article(self) -> None:
        self.post_message(self.Navigate(self, +1))

    def action_previous_article(self) -> None:
        self.post_message(self.Navigate(self, -1))
