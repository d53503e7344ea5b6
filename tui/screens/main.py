"""The dashboard screen: header, topic tabs, filter bar, article list, reader, footer.

It owns the current view (topic + filter, one row per story or per article); what the
keys do to the article under the cursor is in tui/screens/article_actions.py. Reads
and writes run in thread workers (see tui/data.py); their results come back as
messages. Below WIDE columns the reader takes the list's place.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer

from storage.listing import TopicInfo, View
from storage.store import ArticleRow
from tui import format, keys
from tui.messages import DataChanged, StatsLoaded
from tui.screens.article_actions import ArticleActions
from tui.widgets.article_list import ArticleList
from tui.widgets.filter_bar import FilterBar
from tui.widgets.highlight import Terms, terms_of
from tui.widgets.list_source import StoryListRow
from tui.widgets.reader import ArticleReader
from tui.widgets.status import StatusHeader
from tui.widgets.tabs import Tab, TopicTabs

if TYPE_CHECKING:
    from tui.app import NewsdeckApp

WIDE = 110  # columns from which the reader opens beside the list
SPARK_DAYS = 14


class MainScreen(ArticleActions, Screen[None]):
    BINDINGS = keys.MAIN
    app: NewsdeckApp

    def __init__(self) -> None:
        super().__init__(id="main")
        self.topics: list[TopicInfo] = []
        self.tab = 0  # 0: All, n: self.topics[n - 1]
        self.filter = ""  # the last query that loaded
        self.stats = StatsLoaded()
        self._open_index: int | None = None  # n / p: open this row once its page is in
        self._topic_keys: dict[str, int] = {}  # a topic's own key -> its tab

    def compose(self) -> ComposeResult:
        now = self.app.clock
        yield StatusHeader(now, id="status")
        yield TopicTabs(id="tabs")
        yield FilterBar(id="filter")
        with Horizontal(id="body"):
            yield ArticleList(self.app.stores, now, id="articles")
            yield ArticleReader(self.app.stores, now, id="reader")
        yield Footer()

    @property
    def articles(self) -> ArticleList:
        return self.query_one("#articles", ArticleList)

    @property
    def reader(self) -> ArticleReader:
        return self.query_one("#reader", ArticleReader)

    @property
    def filter_bar(self) -> FilterBar:
        return self.query_one("#filter", FilterBar)

    @property
    def reading(self) -> bool:
        return self.has_class("-reading")

    def on_mount(self) -> None:
        self.filter_bar.display = False
        self.articles.focus()
        self.load_stats()
        self._show_view()

    def on_resize(self) -> None:
        self.set_class(self.size.width < WIDE, "-narrow")

    # -- the view ------------------------------------------------------------------------

    def current_view(self, query: str | None = None) -> View:
        topic = self.topics[self.tab - 1] if self.tab else None
        return View(topic.id if topic else None, self.filter if query is None else query)

    def terms(self, query: str | None = None) -> Terms:
        topic = self.topics[self.tab - 1] if self.tab else None
        return terms_of(topic.query if topic else "", self.filter if query is None else query)

    def _show_view(self, query: str | None = None) -> None:
        self.articles.show(self.current_view(query), self.terms(query))
        self._update_titles()

    def view_name(self) -> str:
        return self.topics[self.tab - 1].name if self.tab else "All articles"

    def action_toggle_stories(self) -> None:
        """S: one row per story, or every article."""
        grouped = not self.articles.grouped
        self.articles.grouped = grouped
        self._show_view()
        text = "One row per story" if grouped else "Every article, each on its own row"
        self.notify(text, timeout=2)

    def _update_titles(self) -> None:
        name = self.view_name()
        # Text, not str: a border title given as str is parsed as markup.
        self.articles.border_title = Text(f"{name}  /{self.filter}" if self.filter else name)
        self.query_one(TopicTabs).select(self.tab)
        self._update_empty_text()

    def _update_empty_text(self) -> None:
        s = self.stats
        if self.filter:
            text = "No articles match this filter — escape clears it"
        elif s.all_total == 0:
            text = f"No articles yet — press r to poll {format.plural(s.feeds, 'feed')}"
        else:
            text = "Nothing in this topic yet"
        self.articles.empty_text = text
        self.articles.refresh()

    def action_topic(self, index: int) -> None:
        if index > len(self.topics):
            count = len(self.topics)
            which = (
                f"topics are 1-{count}"
                if count > 1
                else "the only topic is 1"
                if count
                else "there are no topics yet"
            )
            self.notify(
                f"There is no topic {index}: {which}; 0 shows every article.",
                severity="warning",
                markup=False,
            )
            return
        if index != self.tab:
            self.tab = index
            self._show_view()

    def action_next_topic(self) -> None:
        self.action_topic((self.tab + 1) % (len(self.topics) + 1))

    def action_previous_topic(self) -> None:
        self.action_topic((self.tab - 1) % (len(self.topics) + 1))

    @on(ArticleList.Swapped)
    def _swapped(self, event: ArticleList.Swapped) -> None:
        self.filter = event.view.query
        self.filter_bar.show_error(None)
        self._update_titles()

    @on(ArticleList.Failed)
    def _failed(self, event: ArticleList.Failed) -> None:
        if event.view.query != self.filter:
            self.filter_bar.display = True
            self.filter_bar.show_error(str(event.error))
        else:
            self.notify(str(event.error), severity="error", markup=False)

    # -- counts and the header -------------------------------------------------------------

    @work(thread=True, exclusive=True, group="stats", exit_on_error=False)
    def load_stats(self) -> None:
        store = self.app.stores.get()
        now = int(self.app.clock())
        try:
            topics = store.topics(now)
            sparks = {t.id: store.topic_daily_counts(t.id, SPARK_DAYS, now) for t in topics}
            sparks[None] = store.topic_daily_counts(None, SPARK_DAYS, now)
            feeds = store.feeds()
            stats = StatsLoaded(
                topics=topics,
                sparklines=sparks,
                all_total=store.count(View()),
                all_unread=store.count(View(query="is:unread")),
                feeds=sum(1 for f in feeds if f.state == "active"),
                failing=sum(1 for f in feeds if f.state == "active" and f.error_count > 0),
                last_poll=max((f.last_polled_at or 0 for f in feeds), default=0) or None,
            )
        except Exception as error:
            self.app.call_from_thread(self.notify, str(error), severity="error", markup=False)
            return
        self.post_message(stats)

    def on_stats_loaded(self, stats: StatsLoaded) -> None:
        old_ids = [t.id for t in self.topics]
        self.stats = stats
        self.app.topics_counted(stats.topics)
        self.topics = stats.topics
        tabs = [Tab("All", stats.all_unread, format.sparkline(stats.sparklines.get(None, [])))]
        tabs += [
            Tab(t.name, t.unread, format.sparkline(stats.sparklines.get(t.id, [])))
            for t in stats.topics
        ]
        self.query_one(TopicTabs).set_tabs(tabs)
        self.query_one(StatusHeader).update_state(
            last_poll=stats.last_poll,
            feeds=stats.feeds,
            failing=stats.failing,
            unread=stats.all_unread,
        )
        self._bind_topic_keys()
        if old_ids != [t.id for t in self.topics]:
            self.tab = min(self.tab, len(self.topics))
            self._show_view()
        else:
            self._update_titles()

    def _bind_topic_keys(self) -> None:
        """A topic's own `key` from the config jumps to it, unless that key is taken."""
        wanted = {t.key: i for i, t in enumerate(self.topics, start=1) if t.key}
        if wanted == self._topic_keys:
            return
        for key in self._topic_keys:
            self._bindings.key_to_bindings.pop(key, None)
        taken = {
            k for b in (*keys.APP, *keys.MAIN, *keys.LIST, *keys.READER) for k in b.key.split(",")
        }
        taken |= {k for value in self.app.config.keymap.values() for k in value.split(",")}
        self._topic_keys = {k: i for k, i in wanted.items() if k not in taken}
        for key, index in self._topic_keys.items():
            self._bindings.bind(key, f"topic({index})", self.topics[index - 1].name, show=False)
        self.refresh_bindings()

    def on_data_changed(self, event: DataChanged) -> None:
        self.load_stats()
        self.articles.reload()

    # -- the reader ----------------------------------------------------------------------

    @on(ArticleList.Opened)
    def _opened(self, event: ArticleList.Opened) -> None:
        self.open_article(event.row)

    def open_article(self, row: ArticleRow) -> None:
        """Open a row in the reader; a story's row opens it with every outlet's version."""
        self.add_class("-reading")
        story = row.story_id if isinstance(row, StoryListRow) and row.size > 1 else None
        self.reader.open(row.id, self.terms(), story)
        self.reader.focus()

    @on(ArticleReader.Shown)
    def _shown(self, event: ArticleReader.Shown) -> None:
        self.reader.border_subtitle = f"{self.articles.cursor + 1} of {self.articles.total or 0}"
        if event.was_unread:
            row = self.articles.current()
            ids = [event.article.id]
            if row is not None and self.reader.story_id is not None:
                ids.append(row.id)  # the story's row, whichever version is shown
            self.articles.mark(ids, read=True)
            self.load_stats()

    @on(ArticleReader.Navigate)
    def _navigate(self, event: ArticleReader.Navigate) -> None:
        target = self.articles.cursor + event.step
        if not 0 <= target < (self.articles.total or 0):
            self.notify("No more articles this way", timeout=2)
            return
        self._open_index = target
        self.articles.move_cursor(target)

    @on(ArticleList.Highlighted)
    def _highlighted(self, event: ArticleList.Highlighted) -> None:
        if self._open_index == event.index and event.row is not None:
            self._open_index = None
            self.open_article(event.row)

    def close_reader(self) -> None:
        self.remove_class("-reading")
        self.articles.focus()

    # -- the filter ------------------------------------------------------------------------

    def action_filter(self) -> None:
        self.filter_bar.display = True
        self.filter_bar.input.focus()

    @on(FilterBar.Changed)
    def _filter_changed(self, event: FilterBar.Changed) -> None:
        self._show_view(event.query)

    @on(FilterBar.Done)
    def _filter_done(self, event: FilterBar.Done) -> None:
        if event.keep:
            self.filter_bar.set_value(self.filter)
            self.filter_bar.show_error(None)
            self.filter_bar.display = bool(self.filter)
        else:
            self.clear_filter()
        self.articles.focus()

    def clear_filter(self) -> None:
        self.filter_bar.set_value("")
        self.filter_bar.show_error(None)
        if self.filter:
            self._show_view("")
        self.filter_bar.display = False

    def action_back(self) -> None:
        if self.reading:
            self.close_reader()
        elif self.filter or self.filter_bar.display:
            self.clear_filter()
            self.articles.focus()
