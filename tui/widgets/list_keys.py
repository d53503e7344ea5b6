"""The article list's keys and mouse: cursor moves, pages, open; a mixin of ArticleList."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual import events

if TYPE_CHECKING:
    from storage.store import ArticleRow


DEFERRED_MAX = 64  # keys kept while a view loads


class ListKeys:
    """Uses ArticleList's cursor, total, move_cursor, current and Opened (and the
    ScrollView's scrolling); it defines nothing they define, so the MRO is safe."""

    if TYPE_CHECKING:
        cursor: int
        total: int | None
        Opened: Any
        scrollable_content_region: Any
        scroll_offset: Any
        _switching: Any  # the view being switched to, or None
        _deferred: list[Callable[[], None]]  # keys that wait for it

        def move_cursor(self, index: int) -> None: ...
        def current(self) -> ArticleRow | None: ...
        def scroll_to(self, *args: Any, **kwargs: Any) -> Any: ...
        def post_message(self, message: Any) -> bool: ...

    def _later(self, action: Callable[[], None]) -> bool:
        """While another view loads, a key waits for its rows: "2 j enter" typed fast
        opens the topic's second article, not the one below the old list's cursor."""
        if self._switching is None:
            return False
        if len(self._deferred) < DEFERRED_MAX:
            self._deferred.append(action)
        return True

    def run_deferred(self) -> None:
        """The keys that waited for the view that has just come in, in order."""
        actions, self._deferred = self._deferred, []
        for action in actions:
            action()

    def action_cursor_down(self) -> None:
        if not self._later(self.action_cursor_down):
            self.move_cursor(self.cursor + 1)

    def action_cursor_up(self) -> None:
        if not self._later(self.action_cursor_up):
            self.move_cursor(self.cursor - 1)

    def action_first(self) -> None:
        if not self._later(self.action_first):
            self.move_cursor(0)

    def action_last(self) -> None:
        if not self._later(self.action_last):
            self.move_cursor((self.total or 1) - 1)

    def action_page_down(self) -> None:
        if self._later(self.action_page_down):
            return
        height = max(1, self.scrollable_content_region.height)
        self.scroll_to(y=self.scroll_offset.y + height, animate=False, immediate=True)
        self.move_cursor(self.cursor + height)

    def action_page_up(self) -> None:
        if self._later(self.action_page_up):
            return
        height = max(1, self.scrollable_content_region.height)
        self.scroll_to(y=self.scroll_offset.y - height, animate=False, immediate=True)
        self.move_cursor(self.cursor - height)

    def action_open(self) -> None:
        if self._later(self.action_open):
            return
        row = self.current()
        if row is not None:
            self.post_message(self.Opened(self, self.cursor, row))

    async def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        index = self.scroll_offset.y + offset.y
        if self.total and index < self.total:
            self.move_cursor(index)
            if event.chain >= 2:
                self.action_open()
