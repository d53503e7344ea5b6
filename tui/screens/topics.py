"""The topic editor: add, rename, delete topics and edit their queries.

The editor dialog counts matches live as the query is typed (debounced, in an
exclusive thread worker) and shows the error of a query that does not compile.
Saving writes the config file (tui/screens/editing.py) and re-matches the topics.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Input, Label, Static

from storage.config import TopicConfig
from storage.listing import TopicInfo, View
from tui import format, keys
from tui.messages import ConfigChanged, DataChanged
from tui.screens import editing
from tui.screens.prompt import ConfirmScreen
from tui.widgets.table import KeyTable

if TYPE_CHECKING:
    from tui.app import NewsdeckApp

DEBOUNCE_S = 0.15
QUERY_HINT = 'words, "a phrase", OR, -not, title:, feed:, since:2025-01-01'


@dataclass
class TopicsLoaded(Message):
    topics: list[TopicInfo]


@dataclass
class Counted(Message):
    query: str
    total: int | None
    error: str | None


class TopicsScreen(ModalScreen[None]):
    BINDINGS = keys.TOPICS
    app: NewsdeckApp

    def __init__(self) -> None:
        super().__init__()
        self.info: dict[str, TopicInfo] = {}

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as box:
            box.border_title = "Topics"
            box.border_subtitle = "saved to the config file"
            yield KeyTable(id="topics-table", cursor_type="row")
            yield Static(id="topics-note", classes="note")
        yield Footer()

    @property
    def table(self) -> KeyTable:
        return self.query_one("#topics-table", KeyTable)

    @property
    def topics(self) -> list[TopicConfig]:
        return list(self.app.config.topics)

    def on_mount(self) -> None:
        self.table.add_columns("Topic", "Query", "Articles", "Unread")
        self.table.focus()
        self.show_rows()
        self.load()

    @work(thread=True, exclusive=True, group="topics", exit_on_error=False)
    def load(self) -> None:
        try:
            topics = self.app.stores.get().topics(int(self.app.clock()))
        except Exception as error:
            self.app.call_from_thread(self.notify, str(error), severity="error", markup=False)
            return
        self.post_message(TopicsLoaded(topics))

    def on_topics_loaded(self, message: TopicsLoaded) -> None:
        self.info = {t.name: t for t in message.topics}
        self.show_rows()

    def on_data_changed(self, message: DataChanged) -> None:
        self.load()

    def show_rows(self) -> None:
        table = self.table
        row = table.cursor_row
        table.clear()
        for topic in self.topics:
            info = self.info.get(topic.name)
            table.add_row(
                Text(topic.name),
                Text(topic.query, overflow="ellipsis", no_wrap=True),
                Text(format.count(info.total) if info else "-", justify="right"),
                Text(format.count(info.unread) if info else "-", justify="right"),
            )
        if self.topics:
            table.move_cursor(row=min(row, len(self.topics) - 1))
        self.query_one("#topics-note", Static).update(
            Text(
                "No topics yet: press a to add one."
                if not self.topics
                else "a add · enter edit · d delete · a topic is a saved filter query"
            )
        )

    def selected(self) -> int | None:
        row = self.table.cursor_row
        return row if 0 <= row < len(self.topics) else None

    def action_add(self) -> None:
        self.app.push_screen(TopicEditor(None, "", "", self.topics), self._edited)

    def action_edit(self) -> None:
        index = self.selected()
        if index is not None:
            topic = self.topics[index]
            self.app.push_screen(
                TopicEditor(index, topic.name, topic.query, self.topics), self._edited
            )

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_edit()

    def _edited(self, result: tuple[int | None, str, str] | None) -> None:
        if result is not None:
            index, name, query = result
            self._save(editing.with_topic(self.topics, index, name, query))

    def action_delete(self) -> None:
        index = self.selected()
        if index is None:
            return
        name = self.topics[index].name
        remaining = [t for i, t in enumerate(self.topics) if i != index]
        self.app.push_screen(
            ConfirmScreen("Delete topic", f"Delete the topic {name!r}? Articles stay."),
            lambda yes: self._save(remaining) if yes else None,
        )

    @work(thread=True, exclusive=True, group="topic-writes", exit_on_error=False)
    def _save(self, topics: list[TopicConfig]) -> None:
        try:
            config = editing.save_topics(self.app.stores.get(), self.app.config, topics)
        except Exception as error:
            self.app.call_from_thread(
                self.notify, str(error), severity="error", timeout=8, markup=False
            )
            return
        self.app.call_from_thread(self._saved, config)

    def _saved(self, config: object) -> None:
        self.app.on_config_changed(ConfigChanged(config))  # (the app re-reads every screen)
        self.notify("Topics saved", timeout=3)
        self.show_rows()
        self.load()


class TopicEditor(ModalScreen[tuple[int | None, str, str] | None]):
    BINDINGS = keys.EDITOR
    app: NewsdeckApp

    def __init__(self, index: int | None, name: str, query: str, topics: list[TopicConfig]) -> None:
        super().__init__()
        self.index = index
        self.name_value = name
        self.query_value = query
        self.others = {t.name.casefold() for i, t in enumerate(topics) if i != index}
        self._timer: Timer | None = None
        self.error: str | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-small") as box:
            box.border_title = "New topic" if self.index is None else "Edit topic"
            box.border_subtitle = "ctrl+s saves · esc cancels"
            yield Label("Name")
            yield Input(self.name_value, id="topic-name")
            yield Label("Query")
            yield Input(self.query_value, id="topic-query", placeholder=QUERY_HINT)
            yield Static(id="topic-count", classes="note")
            yield Static(id="topic-error", classes="error")

    def on_mount(self) -> None:
        self.query_one("#topic-name", Input).focus()
        self._count(self.query_value)

    @on(Input.Changed, "#topic-query")
    def _query_changed(self, event: Input.Changed) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(DEBOUNCE_S, lambda: self._count(event.value))

    @work(thread=True, exclusive=True, group="topic-count", exit_on_error=False)
    def _count(self, query: str) -> None:
        from storage.query import QueryError, compile_query

        if not query.strip():
            self.post_message(Counted(query, None, "A topic needs a query"))
            return
        try:
            compile_query(query, for_topic=True)
            total = self.app.stores.get().count(View(query=query))
        except QueryError as error:
            self.post_message(Counted(query, None, str(error)))
            return
        except Exception as error:
            self.post_message(Counted(query, None, str(error)))
            return
        self.post_message(Counted(query, total, None))

    def on_counted(self, message: Counted) -> None:
        if message.query != self.query_one("#topic-query", Input).value:
            return
        self.error = message.error
        self.query_one("#topic-error", Static).update(Text(message.error or ""))
        count = (
            ""
            if message.total is None
            else (f"{format.plural(message.total, 'article')} match now")
        )
        self.query_one("#topic-count", Static).update(Text(count))

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "topic-name":
            self.query_one("#topic-query", Input).focus()
        else:
            self.action_save()

    def action_save(self) -> None:
        from storage.query import QueryError, compile_query

        name = self.query_one("#topic-name", Input).value.strip()
        query = self.query_one("#topic-query", Input).value.strip()
        problem = None
        if not name:
            problem = "A topic needs a name"
        elif name.casefold() in self.others:
            problem = f"There is already a topic called {name!r}"
        elif not query:
            problem = "A topic needs a query"
        else:
            try:
                compile_query(query, for_topic=True)
            except QueryError as error:
                problem = str(error)
        if problem:
            self.query_one("#topic-error", Static).update(Text(problem))
            return
        self.dismiss((self.index, name, query))

    def action_cancel(self) -> None:
        self.dismiss(None)
