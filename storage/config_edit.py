"""Edits to the config file that keep the user's comments and layout (tomlkit).

`newsdeck feeds add/remove/import` change the [[feeds]] tables here; the dashboard also
pauses and resumes feeds (`set_feed_enabled`) and saves its topic editor (`set_topics`).
When no config file exists yet, the file is first written from the built-in defaults
(feeds and topics, with the starter comments), so adding one feed never silently drops
the default ones. Every edit is checked with storage.config.parse_config before the
file is replaced, and the file is replaced atomically.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.exceptions import TOMLKitError

from storage.config import ConfigError, FeedConfig, TopicConfig, default_config, parse_config


@dataclass(slots=True)
class FeedEdit:
    """What an edit did: URLs added, already present, removed; whether the file is new."""

    path: Path
    created: bool = False
    added: list[str] = field(default_factory=list)
    present: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)


def add_feeds(path: Path, feeds: Sequence[FeedConfig]) -> FeedEdit:
    """Append [[feeds]] tables for feeds whose URL is not in the file yet."""
    doc, edit = _load(path)
    tables = _feeds(doc)
    known = {str(t.get("url", "")).strip() for t in tables}
    for feed in feeds:
        if feed.url in known:
            edit.present.append(feed.url)
            continue
        table = tomlkit.table()
        table["url"] = feed.url
        if feed.title:
            table["title"] = feed.title
        if not feed.enabled:
            table["enabled"] = False
        table.add(tomlkit.nl())  # a blank line before whatever table follows
        tables.append(table)
        known.add(feed.url)
        edit.added.append(feed.url)
    if edit.added or edit.created:
        _save(path, doc)
    return edit


def remove_feed(path: Path, url: str) -> FeedEdit:
    """Delete the [[feeds]] table with this URL (its articles stay in the database)."""
    doc, edit = _load(path)
    tables = _feeds(doc)
    for index in range(len(tables) - 1, -1, -1):
        if str(tables[index].get("url", "")).strip() == url:
            del tables[index]
            edit.removed.append(url)
    if edit.removed or edit.created:
        _save(path, doc)
    return edit


def set_feed_enabled(path: Path, url: str, enabled: bool) -> FeedEdit:
    """Write `enabled = false` into the feed's table, or take it out again on resume.

    `updated` holds the URL when the feed is in the file; when it is not, nothing is
    written (not even a file created from the defaults).
    """
    doc, edit = _load(path)
    tables = _feeds(doc)
    for index, table in enumerate(tables):
        if str(table.get("url", "")).strip() != url:
            continue
        edit.updated.append(url)
        # true is the default, so a resumed feed's table reads as before the pause
        changed = _rebuilt(table, {"enabled": None if enabled else tomlkit.item(False)})
        for item in _trailing_trivia(table):
            changed.add(item)
        tables[index] = changed
    if edit.updated:
        _save(path, doc)
    return edit


TOPIC_KEYS = ("name", "query", "key", "alert_command", "alert_url")


def set_topics(path: Path, topics: Sequence[TopicConfig]) -> FeedEdit:
    """Make the [[topics]] tables say exactly `topics`, in this order.

    A topic keeps its table (and the comments in it) when it is found by name, else by
    query, else at the same place in a list of the same length (a rename that also
    changed the query). Comments after the last topic (the starter file's [keys]
    notes) stay after the last topic. Every field is written: name, query, key,
    alert_command and alert_url.
    """
    doc, edit = _load(path)
    old = list(doc.get("topics") or [])
    tail = _trailing_trivia(old[-1]) if old else []
    used: set[int] = set()
    tables = []
    for index, topic in enumerate(topics):
        found = _match_topic(old, used, index, topic, same_length=len(old) == len(topics))
        if found is not None:
            used.add(found)
        tables.append(_rebuilt(old[found] if found is not None else None, _topic_items(topic)))
    if not tables:
        if "topics" in doc:
            del doc["topics"]
        for item in tail:
            doc.add(item)
        _save(path, doc)
        return edit
    for item in tail or [tomlkit.nl()]:  # (the AoT puts a blank line between tables)
        tables[-1].add(item)
    aot = tomlkit.aot()
    for table in tables:
        aot.append(table)
    if "topics" in doc:
        doc["topics"] = aot  # in place: the tables around it do not move
    else:
        doc.append("topics", aot)
    _save(path, doc)
    return edit


def _match_topic(
    old: list, used: set[int], index: int, topic: TopicConfig, *, same_length: bool
) -> int | None:
    """Which old [[topics]] table becomes this topic's, if any."""
    for same in (
        lambda t: str(t.get("name", "")).strip().casefold() == topic.name.casefold(),
        lambda t: str(t.get("query", "")).strip() == topic.query,
    ):
        for i, table in enumerate(old):
            if i not in used and same(table):
                return i
    if same_length and index not in used:
        return index
    return None


