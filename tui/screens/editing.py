"""Changing the config file from the dashboard: feeds and topics.

Runs in thread workers. Every edit goes through storage/config_edit.py (which keeps
the user's comments and checks the result before replacing the file), then the
config is read back and the database brought in line with it. Each function returns
the new Config, or raises an error whose str() is one line for people.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from storage.config import Config, ConfigError, FeedConfig, TopicConfig, load_config
from storage.store import Feed, Store


class EditUnavailable(Exception):
    """This build cannot edit the config file that way."""


def _config_edit() -> Any:
    try:
        from storage import config_edit
    except ImportError:
        raise EditUnavailable(
            "Editing the config from the dashboard is not available in this build;"
            " edit the config file by hand"
        ) from None
    return config_edit


def _reload(config: Config) -> Config:
    if config.path is None:
        raise ConfigError("there is no config file to edit")
    return load_config(config.path)


def add_feed(store: Store, config: Config, url: str, title: str | None = None) -> Config:
    edit = _config_edit()
    if config.path is None:
        raise ConfigError("there is no config file to edit")
    result = edit.add_feeds(config.path, [FeedConfig(url=url, title=title or None)])
    if not result.added:
        raise ConfigError(f"{url} is already in the config")
    new = _reload(config)
    store.sync_feeds(new.feeds)
    return new


def remove_feed(store: Store, config: Config, url: str) -> Config:
    edit = _config_edit()
    if config.path is None:
        raise ConfigError("there is no config file to edit")
    result = edit.remove_feed(config.path, url)
    if not result.removed:
        raise ConfigError(f"{url} is not in the config file")
    new = _reload(config)
    store.sync_feeds(new.feeds)  # the feed is paused; its articles stay
    return new


def set_feed_enabled(
    store: Store, config: Config, feed: Feed, enabled: bool
) -> tuple[Config | None, str]:
    """Pause or resume a feed where it lasts: as `enabled` in the config file (created
    from the defaults when there is none yet), then in the database. Returns the new
    Config (None when the file was not changed) and a note for the user ('' if none).

    A feed that is in no config file (a test's, the demo's, or one removed from the
    file) is paused in the database only: the note says the next poll may undo it.
    """
    state = "active" if enabled else "paused"
    url = feed.config_url or feed.url
    edit = _config_edit() if config.path is not None else None
    setter = getattr(edit, "set_feed_enabled", None)
    in_file = (
        setter is not None
        and config.path is not None
        and url in {f.url for f in config.feeds}
        and bool(setter(config.path, url, enabled).updated)
    )
    new = _reload(config) if in_file else None
    if new is not None:
        store.sync_feeds(new.feeds)
    store.set_feed_state(feed.id, state)  # resuming also makes it due now
    return new, "" if new is not None else " (for now: it is not in a config file)"


def save_topics(store: Store, config: Config, topics: Sequence[TopicConfig]) -> Config:
    """Replace the config's topics with `topics` (in this order) and re-match them."""
    edit = _config_edit()
    if config.path is None:
        raise ConfigError("there is no config file to edit")
    setter = getattr(edit, "set_topics", None)
    if setter is None:
        raise EditUnavailable(
            "Saving topics from the dashboard needs storage.config_edit.set_topics, which"
            " this build lacks; edit [[topics]] in the config file by hand"
        )
    setter(config.path, list(topics))
    new = _reload(config)
    store.sync_topics(new.topics)
    return new


def with_topic(
    topics: Sequence[TopicConfig], index: int | None, name: str, query: str
) -> list[TopicConfig]:
    """The topic list with topic `index` changed (None: a new topic at the end)."""
    out = list(topics)
    if index is None:
        out.append(TopicConfig(name=name, query=query))
    else:
        out[index] = replace(out[index], name=name, query=query)
    return out
