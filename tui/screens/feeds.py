"""Feeds health: each feed's state, last status and error, next poll, how often it is
polled (the adaptive interval), whether its pages' full text is fetched, article count.

Pause / resume write `enabled` to the config file (so the next poll, which brings the
database in line with the config, does not undo them) and then the database; retry
changes the database only (Store.set_feed_state); add and remove change the config
file (tui/screens/editing.py). Everything runs in thread workers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from storage.config import url_problem
from storage.config_template import format_duration
from storage.store import Feed
from tui import format, keys
from tui.messages import ConfigChanged, DataChanged
from tui.screens import editing
from tui.screens.prompt import ConfirmScreen, PromptScreen
from tui.widgets.table import KeyTable

if TYPE_CHECKING:
    from tui.app import NewsdeckApp

COLUMNS = (
    "Feed",
    "State",
    "Status",
    "Errors",
    "Next",
    "Every",
    "Text",
    "Articles",
    "Last error",
)


@dataclass
class FeedsLoaded(Message):
    feeds: list[Feed]
    counts: dict[int, int]


class FeedsScreen(ModalScreen[None]):
    BINDINGS = keys.FEEDS
    app: NewsdeckApp

    def __init__(self) -> None:
        super().__init__()
        self.feeds: list[Feed] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as box:
            box.border_title = "Feeds health"
            yield KeyTable(id="feeds-table", cursor_type="row", zebra_stripes=False)
            yield Static(id="feeds-note", classes="note")
        yield Footer()

    @property
    def table(self) -> KeyTable:
        return self.query_one("#feeds-table", KeyTable)

    def on_mount(self) -> None:
        self.table.add_columns(*COLUMNS)
        self.table.focus()
        self.load()

    @work(thread=True, exclusive=True, group="feeds", exit_on_error=False)
    def load(self) -> None:
        store = self.app.stores.get()
        try:
            message = FeedsLoaded(store.feeds(), store.article_counts_by_feed())
        except Exception as error:
            self.app.call_from_thread(self.notify, str(error), severity="error", markup=False)
            return
        self.post_message(message)

    def on_feeds_loaded(self, message: FeedsLoaded) -> None:
        now = self.app.clock()
        table = self.table
        row = table.cursor_row
        table.clear()
        self.feeds = message.feeds
        for feed in message.feeds:
            state = feed.state
            if state == "active" and feed.error_count:
                state = "failing"
            table.add_row(
                Text(feed.name, overflow="ellipsis"),
                Text(state, style="bold" if state != "active" else ""),
                Text(str(feed.last_status) if feed.last_status else "-"),
                Text(str(feed.error_count), justify="right"),
                Text(format.until(feed.next_poll_at, now) if feed.state == "active" else "-"),
                Text(self.every(feed)),
                Text("full" if feed.full_text else "feed"),
                Text(format.count(message.counts.get(feed.id, 0)), justify="right"),
                Text((feed.last_error or "")[:60], overflow="ellipsis"),
                key=str(feed.id),
            )
        if message.feeds:
            table.move_cursor(row=min(row, len(message.feeds) - 1))
        failing = sum(1 for f in message.feeds if f.state == "active" and f.error_count)
        box = self.query_one(".dialog", Vertical)
        box.border_subtitle = f"{format.plural(len(message.feeds), 'feed')}, {failing} failing"
        self._show_selected()

    def every(self, feed: Feed) -> str:
        """How often the feed is polled when all is well: the adaptive interval once it
        is known, else the feed's own or the [poll] interval."""
        seconds = feed.effective_interval_s or feed.interval_s or self.app.config.poll.interval
        return format_duration(int(seconds)) if seconds and seconds > 0 else "-"

    def on_data_table_row_highlighted(self) -> None:
        self._show_selected()

    def _show_selected(self) -> None:
        feed = self.selected()
        note = self.query_one("#feeds-note", Static)
        if feed is None:
            note.update(Text("No feeds yet: press a to add one."))
            return
        lines = [feed.url, self.schedule_line(feed)]
        if feed.last_error:
            lines.append(f"last error: {feed.last_error}")
        if feed.warning:
            lines.append(f"warning: {feed.warning}")
        note.update(Text("\n".join(lines)))

    def schedule_line(self, feed: Feed) -> str:
        configured = feed.interval_s or self.app.config.poll.interval
        line = f"polled every {self.every(feed)}"
        if feed.effective_interval_s and feed.effective_interval_s != configured:
            line += f" (adapted to how often it posts; configured {format_duration(configured)})"
        if feed.full_text:
            return line + " · full text: on (each new article's page is fetched)"
        return line + " · full text: off"

    def on_data_changed(self, message: DataChanged) -> None:
        self.load()

    def selected(self) -> Feed | None:
        if not self.feeds:
            return None
        row = self.table.cursor_row
        return self.feeds[row] if 0 <= row < len(self.feeds) else None

    # -- actions ---------------------------------------------------------------------------

    def action_pause(self) -> None:
        feed = self.selected()
        if feed is not None:
            self._pause(feed, resume=feed.state != "active")

    def action_retry(self) -> None:
        feed = self.selected()
        if feed is not None:
            self._set_state(feed, "active", poll=True)

    @work(thread=True, group="feed-writes", exit_on_error=False)
    def _pause(self, feed: Feed, resume: bool) -> None:
        """Pause or resume in the config file (which outlives the next poll), then in
        the database."""
        try:
            config, note = editing.set_feed_enabled(
                self.app.stores.get(), self.app.config, feed, resume
            )
        except Exception as error:
            self.app.call_from_thread(
                self.notify, str(error), severity="error", timeout=8, markup=False
            )
            return
        word = "resumed" if resume else "paused"
        self.app.call_from_thread(self._saved, config, f"{feed.name}: {word}{note}")

    @work(thread=True, group="feed-writes", exit_on_error=False)
    def _set_state(self, feed: Feed, state: str, poll: bool = False) -> None:
        try:
            self.app.stores.get().set_feed_state(feed.id, state)
        except Exception as error:
            self.app.call_from_thread(self.notify, str(error), severity="error", markup=False)
            return
        self.app.call_from_thread(self._state_set, feed, poll)

    def _state_set(self, feed: Feed, poll: bool) -> None:
        if poll:
            self.notify(f"{feed.name}: will be polled now", timeout=3, markup=False)
            if not self.app.polling:
                self.app.start_poll(force=False)
        self.load()

    def action_add(self) -> None:
        def check(url: str) -> str | None:
            return url_problem(url)

        self.app.push_screen(
            PromptScreen(
                "Add feed",
                "The feed's URL (RSS, Atom or JSON Feed):",
                placeholder="https://example.com/feed.xml",
                check=check,
            ),
            self._add,
        )

    def _add(self, url: str | None) -> None:
        if url:
            self._edit("add", url)

    def action_remove(self) -> None:
        feed = self.selected()
        if feed is None:
            return
        url = feed.config_url or feed.url
        self.app.push_screen(
            ConfirmScreen(
                "Remove feed",
                f"Remove {feed.name} from the config?\n{url}\nIts articles stay in the database.",
            ),
            lambda yes: self._edit("remove", url) if yes else None,
        )

    @work(thread=True, group="feed-writes", exit_on_error=False)
    def _edit(self, what: str, url: str) -> None:
        store = self.app.stores.get()
        try:
            if what == "add":
                config = editing.add_feed(store, self.app.config, url)
            else:
                config = editing.remove_feed(store, self.app.config, url)
        except Exception as error:
            self.app.call_from_thread(
                self.notify, str(error), severity="error", timeout=8, markup=False
            )
            return
        done = "Added" if what == "add" else "Removed"
        self.app.call_from_thread(self._saved, config, f"{done} {url}")

    def _saved(self, config: object | None, text: str) -> None:
        """On the loop, while the worker that wrote waits: the app takes the new config
        and this screen re-reads now (so a test that waits for workers sees it)."""
        if config is not None:
            self.app.on_config_changed(ConfigChanged(config))
        self.notify(text, timeout=4, markup=False)
        self.load()
