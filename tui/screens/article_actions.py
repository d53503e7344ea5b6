"""What the dashboard's keys do to articles: read, star, mark all read, open, copy.

A mixin of MainScreen. The keys act on the article being read, else on the row under
the list's cursor. A row that stands for a story (tui/widgets/list_source.py) is read
or unread as a whole: `m` marks every outlet's version. Writes run in thread workers
and show at once in the list; a failed write says so and re-reads the list.
"""

from __future__ import annotations

import os
import sys
import webbrowser
from typing import TYPE_CHECKING

from rich.text import Text
from textual import work

from storage.listing import View
from storage.store import ArticleRow
from tui import format
from tui.screens.prompt import ConfirmScreen
from tui.widgets.list_source import StoryListRow

if TYPE_CHECKING:
    from tui.app import NewsdeckApp
    from tui.widgets.article_list import ArticleList
    from tui.widgets.reader import ArticleReader


def have_browser() -> bool:
    """False where a browser cannot show up for the user: Linux without a display,
    as over SSH (webbrowser would start a text browser or nothing on the server)."""
    if os.environ.get("BROWSER"):
        return True
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


class ArticleActions:
    """Needs `articles`, `reader`, `reading`, `view_name()` and `load_stats` of its screen."""

    app: NewsdeckApp
    articles: ArticleList
    reader: ArticleReader
    reading: bool

    def view_name(self) -> str:
        raise NotImplementedError

    def load_stats(self) -> None:
        raise NotImplementedError

    def target(self) -> ArticleRow | None:
        """The article the keys act on: the one being read, else the list's cursor."""
        row = self.articles.current()
        reading = self.reader.article if self.reading else None
        if reading is not None and (row is None or row.id != reading.id):
            return ArticleRow(
                reading.id,
                reading.feed_id,
                reading.feed,
                reading.title,
                reading.url,
                reading.author,
                reading.published,
                reading.read,
                reading.starred,
            )
        return row

    def story_target(self) -> StoryListRow | None:
        """The story row `m` acts on: the cursor's story, also while reading any of its
        versions; None when the target is a single article."""
        row = self.articles.current()
        if not isinstance(row, StoryListRow) or row.size < 2:
            return None
        if self.reading and self.reader.story_id != row.story_id:
            return None
        return row

    def action_toggle_read(self) -> None:
        story = self.story_target()
        if story is not None:
            self.articles.mark([story.id], read=not story.read)
            self._write("story-read", [story.story_id], not story.read)
            return
        row = self.target()
        if row is not None:
            self.articles.mark([row.id], read=not row.read)
            self._write("read", [row.id], not row.read)

    def action_star(self) -> None:
        row = self.target()
        if row is not None:
            self.articles.mark([row.id], starred=not row.starred)
            self._write("starred", [row.id], not row.starred)

    @work(thread=True, group="writes", exit_on_error=False)
    def _write(self, flag: str, ids: list[int], value: bool) -> None:
        store = self.app.stores.get()
        try:
            if flag == "story-read":
                for story_id in ids:
                    store.set_story_read(story_id, value)
            elif flag == "read":
                store.set_read(ids, value)
            else:
                store.set_starred(ids, value)
        except Exception as error:
            self.app.call_from_thread(self._write_failed, str(error))
            return
        self.app.call_from_thread(self.load_stats)

    def _write_failed(self, message: str) -> None:
        self.app.notify(message, severity="error", markup=False)
        self.articles.reload()

    # -- M: everything in the view ---------------------------------------------------------

    def action_mark_all_read(self) -> None:
        """Asks first: one key press should not undo a morning's unread state."""
        view, total = self.articles.view, self.articles.total
        if view is None or not total:
            return
        what = "stories" if self.articles.shown_grouped else "articles"
        where = self.view_name() + (f", filtered by {view.query}" if view.query else "")
        question = Text(f"Mark every article read in {where}? ({format.count(total)} {what})")
        self.app.push_screen(
            ConfirmScreen("Mark all read", question.plain),
            lambda yes: self._mark_view_read(view) if yes else None,
        )

    @work(thread=True, group="writes", exit_on_error=False)
    def _mark_view_read(self, view: View) -> None:
        try:
            changed = self.app.stores.get().mark_view_read(view)
        except Exception as error:
            self.app.call_from_thread(self._write_failed, str(error))
            return
        self.app.call_from_thread(self._marked_view_read, changed)

    def _marked_view_read(self, changed: int) -> None:
        self.articles.mark_all(read=True)
        self.app.notify(f"Marked {format.plural(changed, 'article')} read", timeout=3)
        self.load_stats()

    # -- links -----------------------------------------------------------------------------

    def action_open_link(self) -> None:
        row = self.target()
        if row is None or not row.url:
            self.app.notify("This article has no link", severity="warning", timeout=3)
        elif not have_browser():
            self.app.copy_to_clipboard(row.url)
            self.app.notify(
                f"No browser here, so the link was copied: {row.url}", timeout=5, markup=False
            )
        else:
            self._open_in_browser(row.url)

    @work(thread=True, group="browser", exit_on_error=False)
    def _open_in_browser(self, url: str) -> None:
        if not webbrowser.open(url):
            self.app.call_from_thread(self.app.copy_to_clipboard, url)
            self.app.call_from_thread(
                self.app.notify, f"Could not start a browser; copied the link: {url}", markup=False
            )

    def action_copy_link(self) -> None:
        row = self.target()
        if row is None or not row.url:
            self.app.notify("This article has no link", severity="warning", timeout=3)
            return
        self.app.copy_to_clipboard(row.url)
        self.app.notify(f"Copied link: {row.url}", timeout=4, markup=False)
