"""F1 / ?: every key, grouped by where it works, with the user's keymap applied."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tui import keys

INTRO = (
    "Keys can be changed in the config file's [keys] table, by binding id, e.g.\n"
    '  [keys]\n  down = "j,down,ctrl+n"\n'
    "ctrl+p opens the command palette: poll now, add feed, edit topics, feeds health,\n"
    "trends, toggle theme, mark all read."
)


def help_table(sections: list[tuple[str, list[keys.HelpRow]]]) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(no_wrap=True, style="bold")
    table.add_column(no_wrap=True)
    table.add_column(style="dim")
    for n, (title, rows) in enumerate(sections):
        if n:
            table.add_row("", "", "")
        table.add_row(Text(title, style="bold underline"), "", "")
        for row in rows:
            table.add_row(Text(row.keys), Text(row.description), Text(row.tooltip))
    return table


class HelpScreen(ModalScreen[None]):
    BINDINGS = keys.HELP

    def __init__(self, sections: list[tuple[str, list[keys.HelpRow]]]) -> None:
        super().__init__()
        self.sections = sections

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help", classes="dialog") as scroll:
            scroll.border_title = "Keys"
            scroll.border_subtitle = "esc closes"
            scroll.can_focus = True
            yield Static(help_table(self.sections), id="help-table")
            yield Static(Text(INTRO), classes="note")

    def on_mount(self) -> None:
        self.query_one("#help", VerticalScroll).focus()

    def action_scroll_down(self) -> None:
        self.query_one("#help", VerticalScroll).scroll_down(animate=False)

    def action_scroll_up(self) -> None:
        self.query_one("#help", VerticalScroll).scroll_up(animate=False)

    def action_page_down(self) -> None:
        self.query_one("#help", VerticalScroll).scroll_page_down(animate=False)

    def action_page_up(self) -> None:
        self.query_one("#help", VerticalScroll).scroll_page_up(animate=False)

    def action_scroll_home(self) -> None:
        self.query_one("#help", VerticalScroll).scroll_home(animate=False)

    def action_scroll_end(self) -> None:
        self.query_one("#help", VerticalScroll).scroll_end(animate=False)
