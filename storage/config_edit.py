"""Edits to the config file that keep the user's comments and layout (tomlkit).

`newsdeck feeds add/remove/import` change the [[feeds]] tables here. When no config file
exists yet, the file is first written from the built-in defaults (feeds and topics, with
the starter comments), so adding one feed never silently drops the default ones. Every
edit is checked with storage.config.parse_config before the file is replaced, and the
file is replaced atomically.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import tomlkit
from tomlkit.exceptions import TOMLKitError

from storage.config import ConfigError, FeedConfig, default_config, parse_config


@dataclass(slots=True)
class FeedEdit:
    """What an edit did: URLs added, already present, removed; whether the file is new."""

    path: Path
    created: bool = False
    added: list[str] = field(default_factory=list)
    present: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


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
