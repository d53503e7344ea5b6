"""The header line: the name, time since the last poll and what the poller is doing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import ClassVar

from rich.text import Text
from textual.widget import Widget

from tui import format


@dataclass(frozen=True, slots=True)
class PollState:
    running: bool = False
    done: int = 0
    total: int = 0
    new: int = 0
    last_poll: float | None = None  # when any feed was last polled (from the database)
    feeds: int = 0
    failing: int = 0
    unread: int = 0
    available: bool = True  # False when this build has no poller


class StatusHeader(Widget):
    """`newsdeck  polled 3m ago  polling 12/40  3 feeds failing          1,204 unread`."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "status--name",
        "status--busy",
        "status--warn",
        "status--muted",
    }

    def __init__(self, now: Callable[[], float], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.now = now
        self.state = PollState()

    def on_mount(self) -> None:
        self.set_interval(30, self.refresh)  # "3m ago" ages; nothing faster is needed

    def update_state(self, **changes: object) -> None:
        self.state = replace(self.state, **changes)  # type: ignore[arg-type]
        self.refresh()

    def render(self) -> Text:
        s = self.state
        style = self.get_component_rich_style
        muted = style("status--muted", partial=True)
        line = Text(no_wrap=True, overflow="ellipsis")
        line.append(" newsdeck ", style=style("status--name", partial=True))
        line.append(f" polled {format.since(s.last_poll, self.now())}", style=muted)
        line.append("  ")
        if s.running:
            progress = f"polling {s.done}/{s.total}" if s.total else "polling"
            if s.new:
                progress += f", {format.plural(s.new, 'new article')}"
            line.append(progress, style=style("status--busy", partial=True))
        else:
            line.append("idle", style=muted)
        if s.failing:
            line.append("  ")
            line.append(
                f"{format.plural(s.failing, 'feed')} failing",
                style=style("status--warn", partial=True),
            )
        right = Text(f"{format.count(s.unread)} unread ", style=muted)
        width = self.size.width
        if width and line.cell_len + right.cell_len + 2 <= width:
            line.append(" " * (width - line.cell_len - right.cell_len))
            line.append_text(right)
        return line
