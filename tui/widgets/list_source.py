"""Where the article list's rows come from: articles, or one row per story.

Grouped by story (the default), a row is the story's newest article in the view
(a `StoryListRow`, which is an ArticleRow plus the story's id, size and sources), and it
counts as read only when every version is. Ungrouped, a row is one article. Either
way the list asks for a count and for pages; `load_view` reads what the list needs to
swap in a view in one step. Runs in thread workers; no Textual here but messages.

Counting a topic's stories reads every article of it (a quarter to a few seconds at a
million articles), while its first page of stories takes milliseconds. So a grouped
view swaps in with its article count as the (upper bound) total, and the list counts
the stories afterwards in its own worker; `StoryCounts` remembers the answer per view
until the view's article count changes, so re-reading after a write does not count
again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from textual.message import Message

from storage.store import ArticleRow, Store
from tui.widgets.highlight import Terms
from tui.widgets.page_cache import relocate

if TYPE_CHECKING:
    from storage.listing import View

PAGE_SIZE = 100


@dataclass(frozen=True, slots=True)
class StoryListRow(ArticleRow):
    """A row that stands for a whole story: `read` is True only when every version is."""

    story_id: int = 0
    size: int = 1  # articles in the story
    sources: int = 1  # feeds that carry it

    @property
    def more_sources(self) -> int:
        return max(0, self.sources - 1)


def story_list_row(story: Any) -> StoryListRow:
    """A storage.stories.StoryRow as a list row."""
    a = story.article
    return StoryListRow(
        a.id,
        a.feed_id,
        a.feed,
        a.title,
        a.url,
        a.author,
        a.published,
        story.unread == 0,
        a.starred,
        story_id=story.story_id,
        size=story.size,
        sources=story.sources,
    )


def can_group(store: Store) -> bool:
    """Whether this build's storage groups articles into stories."""
    return hasattr(store, "story_page") and hasattr(store, "story_count")


class StoryCounts:
    """view -> (articles, stories) when last counted. Read and written from worker
    threads one key at a time (a dict's get and set are atomic)."""

    def __init__(self) -> None:
        self._known: dict[Any, tuple[int, int]] = {}

    def get(self, view: View, articles: int) -> int | None:
        known = self._known.get(view)
        return known[1] if known is not None and known[0] == articles else None

    def put(self, view: View, articles: int, stories: int) -> None:
        if len(self._known) > 256:
            self._known.clear()
        self._known[view] = (articles, stories)


def count_stories(store: Store, view: View, cancelled: Callable[[], bool] | None = None) -> int:
    """The view's story count. `cancelled`: checked while SQLite works, so a count the
    list no longer needs (another view was shown) stops instead of taking a core from
    the next one; the count then raises."""
    if cancelled is None:
        return store.story_count(view)
    store.conn.set_progress_handler(lambda: int(cancelled()), 20_000)
    try:
        return store.story_count(view)
    finally:
        store.conn.set_progress_handler(None, 0)


def page(
    store: Store,
    view: View,
    offset: int,
    limit: int,
    grouped: bool,
    stories: int | None = None,
) -> list[ArticleRow]:
    """A page of rows. `stories`: the view's story count when known, so the last pages
    of a long grouped list are found from its end (G at a million articles)."""
    if grouped and can_group(store):
        found = store.story_page(view, offset, limit, total=stories)
        return [story_list_row(s) for s in found]
    return store.page(view, offset, limit)


@dataclass
class ViewLoaded(Message):
    epoch: int
    view: Any
    total: int
    cursor: int
    scroll_y: int
    pages: dict[int, list[ArticleRow]] = field(default_factory=dict)
    reload: bool = False
    terms: Terms = ()
    grouped: bool = True
    articles: int | None = None  # grouped and not counted yet: the stories are counting


@dataclass
class StoriesCounted(Message):
    epoch: int
    view: Any
    stories: int


@dataclass
class ViewFailed(Message):
    epoch: int
    view: Any
    error: Exception


@dataclass
class PageLoaded(Message):
    epoch: int
    page: int
    rows: list[ArticleRow]


def load_view(
    store: Store,
    view: View,
    grouped: bool,
    anchor: tuple[int, int | None, int] | None,
    scroll_y: int,
    height: int,
    cancelled: Callable[[], bool],
    counts: StoryCounts,
) -> tuple[int, int, int, dict[int, list[ArticleRow]], int | None] | None:
    """(total, cursor, scroll, pages around the viewport, uncounted) for a view; None
    if cancelled. `uncounted` is the article count when `total` is only that (grouped,
    stories not counted yet), else None.

    With an `anchor` (a refresh) the cursor follows its article (see relocate)."""
    grouped = grouped and can_group(store)
    total = store.count(view)
    uncounted = None
    if grouped:
        stories = counts.get(view, total)
        if stories is None:
            uncounted = total
        else:
            total = stories
    cursor, new_scroll = 0, 0
    if anchor is not None:
        cursor, new_scroll = relocate(
            lambda offset, limit: page(store, view, offset, limit, grouped),
            anchor,
            total,
            scroll_y,
            height,
        )
    if cancelled():
        return None
    first = max(0, new_scroll - PAGE_SIZE // 2)
    last = min(total - 1, new_scroll + height + PAGE_SIZE // 2)
    pages: dict[int, list[ArticleRow]] = {}
    for number in range(first // PAGE_SIZE, last // PAGE_SIZE + 1) if total else ():
        counted = total if grouped and uncounted is None else None
        pages[number] = page(store, view, number * PAGE_SIZE, PAGE_SIZE, grouped, counted)
    return total, cursor, new_scroll, pages, uncounted
