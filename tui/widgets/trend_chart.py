"""A topic's articles per day as a bar chart of block characters, spikes marked.

     15 │                   █
        │                   █
        │    ▂  ▃           █     ▅
      0 │ ▁  █  █  ▃  ▁  ▂  █  ▃  █
        └────────────────────────────
                            ▲
         Dec 17                 Jan 15
     Spike: Jan 09 (15)

A spike (storage/trends.py: above the mean plus two standard deviations of the 14 days
before it) is drawn in its own style and, so that it reads without colour, gets a ▲
under its bar and its date written out. `chart_text` is a pure function of the trend,
the width and the styles; `TrendChart` is the widget that shows it.
"""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar, NamedTuple

from rich.style import Style
from rich.text import Text
from textual.widget import Widget

from tui import format

EIGHTHS = " ▁▂▃▄▅▆▇█"
SPIKE_MARK = "▲"
COMPONENTS = ("bar", "spike", "axis", "muted")


class ChartStyles(NamedTuple):
    bar: Style = Style()
    spike: Style = Style(bold=True)
    axis: Style = Style(dim=True)
    muted: Style = Style(dim=True)


def day(d: date) -> str:
    """'Jan 09'."""
    return d.strftime("%b %d")


def summary(trend: Any) -> str:
    """'142 in 30 days · 4.7 a day · peak 15 on Jan 09'."""
    days = len(trend.daily)
    text = f"{format.count(trend.total)} in {days} days · {trend.mean:.1f} a day"
    if trend.peak:
        peak_day = trend.dates[trend.daily.index(trend.peak)]
        text += f" · peak {trend.peak} on {day(peak_day)}"
    return text


def spikes_line(trend: Any) -> str:
    if not trend.spikes:
        return "No spikes"
    parts = [f"{day(trend.dates[i])} ({trend.daily[i]})" for i in trend.spikes]
    word = "Spike" if len(parts) == 1 else "Spikes"
    return f"{word}: " + ", ".join(parts)


def chart_text(trend: Any, width: int, height: int = 5, styles: ChartStyles | None = None) -> Text:
    """The chart in `width` cells: bars `height` rows tall, an axis, the spike marks,
    dates, and the spikes written out."""
    styles = styles or ChartStyles()
    daily = list(trend.daily)
    days = max(1, len(daily))
    peak = max(daily, default=0)
    gutter = max(2, len(str(peak))) + 1
    column = max(1, min(3, (width - gutter - 1) // days))
    bar = column - 1 if column > 1 else 1
    spikes = set(trend.spikes)
    out = Text(no_wrap=True, overflow="crop")
    for row in range(height - 1, -1, -1):  # top row first
        label = str(peak) if row == height - 1 else ("0" if row == 0 else "")
        out.append(label.rjust(gutter - 1) + " ", style=styles.muted)
        out.append("│", style=styles.axis)
        for i, n in enumerate(daily):
            eighths = round(n / peak * height * 8) if peak else 0
            if n and not eighths:
                eighths = 1  # a day with any article shows
            level = max(0, min(8, eighths - row * 8))
            style = styles.spike if i in spikes else styles.bar
            if column > 1:
                out.append(" " * (column - bar))
            out.append(EIGHTHS[level] * bar, style=style)
        out.append("\n")
    out.append(" " * gutter + "└" + "─" * (days * column), style=styles.axis)
    out.append("\n")
    marks = [" "] * (days * column)
    for i in spikes:
        marks[i * column + column - bar] = SPIKE_MARK  # under the bar's first cell
    out.append(" " * (gutter + 1))
    out.append("".join(marks).rstrip(), style=styles.spike)
    out.append("\n")
    out.append(" " * (gutter + 1) + _date_labels(trend.dates, column), style=styles.muted)
    out.append("\n")
    out.append(spikes_line(trend), style=styles.spike if spikes else styles.muted)
    return out


def _date_labels(dates: list[date], column: int) -> str:
    """The first and last day under their bars, and the middle one where it fits."""
    if not dates:
        return ""
    cells = [" "] * max(len(dates) * column, 2 * len(day(dates[0])) + 1)
    taken: list[tuple[int, int]] = []
    for index in (0, len(dates) - 1, len(dates) // 2):
        label = day(dates[index])
        start = max(0, min(index * column + column - 1, len(cells) - len(label)))
        end = start + len(label)
        if any(start <= e and s <= end for s, e in taken):  # overlaps, or no gap
            continue
        cells[start:end] = label
        taken.append((start, end))
    return "".join(cells).rstrip()


class TrendChart(Widget):
    """One topic's chart, with its name and numbers in the border."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {f"trend--{c}" for c in COMPONENTS}
    DEFAULT_CSS = """
    TrendChart { height: auto; }
    """

    def __init__(self, name: str, trend: Any, index: int, *, bars: int = 5) -> None:
        super().__init__(classes="trend")
        self.topic_name = name
        self.trend = trend
        self.index = index  # the topic's tab: 0 is All
        self.bars = bars
        self._titles()

    def set_trend(self, trend: Any, bars: int) -> None:
        self.trend = trend
        self.bars = bars
        self._titles()
        self.refresh(layout=True)

    def _titles(self) -> None:
        self.border_title = Text(self.topic_name)
        self.border_subtitle = summary(self.trend)

    def render(self) -> Text:
        get = self.get_component_rich_style
        styles = ChartStyles(*(get(f"trend--{c}", partial=True) for c in COMPONENTS))
        width = self.content_region.width or self.size.width or 60
        return chart_text(self.trend, width, self.bars, styles)
