"""The article list: a Line-API ScrollView over pages of a view, never every row.

The virtual height is the view's count; render_line takes the row from a small LRU
of pages and asks a thread worker for pages it lacks (a placeholder line shows
meanwhile). Switching view, and refreshing after another process wrote, each happen
in one worker that returns the count together with the first visible pages, so the
list swaps in one step: no flicker, the cursor stays on its article. By default a row
is a story (tui/widgets/list_source.py), whose exact count follows in a second worker
("1-19 of ~240" until then); `grouped = False` lists every article.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events, work
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.reactive import var
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.worker import get_current_worker

from storage.store import ArticleRow
from tui import format, keys
from tui.data import ThreadStores
from tui.widgets import list_source
from tui.widgets.article_rows import (
    COMPONENTS,
    RowStyles,
    message_text,
    placeholder_text,
    row_text,
    to_strip,
)
from tui.widgets.highlight import Terms
from tui.widgets.list_keys import ListKeys
from tui.widgets.list_source import (
    PAGE_SIZE,
    PageLoaded,
    StoriesCounted,
    ViewFailed,
    ViewLoaded,
)
from tui.widgets.page_cache import PageCache

if TYPE_CHECKING:
    from storage.listing import View


class ArticleList(ListKeys, ScrollView, can_focus=True):
    """Rows of the current view: unread marker, title, feed, age, star."""

    BINDINGS = keys.LIST
    COMPONENT_CLASSES: ClassVar[set[str]] = {f"article-list--{c}" for c in COMPONENTS}

    @dataclass
    class Highlighted(Message):
        """The cursor moved onto `row` (None while its page loads)."""

        article_list: ArticleList
        index: int
        row: ArticleRow | None

    @dataclass
    class Opened(Message):
        article_list: ArticleList
        index: int
        row: ArticleRow

    @dataclass
    class Swapped(Message):
        """A new view (or a refresh of the current one) is on screen."""

        article_list: ArticleList
        view: Any
        total: int
        reload: bool

    @dataclass
    class Failed(Message):
        """The view could not be loaded (a bad query); the old rows stay."""

        article_list: ArticleList
        view: Any
        error: Exception

    total: var[int | None] = var(None)

    def __init__(
        self,
        stores: ThreadStores,
        now: Callable[[], float],
        *,
        grouped: bool = True,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.stores = stores
        self.now = now
        self.view: View | None = None
        self.cursor = 0
        self.terms: Terms = ()
        self.empty_text = "No articles."
        self.pages = PageCache(PAGE_SIZE)
        self._epoch = 0
        self._switching: tuple[View, Terms] | None = None  # a view being loaded
        self._deferred: list[Callable[[], None]] = []  # keys pressed meanwhile (ListKeys)
        self._strips: LRUCache[tuple, Strip] = LRUCache(1024)
        self._styles: RowStyles | None = None
        self.fetches = 0  # pages read from the store; tests and benchmarks look at it
        self.grouped = grouped  # one row per story (what the next load shows)
        self.shown_grouped = grouped  # what the rows on screen are
        self.story_counts = list_source.StoryCounts()
        self.counting = False  # total is the article count until the stories are counted

    # -- what the screen calls -----------------------------------------------------------

    def show(self, view: View, terms: Terms = ()) -> None:
        """Load `view` in the background; the current rows stay until it is ready."""
        self._epoch += 1
        self._switching = (view, terms)
        self._load(self._epoch, view, terms, reload=False)

    def reload(self) -> None:
        """Re-read the current view (after a write) keeping the cursor on its article."""
        if self._switching is not None:  # a switch is on its way: it reads fresh data
            self.show(*self._switching)
        elif self.view is not None:
            self._epoch += 1
            self._load(self._epoch, self.view, self.terms, reload=True)

    def current(self) -> ArticleRow | None:
        if not self.total:
            return None
        return self.pages.row(self.cursor)

    def mark(self, article_ids: list[int], **changes: Any) -> None:
        """Show a write at once (the store is updated by the caller's worker)."""
        touched = self.pages.update(article_ids, **changes)
        if touched:
            self.refresh()

    def mark_all(self, **changes: Any) -> None:
        self.pages.update_all(**changes)
        self.refresh()

    def move_cursor(self, index: int) -> None:
        total = self.total or 0
        index = max(0, min(index, total - 1)) if total else 0
        old = self.cursor
        self.cursor = index
        if old != index:
            self.refresh_lines(old)
            self.refresh_lines(index)
        self._scroll_cursor_visible()
        self.post_message(self.Highlighted(self, index, self.pages.row(index)))

    # -- loading -------------------------------------------------------------------------

    def _load(self, epoch: int, view: View, terms: Terms, *, reload: bool) -> None:
        height = max(1, self.scrollable_content_region.height)
        anchor = None
        if reload:
            row = self.current()
            anchor = (self.cursor, row.id if row else None, self.total or 0)
        self._fetch_view(epoch, view, terms, anchor, self.scroll_offset.y, height)

    @work(thread=True, exclusive=True, group="article-list-view", exit_on_error=False)
    def _fetch_view(
        self,
        epoch: int,
        view: View,
        terms: Terms,
        anchor: tuple[int, int | None, int] | None,
        scroll_y: int,
        height: int,
    ) -> None:
        worker = get_current_worker()
        grouped = self.grouped
        try:
            loaded = list_source.load_view(
                self.stores.get(),
                view,
                grouped,
                anchor,
                scroll_y,
                height,
                lambda: worker.is_cancelled,
                self.story_counts,
            )
        except Exception as error:  # QueryError, StorageError: shown, never raised
            self.post_message(ViewFailed(epoch, view, error))
            return
        if loaded is None or worker.is_cancelled:
            return
        total, cursor, new_scroll, pages, uncounted = loaded
        self.fetches += len(pages)
        self.post_message(
            ViewLoaded(
                epoch,
                view,
                total,
                cursor,
                new_scroll,
                pages,
                reload=anchor is not None,
                terms=terms,
                grouped=grouped,
                articles=uncounted,
            )
        )

    @work(thread=True, exclusive=True, group="article-list-count", exit_on_error=False)
    def _count_stories(self, epoch: int, view: View, articles: int) -> None:
        try:
            stories = list_source.count_stories(
                self.stores.get(), view, lambda: self._epoch != epoch
            )
        except Exception:  # stopped, or failed: the article count stays as the total
            return
        self.story_counts.put(view, articles, stories)
        self.post_message(StoriesCounted(epoch, view, stories))

    def on_stories_counted(self, message: StoriesCounted) -> None:
        message.stop()
        if message.epoch != self._epoch or message.view != self.view:
            return
        self.counting = False
        self.total = message.stories
        self._update_subtitle()  # (the total may not have changed: the ~ goes anyway)
        if self.cursor >= message.stories:
            self.move_cursor(message.stories - 1)
        self.refresh()

    @work(thread=True, group="article-list-pages", exit_on_error=False)
    def _fetch_page(
        self, epoch: int, view: View, page: int, grouped: bool, stories: int | None = None
    ) -> None:
        try:
            rows = list_source.page(
                self.stores.get(), view, page * PAGE_SIZE, PAGE_SIZE, grouped, stories
            )
        except Exception:
            rows = []
        self.fetches += 1
        self.post_message(PageLoaded(epoch, page, rows))

    def on_view_loaded(self, message: ViewLoaded) -> None:
        message.stop()
        if message.epoch != self._epoch:
            return
        self._switching = None
        self.view = message.view
        self.terms = message.terms
        self.shown_grouped = message.grouped
        self.counting = message.articles is not None
        if message.articles is not None:
            self._count_stories(message.epoch, message.view, message.articles)
        self.pages.clear()
        for page, rows in message.pages.items():
            self.pages.put(page, rows)
        self._strips.clear()
        self.total = message.total
        self.cursor = message.cursor
        self._update_virtual_size()
        self.scroll_to(y=message.scroll_y, animate=False, immediate=True)
        self._update_subtitle()
        self.refresh()
        self.post_message(self.Swapped(self, message.view, message.total, message.reload))
        self.post_message(self.Highlighted(self, self.cursor, self.pages.row(self.cursor)))
        self.run_deferred()

    def on_view_failed(self, message: ViewFailed) -> None:
        message.stop()
        if message.epoch == self._epoch:
            self._switching = None
            self._deferred = []
            self.post_message(self.Failed(self, message.view, message.error))

    def on_page_loaded(self, message: PageLoaded) -> None:
        message.stop()
        if message.epoch != self._epoch:
            self.pages.pending.discard(message.page)
            return
        self.pages.put(message.page, message.rows)
        self.refresh()
        if self.pages.page_of(self.cursor) == message.page:
            self.post_message(self.Highlighted(self, self.cursor, self.pages.row(self.cursor)))

    # -- geometry ------------------------------------------------------------------------

    def watch_total(self) -> None:
        self._update_virtual_size()
        self._update_subtitle()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._update_subtitle()

    def _update_subtitle(self) -> None:
        if self.total is None:
            self.border_subtitle = "loading"
            return
        height = self.scrollable_content_region.height
        window = format.window(self.scroll_offset.y, height, self.total)
        self.border_subtitle = window.replace(" of ", " of ~") if self.counting else window

    def on_resize(self, event: events.Resize) -> None:
        self._update_virtual_size()
        self._update_subtitle()
        self._strips.clear()

    def _update_virtual_size(self) -> None:
        width = self.scrollable_content_region.width
        self.virtual_size = Size(width, max(self.total or 0, 1))

    def _scroll_cursor_visible(self) -> None:
        height = self.scrollable_content_region.height
        top = self.scroll_offset.y
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False, immediate=True)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()
        self._styles = None

    # -- rendering -----------------------------------------------------------------------

    def render_lines(self, crop: Any) -> list[Strip]:
        total = self.total or 0
        if total and self.view is not None:
            height = self.scrollable_content_region.height
            top = self.scroll_offset.y
            for page in self.pages.missing(top - height, top + 2 * height, total):
                self.pages.pending.add(page)
                counted = total if self.shown_grouped and not self.counting else None
                self._fetch_page(self._epoch, self.view, page, self.shown_grouped, counted)
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        styles = self._row_styles()
        index = self.scroll_offset.y + y
        total = self.total
        if total is None or total == 0:
            if y != 1:
                return Strip.blank(width, styles.base)
            text = "Loading…" if total is None else self.empty_text
            return to_strip(message_text(text, width, styles), width, self.app.console)
        if index >= total:
            return Strip.blank(width, styles.base)
        row = self.pages.row(index)
        is_cursor = index == self.cursor
        if row is None:
            line = placeholder_text(width, styles, is_cursor)
            return to_strip(line, width, self.app.console)
        age = format.age(row.published, self.now())
        key = (
            row.id,
            row.read,
            row.starred,
            is_cursor,
            width,
            age,
            row.title,
            row.feed,
            self.terms,
            getattr(row, "sources", 1),
        )
        strip = self._strips.get(key)
        if strip is None:
            line = row_text(row, width, styles, age, self.terms, is_cursor)
            strip = self._strips[key] = to_strip(line, width, self.app.console)
        return strip

    def _row_styles(self) -> RowStyles:
        if self._styles is None:
            get = self.get_component_rich_style
            self._styles = RowStyles(
                self.rich_style, *(get(f"article-list--{c}", partial=True) for c in COMPONENTS)
            )
        return self._styles
