"""The filter bar: a one-line query input, debounced, with its error shown underneath."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input, Static

from tui import keys

DEBOUNCE_S = 0.15
PLACEHOLDER = 'words, "a phrase", -not, title:, feed:, is:unread, since:7d'


class FilterBar(Vertical):
    """Typing narrows the list live (after a short pause); enter keeps, escape clears."""

    BINDINGS = keys.FILTER

    @dataclass
    class Changed(Message):
        """The query to show, once typing has paused."""

        filter_bar: FilterBar
        query: str

    @dataclass
    class Done(Message):
        """Leave the bar: `keep` the filter, or clear it."""

        filter_bar: FilterBar
        keep: bool

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(id="filter-line"):
            yield Static("/", id="filter-prompt")
            yield Input(placeholder=PLACEHOLDER, id="filter-input", select_on_focus=False)
        yield Static(id="filter-error")

    @property
    def input(self) -> Input:
        return self.query_one("#filter-input", Input)

    @property
    def value(self) -> str:
        return self.input.value

    def show_error(self, message: str | None) -> None:
        error = self.query_one("#filter-error", Static)
        error.update(Text(message or ""))
        error.display = bool(message)
        self.set_class(bool(message), "-error")

    def set_value(self, value: str) -> None:
        with self.input.prevent(Input.Changed):
            self.input.value = value

    @on(Input.Changed, "#filter-input")
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(DEBOUNCE_S, self._settled)

    def _settled(self) -> None:
        self._timer = None
        self.post_message(self.Changed(self, self.input.value))

    @on(Input.Submitted, "#filter-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.flush()
        self.post_message(self.Done(self, keep=True))

    def flush(self) -> None:
        """Send a pending change now (enter should not wait for the debounce)."""
        if self._timer is not None:
            self._timer.stop()
            self._settled()

    def action_keep(self) -> None:
        self.flush()
        self.post_message(self.Done(self, keep=True))

    def action_clear(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self.post_message(self.Done(self, keep=False))
