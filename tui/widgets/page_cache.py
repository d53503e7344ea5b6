"""A small LRU of article pages: what the article list holds instead of every row.

Row N lives in page N // page_size. The list asks for the pages around the viewport;
pages that are neither cached nor already requested are fetched by a worker, and the
least recently used ones fall out. Also: finding the cursor's article again after a
refresh. Pure bookkeeping; reads go through a callable, no Textual.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from typing import Any

from storage.store import ArticleRow

RELOCATE_LIMIT = 2000  # how far a refresh looks for the article under the cursor


class PageCache:
    def __init__(self, page_size: int = 100, max_pages: int = 40) -> None:
        self.page_size = page_size
        self.max_pages = max_pages
        self._pages: OrderedDict[int, list[ArticleRow]] = OrderedDict()
        self.pending: set[int] = set()

    def __len__(self) -> int:
        return len(self._pages)

    def page_of(self, index: int) -> int:
        return index // self.page_size

    def row(self, index: int) -> ArticleRow | None:
        page = self._pages.get(index // self.page_size)
        if page is None:
            return None
        offset = index % self.page_size
        return page[offset] if offset < len(page) else None

    def touch(self, page: int) -> None:
        if page in self._pages:
            self._pages.move_to_end(page)

    def put(self, page: int, rows: list[ArticleRow]) -> None:
        self.pending.discard(page)
        self._pages[page] = rows
        self._pages.move_to_end(page)
        while len(self._pages) > self.max_pages:
            self._pages.popitem(last=False)

    def missing(self, first: int, last: int, total: int) -> list[int]:
        """Pages covering rows first..last (inclusive) that are neither held nor requested."""
        if total <= 0:
            return []
        first = max(0, first)
        last = min(total - 1, last)
        if last < first:
            return []
        wanted = range(self.page_of(first), self.page_of(last) + 1)
        for page in wanted:
            self.touch(page)
        return [p for p in wanted if p not in self._pages and p not in self.pending]

    def clear(self) -> None:
        self._pages.clear()
        self.pending.clear()

    def rows(self) -> Iterator[tuple[int, ArticleRow]]:
        for page, rows in self._pages.items():
            for offset, row in enumerate(rows):
                yield page * self.page_size + offset, row

    def find(self, article_id: int) -> int | None:
        for index, row in self.rows():
            if row.id == article_id:
                return index
        return None

    def update(self, article_ids: Iterable[int], **changes: Any) -> list[int]:
        """Change cached rows in place (after a write); returns the indexes touched."""
        ids = set(article_ids)
        touched = []
        for page, rows in self._pages.items():
            for offset, row in enumerate(rows):
                if row.id in ids:
                    rows[offset] = replace(row, **changes)
                    touched.append(page * self.page_size + offset)
        return touched

    def update_all(self, **changes: Any) -> None:
        for rows in self._pages.values():
            rows[:] = [replace(row, **changes) for row in rows]


def relocate(
    fetch: Callable[[int, int], list[ArticleRow]],
    anchor: tuple[int, int | None, int],
    total: int,
    scroll_y: int,
    height: int,
) -> tuple[int, int]:
    """Where the cursor's article went after a refresh, and the scroll that keeps it on
    the same screen line (at the top of the list, the list stays at the top).

    `anchor` is (cursor, article id, old total); rows that arrived or left above the
    cursor moved it by at most the change in total, so only that window is read
    (`fetch(offset, limit)`)."""
    cursor, article_id, old_total = anchor
    if article_id is None or total == 0:
        return min(cursor, max(0, total - 1)), min(scroll_y, max(0, total - height))
    delta = total - old_total
    lo = max(0, min(cursor, cursor + delta) - 1)
    hi = min(total - 1, max(cursor, cursor + delta) + 1)
    hi = min(hi, lo + RELOCATE_LIMIT)
    new = cursor
    for offset, row in enumerate(fetch(lo, hi - lo + 1)):
        if row.id == article_id:
            new = lo + offset
            break
    new = min(new, total - 1)
    if scroll_y == 0 and new < height:
        new_scroll = 0  # at the top, new articles show up above the cursor
    else:
        new_scroll = max(0, min(scroll_y + new - cursor, max(0, total - height)))
    if not new_scroll <= new < new_scroll + height:
        new_scroll = max(0, new - height // 2)
    return new, new_scroll
