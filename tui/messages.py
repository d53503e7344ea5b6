"""App-wide messages: what background workers and the poller tell the widgets.

Workers never touch widgets; they post one of these (post_message is thread-safe) and
a handler on the event loop updates the screen. Widget-local messages are nested in
their widgets (ArticleList.Highlighted, FilterBar.Changed, ...).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from textual.message import Message


@dataclass
class DataChanged(Message):
    """Another connection committed: counts and lists should be refreshed in place."""

    version: int = 0


@dataclass
class PollStarted(Message):
    total: int = 0


@dataclass
class PollProgress(Message):
    done: int
    total: int
    new: int


@dataclass
class PollFinished(Message):
    """A poll ended; `error` is a one-line reason when it could not run at all."""

    new: int = 0
    failed: int = 0
    error: str | None = None
    finished_at: float = 0.0


@dataclass
class StatsLoaded(Message):
    """Everything the header and the topic tabs show, read in one worker."""

    topics: list = field(default_factory=list)  # list[TopicInfo]
    sparklines: dict = field(default_factory=dict)  # topic id (None: All) -> list[int]
    all_total: int = 0
    all_unread: int = 0
    feeds: int = 0
    failing: int = 0
    last_poll: float | None = None


@dataclass
class ConfigChanged(Message):
    """The config file was edited from the dashboard (feeds or topics)."""

    config: object  # storage.config.Config
