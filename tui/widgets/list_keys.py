"""The article list's keys and mouse: cursor moves, pages, open; a mixin of ArticleList."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import events

if TYPE_CHECKING:
    from storage.store import ArticleRow


class ListKeys:
    """Uses ArticleList's cursor, total, move_cursor, current and Opened (and the
    ScrollView's scrolling); it defines nothing they define, so the MRO is safe."""

    if TYPE_CHECKING:
        cursor: int
        total: int | None
        Opened: Any
        scrollable_content_region: Any
        scroll_offset: Any

        def move_cursor(self, index: int) -> None: ...
        def current(self) -> ArticleRow | None: ...
        def scroll_to(self, *args: Any, **kwargs: Any) -> Any: ...
        def post_message(self, message: Any) -> bool: ...

    def action_cursor_down(self) -> None:
        self.move_cursor(self.cursor + 1)

    def action_cursor_up(self) -> None:
        self.move_cursor(self.cursor - 1)

    def action_first(self) -> None:
        self.move_cursor(0)

    def action_last(self) -> None:
        self.move_cursor((self.total or 1) - 1)

    def action_page_down(self) -> None:
        height = max(1, self.scrollable_content_region.height)
        self.scroll_to(y=self.scroll_offset.y + height, animate=False, immediate=True)
        self.move_cursor(self.cursor + height)

    def action_page_up(self) -> None:
        height = max(1, self.scrollable_content_region.height)
        self.scroll_to(y=self.scroll_offset.y - height, animate=False, immediate=True)
        self.move_cursor(self.cursor - height)

    def action_open(self) -> None:
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
