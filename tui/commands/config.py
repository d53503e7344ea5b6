"""`newsdeck config path`: where the config and database live."""

from __future__ import annotations

import argparse

from storage.config import config_path, database_path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser("path", help="print where the config file and the database live")


def run(args: argparse.Namespace) -> int:
    config = config_path(getattr(args, "config", None))
    state = "exists" if config.exists() else "not created yet; the built-in default applies"
    print(f"config:   {config} ({state})")
    print(f"database: {database_path(getattr(args, 'db', None))}")
    return 0