def _topic_items(topic: TopicConfig) -> dict[str, Any]:
    """Each field as a TOML item written the way `config init` writes it (None: absent)."""
    from storage.config_template import toml_long_string, toml_string

    values = {name: getattr(topic, name) for name in TOPIC_KEYS}
    return {
        name: None
        if value is None
        else tomlkit.parse(
            f"v = {toml_long_string(value) if name == 'query' else toml_string(value)}\n"
        )["v"]
        for name, value in values.items()
    }


def _rebuilt(old: Any, values: dict[str, Any]) -> Any:
    """A copy of table `old` (None: a new table) with `values` set; a None value takes
    the key out. The old table's key order, inline comments and comment lines stay; new
    keys go after its last key; the comments trailing it (which in the file introduce
    whatever follows) are left out for the caller to place."""
    table = tomlkit.table()
    body = list(old.value.body) if old is not None else []
    if old is not None:
        body = body[: len(body) - len(_trailing_trivia(old))]
    written: set[str] = set()
    for key, item in body:
        if key is None:
            table.add(item)  # a comment line or a blank line inside the table
            continue
        name = key.key
        if name not in values:
            table.add(name, item)
        elif values[name] is not None:
            new = values[name]
            if item.unwrap() != new.unwrap():
                new.trivia.comment_ws = item.trivia.comment_ws  # keep `# my note`
                new.trivia.comment = item.trivia.comment
                item = new
            table.add(name, item)
        written.add(name)
    for name, new in values.items():
        if new is not None and name not in written:
            table.add(name, new)
    return table


def _trailing_trivia(table: Any) -> list[Any]:
    """The comments and blank lines after a table's last key: tomlkit keeps them in
    the table, while in the file they introduce whatever comes next."""
    body = table.value.body
    cut = len(body)
    while cut and body[cut - 1][0] is None:
        cut -= 1
    return [item for _, item in body[cut:]]


def _load(path: Path) -> tuple[tomlkit.TOMLDocument, FeedEdit]:
    edit = FeedEdit(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        from storage.config_template import render_config

        text = render_config(default_config(path))
        edit.created = True
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    parse_config(text, path)  # a broken file is reported, not edited
    try:
        return tomlkit.parse(text), edit
    except TOMLKitError as exc:  # pragma: no cover - parse_config saw it first
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None


def _feeds(doc: tomlkit.TOMLDocument) -> tomlkit.items.AoT:
    tables = doc.get("feeds")
    if tables is None:
        tables = tomlkit.aot()
        doc.append("feeds", tables)
        return doc["feeds"]  # type: ignore[return-value]
    return tables  # type: ignore[return-value]


def _save(path: Path, doc: tomlkit.TOMLDocument) -> None:
    text = tomlkit.dumps(doc)
    parse_config(text, path)  # never write a file newsdeck could not read back
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".config-", suffix=".toml", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(text)
            if path.exists():
                os.chmod(tmp, path.stat().st_mode & 0o777)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise ConfigError(f"{path}: cannot write: {exc.strerror or exc}") from None
