"""The TOML config file: where it lives, the built-in default, and parsing into frozen dataclasses.

Every problem becomes a `ConfigError` whose text is one line naming the file, the line
(where it can be found) and the key, so the command line can print it and exit 2.
"""

from __future__ import annotations

import os
import re
import shlex
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from storage.defaults import DEFAULT_FEEDS, DEFAULT_TOPICS
from storage.schedule import parse_duration

ENV_CONFIG = "NEWSDECK_CONFIG"
ENV_DB = "NEWSDECK_DB"
APP_NAME = "newsdeck"


class ConfigError(Exception):
    """A config file that cannot be used; str() is one line for people."""


@dataclass(frozen=True, slots=True)
class PollSettings:
    interval: int = 15 * 60  # seconds
    concurrency: int = 16
    timeout: float = 20.0  # total deadline per feed, seconds
    max_bytes: int = 10 * 1024 * 1024
    user_agent: str | None = None  # None: newsdeck's own


@dataclass(frozen=True, slots=True)
class FeedConfig:
    url: str
    title: str | None = None
    enabled: bool = True
    interval: int | None = None  # seconds; None: [poll] interval
    # Fetch each new article's web page and keep its extracted text (storage/fulltext.py),
    # for feeds that carry only a summary.
    full_text: bool = False


@dataclass(frozen=True, slots=True)
class TopicConfig:
    name: str
    query: str
    key: str | None = None
    # Alerts after each poll (storage/alerts.py): a command run with the new articles
    # as JSON on stdin, and/or an ntfy-compatible URL that gets a plain-text POST.
    alert_command: str | None = None
    alert_url: str | None = None


@dataclass(frozen=True, slots=True)
class Config:
    poll: PollSettings = field(default_factory=PollSettings)
    feeds: tuple[FeedConfig, ...] = ()
    topics: tuple[TopicConfig, ...] = ()
    keys: tuple[tuple[str, str], ...] = ()  # (binding id, keys) pairs from [keys]
    path: Path | None = None  # the file it came from; None for the built-in default
    exists: bool = False  # False when no file was found and the default applies

    @property
    def keymap(self) -> dict[str, str]:
        return dict(self.keys)


def default_config(path: Path | None = None) -> Config:
    """The configuration used when no file exists."""
    return Config(
        feeds=tuple(FeedConfig(url=url, title=title) for title, url in DEFAULT_FEEDS),
        topics=tuple(TopicConfig(name=name, query=query) for name, query in DEFAULT_TOPICS),
        path=path,
        exists=False,
    )


def config_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """--config, else $NEWSDECK_CONFIG, else the user config dir."""
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get(ENV_CONFIG)
    if env:
        return Path(env).expanduser()
    from platformdirs import user_config_path

    return user_config_path(APP_NAME) / "config.toml"


def database_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """--db, else $NEWSDECK_DB, else the user data dir (not created here)."""
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get(ENV_DB)
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_path

    return user_data_path(APP_NAME) / "newsdeck.db"


def load_config(explicit: str | os.PathLike[str] | None = None) -> Config:
    """Load the config file, or the built-in default when there is none."""
    path = config_path(explicit)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        if explicit:
            raise ConfigError(f"{path}: no such config file") from None
        return default_config(path)
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a folder, not a config file") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    return parse_config(raw, path)


def parse_config(raw: bytes | str, path: Path) -> Config:
    """Parse TOML text into a Config, checking every key and value."""
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    else:
        text = raw
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    return _Checker(text, path).config(data)


