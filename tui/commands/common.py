"""What every subcommand needs: the loaded config, an open store, JSON and table output."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from storage.config import Config, database_path, load_config
from storage.store import Store


def config_of(args: argparse.Namespace) -> Config:
    return load_config(getattr(args, "config", None))


def open_store(args: argparse.Namespace, config: Config | None = None) -> Store:
    """Open the database and bring its feeds and topics in line with the config."""
    config = config or config_of(args)
    store = Store(database_path(getattr(args, "db", None)))
    try:
        store.sync_feeds(config.feeds)
        sync_topics = getattr(store, "sync_topics", None)
        if sync_topics is not None:
            sync_topics(config.topics)
    except BaseException:
        store.close()
        raise
    return store


def print_json(value: Any) -> None:
    json.dump(value, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
