"""`newsdeck config`: where the config and database live, a starter config, and a check.

newsdeck config path [--json]   print the config file and database paths
newsdeck config init [--force]  write the built-in defaults as a commented config file
newsdeck config check           load the config and say what is in it, or what is wrong
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from pathlib import Path

from storage.config import config_path, database_path, default_config, load_config
from storage.config_template import KeyHint, render_config
from tui.cli import UsageError, add_common
from tui.commands.common import print_json

# Used only when the dashboard's key table cannot be read: the ids it is known to use.
FALLBACK_KEY_HINTS: tuple[KeyHint, ...] = (
    KeyHint("quit", "q", "Quit newsdeck."),
    KeyHint("help", "question_mark,f1", "List every key."),
    KeyHint("poll", "r", "Fetch new articles from every feed now."),
    KeyHint("filter", "slash", "Narrow the list with a keyword query."),
    KeyHint("back", "escape", "Close the reader, or clear the filter."),
    KeyHint("next-topic", "tab", "Show the next topic."),
    KeyHint("previous-topic", "shift+tab", "Show the previous topic."),
    KeyHint("toggle-read", "m", "Mark the article read, or unread again."),
    KeyHint("mark-all-read", "M", "Mark every article in this view read."),
    KeyHint("star", "s", "Star the article, or unstar it."),
    KeyHint("open", "enter", "Open the article in the reader."),
    KeyHint("open-link", "o", "Open the link in a browser."),
    KeyHint("copy-link", "y", "Copy the article's link to the clipboard."),
    KeyHint("down", "j,down", "Next article."),
    KeyHint("up", "k,up", "Previous article."),
    KeyHint("top", "g,home", "First article."),
    KeyHint("bottom", "G,end", "Last article."),
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    path = actions.add_parser("path", help="print where the config file and the database live")
    path.add_argument("--json", action="store_true", help="print the paths as JSON")
    init = actions.add_parser(
        "init",
        help="write the built-in defaults as a commented config file",
        description="Write the built-in feeds, topics and poll settings, with comments, "
        "to the config path (--config, $NEWSDECK_CONFIG, else the user config folder).",
    )
    init.add_argument("--force", action="store_true", help="overwrite an existing file")
    check = actions.add_parser("check", help="load the config file and report problems")
    for action in (path, init, check):
        add_common(action, suppress=True)  # --config/--db also after the action


def run(args: argparse.Namespace) -> int:
    if args.action == "init":
        return init(args)
    if args.action == "check":
        return check(args)
    return show_paths(args)


def show_paths(args: argparse.Namespace) -> int:
    config = config_path(getattr(args, "config", None))
    database = database_path(getattr(args, "db", None))
    if getattr(args, "json", False):
        print_json(
            {
                "config": str(config),
                "config_exists": config.is_file(),
                "database": str(database),
                "database_exists": database.is_file(),
            }
        )
        return 0
    state = "exists" if config.exists() else "not created yet; the built-in default applies"
    db_state = "exists" if database.exists() else "not created yet"
    print(f"config:   {config} ({state})")
    print(f"database: {database} ({db_state})")
    return 0


def init(args: argparse.Namespace) -> int:
    path = config_path(getattr(args, "config", None))
    if path.is_dir():
        raise UsageError(f"{path}: is a folder, not a config file")
    if path.exists() and not args.force:
        raise UsageError(f"{path}: already exists; use `config init --force` to overwrite it")
    text = render_config(default_config(), key_hints())
    backup = path.with_name(path.name + ".bak") if path.exists() else None
    try:
        if backup is not None:
            shutil.copy2(path, backup)
        write_atomically(path, text)
    except OSError as exc:
        raise UsageError(f"{path}: cannot write: {exc.strerror or exc}") from None
    print(f"wrote the default config to {path}")
    if backup is not None:
        print(f"the previous file is kept as {backup}")
    return 0


def check(args: argparse.Namespace) -> int:
    config = load_config(getattr(args, "config", None))  # a ConfigError exits 2 with its line
    if not config.exists:
        print(f"{config.path}: no config file; the built-in default applies")
        return 0
    enabled = sum(1 for feed in config.feeds if feed.enabled)
    print(
        f"{config.path}: ok: {len(config.feeds)} feeds ({enabled} enabled), "
        f"{len(config.topics)} topics, {len(config.keys)} key bindings"
    )
    return 0


def write_atomically(path: Path, text: str) -> None:
    """Write through a temporary file beside `path`, so a crash never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def key_hints() -> list[KeyHint]:
    """Every rebindable dashboard key, from the dashboard's own key table.

    The ten topic-number bindings share one line: one per digit would drown the rest.
    """
    try:
        from tui.keys import HELP_SECTIONS
    except ImportError:
        return list(FALLBACK_KEY_HINTS)
    hints: list[KeyHint] = []
    seen: set[str] = set()
    for _title, bindings in HELP_SECTIONS:
        for binding in bindings:
            binding_id = binding.id
            if not binding_id or binding_id in seen:
                continue
            seen.add(binding_id)
            description = binding.tooltip or binding.description
            if _is_topic_number(binding_id):
                if binding_id != "topic-1":
                    continue
                description = "Show topic 1 (topic-2 ... topic-9 likewise; topic-0: all)."
            hints.append(KeyHint(binding_id, binding.key, description))
    return hints or list(FALLBACK_KEY_HINTS)


def _is_topic_number(binding_id: str) -> bool:
    return binding_id.startswith("topic-") and binding_id[len("topic-") :].isdigit()