class _Checker:
    """Walks the parsed TOML and builds dataclasses, with errors that point at a line."""

    def __init__(self, text: str, path: Path) -> None:
        self.lines = text.splitlines()
        self.path = path

    def fail(self, where: str, message: str, key: str | None = None, nth: int = 0) -> ConfigError:
        line = self._find_line(key, nth) if key else None
        at = f"{self.path}:{line}" if line else str(self.path)
        return ConfigError(f"{at}: {where}: {message}")

    def _find_line(self, key: str, nth: int) -> int | None:
        # Best effort: the nth line that assigns `key` (table arrays repeat keys).
        pattern = re.compile(
            rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=|^\s*\[+\s*{re.escape(key)}\s*\]+"
        )
        seen = 0
        for number, line in enumerate(self.lines, start=1):
            if pattern.match(line):
                if seen == nth:
                    return number
                seen += 1
        return None

    def config(self, data: dict[str, Any]) -> Config:
        self.unknown(data, {"poll", "feeds", "topics", "keys"}, "")
        poll = self.poll(self.table(data, "poll"))
        feeds = tuple(self.feed(item, i) for i, item in enumerate(self.array(data, "feeds")))
        topics = tuple(self.topic(item, i) for i, item in enumerate(self.array(data, "topics")))
        seen_urls: set[str] = set()
        for i, feed in enumerate(feeds):
            if feed.url in seen_urls:
                raise self.fail(f"feeds[{i}].url", f"duplicate feed {feed.url}", "url", i)
            seen_urls.add(feed.url)
        seen_topics: set[str] = set()
        for i, topic in enumerate(topics):
            folded = topic.name.casefold()
            if folded in seen_topics:
                raise self.fail(f"topics[{i}].name", f"duplicate topic {topic.name!r}", "name", i)
            seen_topics.add(folded)
        keys = self.keys(self.table(data, "keys"))
        return Config(poll=poll, feeds=feeds, topics=topics, keys=keys, path=self.path, exists=True)

    def table(self, data: dict[str, Any], name: str) -> dict[str, Any]:
        value = data.get(name, {})
        if not isinstance(value, dict):
            raise self.fail(name, "must be a table like [" + name + "]", name)
        return value

    def array(self, data: dict[str, Any], name: str) -> list[dict[str, Any]]:
        value = data.get(name, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.fail(name, f"must be written as [[{name}]] tables", name)
        return value

    def unknown(self, data: dict[str, Any], allowed: set[str], prefix: str, nth: int = 0) -> None:
        for key in data:
            if key not in allowed:
                where = f"{prefix}{key}" if prefix else key
                choices = ", ".join(sorted(allowed))
                raise self.fail(where, f"unknown key (expected one of: {choices})", key, nth)

    def value(
        self,
        data: dict[str, Any],
        key: str,
        kind: type | tuple[type, ...],
        where: str,
        nth: int = 0,
    ) -> Any:
        value = data[key]
        # bool is an int in Python; keep them apart so `concurrency = true` is an error.
        wrong_bool = isinstance(value, bool) and bool not in (
            kind if isinstance(kind, tuple) else (kind,)
        )
        if wrong_bool or not isinstance(value, kind):
            names = (
                kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            )
            label = {
                "str": "a string",
                "int": "a whole number",
                "bool": "true or false",
                "float": "a number",
            }
            expected = label.get(names, names)
            raise self.fail(where, f"must be {expected}, not {value!r}", key, nth)
        return value

    def duration(self, data: dict[str, Any], key: str, where: str, nth: int = 0) -> int:
        value = data[key]
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
        if isinstance(value, str):
            try:
                seconds = parse_duration(value)
            except ValueError as exc:
                raise self.fail(where, str(exc), key, nth) from None
            if seconds > 0:
                return seconds
        raise self.fail(where, f'must be a duration like "15m", not {value!r}', key, nth)

    def poll(self, data: dict[str, Any]) -> PollSettings:
        self.unknown(
            data, {"interval", "concurrency", "timeout", "max_bytes", "user_agent"}, "poll."
        )
        base = PollSettings()
        interval = (
            self.duration(data, "interval", "poll.interval")
            if "interval" in data
            else (base.interval)
        )
        concurrency = base.concurrency
        if "concurrency" in data:
            concurrency = self.value(data, "concurrency", int, "poll.concurrency")
            if not 1 <= concurrency <= 256:
                raise self.fail("poll.concurrency", "must be between 1 and 256", "concurrency")
        timeout = base.timeout
        if "timeout" in data:
            raw = data["timeout"]
            if isinstance(raw, str):
                timeout = float(self.duration(data, "timeout", "poll.timeout"))
            else:
                timeout = float(self.value(data, "timeout", (int, float), "poll.timeout"))
            if timeout <= 0:
                raise self.fail("poll.timeout", "must be more than 0", "timeout")
        max_bytes = base.max_bytes
        if "max_bytes" in data:
            max_bytes = self.value(data, "max_bytes", int, "poll.max_bytes")
            if max_bytes < 1024:
                raise self.fail("poll.max_bytes", "must be at least 1024", "max_bytes")
        user_agent = base.user_agent
        if "user_agent" in data:
            user_agent = self.value(data, "user_agent", str, "poll.user_agent").strip() or None
        return PollSettings(interval, concurrency, timeout, max_bytes, user_agent)

    def feed(self, data: dict[str, Any], i: int) -> FeedConfig:
        where = f"feeds[{i}]"
        self.unknown(data, {"url", "title", "enabled", "interval", "full_text"}, f"{where}.", i)
        if "url" not in data:
            raise self.fail(where, "missing key: url", "feeds", i)
        url = self.value(data, "url", str, f"{where}.url", i).strip()
        problem = url_problem(url)
        if problem:
            raise self.fail(f"{where}.url", problem, "url", i)
        title = self.value(data, "title", str, f"{where}.title", i) if "title" in data else None
        enabled = (
            self.value(data, "enabled", bool, f"{where}.enabled", i) if "enabled" in data else True
        )
        interval = (
            self.duration(data, "interval", f"{where}.interval", i) if "interval" in data else None
        )
        full_text = (
            self.value(data, "full_text", bool, f"{where}.full_text", i)
            if "full_text" in data
            else False
        )
        return FeedConfig(
            url=url, title=title, enabled=enabled, interval=interval, full_text=full_text
        )

    def topic(self, data: dict[str, Any], i: int) -> TopicConfig:
        where = f"topics[{i}]"
        self.unknown(data, {"name", "query", "key", "alert_command", "alert_url"}, f"{where}.", i)
        for required in ("name", "query"):
            if required not in data:
                raise self.fail(where, f"missing key: {required}", "topics", i)
        name = self.value(data, "name", str, f"{where}.name", i).strip()
        if not name:
            raise self.fail(f"{where}.name", "must not be empty", "name", i)
        query = self.value(data, "query", str, f"{where}.query", i).strip()
        if not query:
            raise self.fail(f"{where}.query", "must not be empty", "query", i)
        from storage.query import QueryError, compile_query

        try:
            compile_query(query, for_topic=True)
        except QueryError as exc:
            raise self.fail(f"{where}.query", str(exc), "query", i) from None
        key = self.value(data, "key", str, f"{where}.key", i).strip() if "key" in data else None
        command = self.alert_command(data, where, i) if "alert_command" in data else None
        alert_url = self.alert_url(data, where, i) if "alert_url" in data else None
        return TopicConfig(
            name=name, query=query, key=key or None, alert_command=command, alert_url=alert_url
        )

    def alert_command(self, data: dict[str, Any], where: str, i: int) -> str:
        command = self.value(data, "alert_command", str, f"{where}.alert_command", i).strip()
        # Split now, as the poller will (shlex, no shell), so a bad quote is found here.
        try:
            argv = shlex.split(command)
        except ValueError as exc:
            raise self.fail(
                f"{where}.alert_command", f"cannot split into words: {exc}", "alert_command", i
            ) from None
        if not argv:
            raise self.fail(f"{where}.alert_command", "must not be empty", "alert_command", i)
        return command

    def alert_url(self, data: dict[str, Any], where: str, i: int) -> str:
        url = self.value(data, "alert_url", str, f"{where}.alert_url", i).strip()
        try:
            parts = urlsplit(url)
            host = parts.hostname
        except ValueError as exc:  # e.g. an unclosed [ of an IPv6 address
            raise self.fail(f"{where}.alert_url", f"bad URL: {exc}", "alert_url", i) from None
        if parts.scheme not in ("http", "https"):
            shown = parts.scheme or "none"
            raise self.fail(
                f"{where}.alert_url",
                f"must be an http(s) URL, not {url!r} (scheme: {shown})",
                "alert_url",
                i,
            )
        # The URL goes into a request line: no host, spaces or control characters.
        if not host or any(c.isspace() or ord(c) < 32 for c in url):
            raise self.fail(f"{where}.alert_url", f"is not a usable URL: {url!r}", "alert_url", i)
        return url

    def keys(self, data: dict[str, Any]) -> tuple[tuple[str, str], ...]:
        pairs = []
        for action in data:
            keys = self.value(data, action, str, f"keys.{action}").strip()
            if not keys:
                raise self.fail(f"keys.{action}", "must name at least one key", action)
            pairs.append((action, keys))
        return tuple(pairs)


def url_problem(url: str) -> str | None:
    """Why a feed URL is unusable, or None when it is fine (http, https or file)."""
    if not url:
        return "must not be empty"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https", "file"):
        shown = parts.scheme or "none"
        return f"must be an http(s) or file URL, not {url!r} (scheme: {shown})"
    if parts.scheme in ("http", "https") and not parts.hostname:
        return f"has no host: {url!r}"
    if parts.scheme == "file" and not parts.path:
        return f"has no path: {url!r}"
    return None
