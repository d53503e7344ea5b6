"""Topic tabs: "All", then each topic with its unread count and a 14-day sparkline.

One line of Rich Text. The active tab is reversed and bold, so it reads without
colour; sparklines shrink to a week, then go, when the line is too narrow, and the tabs
before the active one scroll off the left edge before it would.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import events
from textual.widget import Widget

from tui import format


@dataclass(frozen=True, slots=True)
class Tab:
    name: str
    unread: int
    spark: str = ""


class TopicTabs(Widget):
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "tabs--active",
        "tabs--count",
        "tabs--spark",
        "tabs--separator",
    }

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.tabs: list[Tab] = [Tab("All", 0)]
        self.active = 0
        self._spans: list[tuple[int, int, int]] = []  # (first cell, end cell, tab) on screen

    def set_tabs(self, tabs: list[Tab]) -> None:
        self.tabs = tabs or [Tab("All", 0)]
        self.active = min(self.active, len(self.tabs) - 1)
        self.refresh()

    def select(self, index: int) -> None:
        self.active = index
        self.refresh()

    def _tab_text(self, index: int, tab: Tab, spark: int) -> Text:
        style = self.get_component_rich_style
        text = Text(f" {tab.name}")
        if tab.unread:
            text.append(
                f" {format.short_count(tab.unread)}", style=style("tabs--count", partial=True)
            )
        if spark and tab.spark:
            text.append(f" {tab.spark[-spark:]}", style=style("tabs--spark", partial=True))
        text.append(" ")
        if index == self.active:
            text.stylize(style("tabs--active", partial=True))
        return text

    def render(self) -> Text:
        width = self.size.width or 80
        separator = Text("│", style=self.get_component_rich_style("tabs--separator", partial=True))
        for spark in (14, 7, 0):  # days of sparkline that fit
            parts = [self._tab_text(i, tab, spark) for i, tab in enumerate(self.tabs)]
            if sum(p.cell_len + 1 for p in parts) <= width:
                break
        start = 0
        while (
            start < self.active
            and sum(p.cell_len + 1 for p in parts[start : self.active + 1]) + 2 > width
        ):
            start += 1
        line = Text(no_wrap=True, overflow="ellipsis")
        if start:
            line.append("‹")
        self._spans = []
        for i, part in enumerate(parts[start:]):
            if i:
                line.append_text(separator)
            self._spans.append((line.cell_len, line.cell_len + part.cell_len, start + i))
            line.append_text(part)
        line.truncate(width, overflow="ellipsis")
        return line

    def on_click(self, event: events.Click) -> None:
        for first, end, index in self._spans:
            if first <= event.x < end:
                self.screen.run_action(f"topic({index})")
                return
