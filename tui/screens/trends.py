"""Trends (`t`): every topic's articles per day over 30 days, one chart each, spikes marked.

The numbers come from storage.trends.topic_trend, read in a thread worker: the same
daily counts (Store.topic_daily_counts) as the topic tabs' sparklines. `j` / `k` move
between charts (the list scrolls to keep the selected one in sight, so it works at
80x24 with many topics), `enter` shows that topic's articles, escape goes back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from tui import keys
from tui.messages import DataChanged
from tui.widgets.trend_chart import TrendChart

if TYPE_CHECKING:
    from tui.app import NewsdeckApp

DAYS = 30
NOTE = (
    "▲ marks a spike: a day above the mean plus two standard deviations of the 14 days"
    " before it (and at least 3 articles)."
)


@dataclass
class TrendsLoaded(Message):
    charts: list[tuple[int, str, Any]]  # (tab index, name, storage.trends.Trend)


class TrendsScreen(ModalScreen[None]):
    BINDINGS = keys.TRENDS
    app: NewsdeckApp

    def __init__(self, selected: int = 0) -> None:
        super().__init__()
        self.selected = selected  # a tab index: 0 is All, n the nth topic

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as box:
            box.border_title = f"Trends: articles per day, last {DAYS} days"
            box.border_subtitle = "j/k choose · enter shows the topic · esc back"
            scroll = VerticalScroll(id="trends-scroll")
            scroll.can_focus = False  # j/k choose a chart; the screen has the keys
            with scroll:
                yield Static(Text("Loading…"), id="trends-loading", classes="note")
            yield Static(Text(NOTE), classes="note", id="trends-note")
        yield Footer()

    @property
    def charts(self) -> list[TrendChart]:
        return list(self.query(TrendChart))

    def on_mount(self) -> None:
        self.load()

    def on_data_changed(self, message: DataChanged) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="trends", exit_on_error=False)
    def load(self) -> None:
        from storage.trends import topic_trend

        store = self.app.stores.get()
        now = int(self.app.clock())
        try:
            topics = store.topics(now)
            charts = [(0, "All articles", topic_trend(store, None, DAYS, now))]
            charts += [
                (i, t.name, topic_trend(store, t.id, DAYS, now))
                for i, t in enumerate(topics, start=1)
            ]
        except Exception as error:
            self.app.call_from_thread(self.notify, str(error), severity="error", markup=False)
            return
        self.post_message(TrendsLoaded(charts))

    async def on_trends_loaded(self, message: TrendsLoaded) -> None:
        bars = 4 if self.app.size.height < 32 else 7
        charts = self.charts
        if [(c.index, c.topic_name) for c in charts] == [(i, n) for i, n, _ in message.charts]:
            for chart, (_, _, trend) in zip(charts, message.charts, strict=True):
                chart.set_trend(trend, bars)
        else:
            scroll = self.query_one("#trends-scroll", VerticalScroll)
            await scroll.remove_children()
            await scroll.mount_all(
                TrendChart(name, trend, index, bars=bars) for index, name, trend in message.charts
            )
        self.select(self.selected)

    def select(self, index: int) -> None:
        charts = self.charts
        if not charts:
            return
        self.selected = max(0, min(index, len(charts) - 1))
        for n, chart in enumerate(charts):
            chart.set_class(n == self.selected, "-selected")
        scroll = self.query_one("#trends-scroll", VerticalScroll)
        scroll.scroll_to_widget(charts[self.selected], animate=False, immediate=True)

    def action_next(self) -> None:
        self.select(self.selected + 1)

    def action_previous(self) -> None:
        self.select(self.selected - 1)

    def action_first(self) -> None:
        self.select(0)

    def action_last(self) -> None:
        self.select(len(self.charts) - 1)

    def action_open(self) -> None:
        charts = self.charts
        if not charts:
            return
        tab = charts[self.selected].index
        self.dismiss()
        main = self.app._main()
        if main is not None:
            main.action_topic(tab)
