"""Small dialogs: ask for one line of text, or a yes/no question."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from tui import keys


class PromptScreen(ModalScreen[str | None]):
    """One line of input; `check` returns an error to show, or None to accept."""

    BINDINGS = keys.PROMPT

    def __init__(
        self,
        title: str,
        note: str = "",
        *,
        value: str = "",
        placeholder: str = "",
        check: Callable[[str], str | None] | None = None,
    ) -> None:
        super().__init__()
        self.title_text = title
        self.note = note
        self.value = value
        self.placeholder = placeholder
        self.check = check

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-small") as box:
            box.border_title = Text(self.title_text)
            box.border_subtitle = "enter accepts · esc cancels"
            if self.note:
                yield Static(Text(self.note), classes="note")
            yield Input(self.value, placeholder=self.placeholder, id="prompt-input")
            yield Static(id="prompt-error", classes="error")

    def on_mount(self) -> None:
        self.query_one("#prompt-input", Input).focus()

    @on(Input.Submitted, "#prompt-input")
    def _submitted(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        problem = self.check(value) if self.check else None
        if problem:
            self.query_one("#prompt-error", Static).update(Text(problem))
            return
        self.dismiss(value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmScreen(ModalScreen[bool]):
    BINDINGS = keys.CONFIRM

    def __init__(self, title: str, question: str) -> None:
        super().__init__()
        self.title_text = title
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-small") as box:
            box.border_title = Text(self.title_text)
            box.border_subtitle = "y yes · n no"
            yield Static(Text(self.question))

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
