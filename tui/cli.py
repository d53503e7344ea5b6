"""The `newsdeck` command: global options, subcommands, and one-line errors with exit code 2.

Each subcommand lives in tui/commands/<name>.py with `add_arguments(parser)` and
`run(args) -> int`. Only the dashboard imports Textual; the scripting subcommands stay
fast to start.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from storage import __version__

# name -> (module, help); the order is the order --help shows.
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "poll": ("tui.commands.poll", "collect new articles (once, or as a daemon)"),
    "search": ("tui.commands.search", "search articles with the filter language"),
    "topics": ("tui.commands.topics", "list topics with their counts"),
    "feeds": ("tui.commands.feeds", "list, add, remove, import and export feeds"),
    "show": ("tui.commands.show", "print one article as text"),
    "mark-read": ("tui.commands.mark_read", "mark articles read"),
    "digest": ("tui.commands.digest", "new articles per topic, by story, as Markdown/HTML/JSON"),
    "config": ("tui.commands.config", "show where things live; write a starter config"),
    "serve": ("tui.commands.serve", "serve the dashboard to a web browser (textual-serve)"),
}


VALUE_OPTIONS = ("--config", "--db")  # the global options that take a value


class UsageError(Exception):
    """Bad input on the command line; printed as one line, exit code 2."""


def add_common(parser: argparse.ArgumentParser, *, suppress: bool = False) -> None:
    """--config and --db, accepted before or after the subcommand."""
    default = argparse.SUPPRESS if suppress else None
    parser.add_argument(
        "--config",
        metavar="PATH",
        default=default,
        help="config file (default: $NEWSDECK_CONFIG, else the user config folder)",
    )
    parser.add_argument(
        "--db",
        metavar="PATH",
        default=default,
        help="database file (default: $NEWSDECK_DB, else the user data folder)",
    )


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The whole parser. Only the subcommand `argv` names (if any) imports its module for
    its arguments: the others are listed by name and help, which keeps starts quick."""
    chosen = chosen_command(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(
        prog="newsdeck",
        description="A keyboard-driven terminal dashboard for tracking news topics. "
        "With no subcommand, opens the dashboard.",
    )
    parser.add_argument("--version", action="version", version=f"newsdeck {__version__}")
    add_common(parser)
    parser.add_argument(
        "--demo",
        action="store_true",
        help="open the dashboard on built-in demo articles (temporary database, no network)",
    )
    parser.add_argument("--no-mouse", action="store_true", help="turn mouse support off")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for name, (module_name, help_text) in SUBCOMMANDS.items():
        sub_parser = sub.add_parser(name, help=help_text, description=help_text)
        add_common(sub_parser, suppress=True)
        if name == chosen:
            importlib.import_module(module_name).add_arguments(sub_parser)
        sub_parser.set_defaults(module=module_name)
    return parser


def chosen_command(argv: Sequence[str]) -> str | None:
    """The subcommand named in `argv`: its first word that is not an option or the value
    of --config/--db."""
    takes_value = False
    for word in argv:
        if takes_value:
            takes_value = False
        elif word.startswith("--") and any(o.startswith(word) for o in VALUE_OPTIONS):
            takes_value = len(word) > 2  # also argparse's abbreviations, as --conf
        elif not word.startswith("-"):
            return word if word in SUBCOMMANDS else None
    return None


def run(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, dispatch, and turn every expected failure into one line + exit 2."""
    from storage.config import ConfigError
    from storage.db import StorageError

    parser = build_parser(argv)
    args = parser.parse_args(argv)
    try:
        if args.command is None:
            from tui.commands.dashboard import run as run_dashboard

            return run_dashboard(args)
        module = importlib.import_module(args.module)
        return int(module.run(args) or 0)
    except (ConfigError, StorageError, UsageError) as exc:
        print(f"newsdeck: {exc}", file=sys.stderr)
        return 2
    except _query_error() as exc:
        print(f"newsdeck: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `newsdeck search ... | head`: the reader went away; not an error.
        sys.stderr.close()
        return 0


def _query_error() -> type[Exception]:
    try:
        from storage.query import QueryError
    except ImportError:  # the query language is not there yet
        return UsageError
    return QueryError


def main() -> None:
    sys.exit(run())


if __name__ == "__main__":
    # Run as `python -m tui.cli`, this file is __main__ and also importable as tui.cli;
    # go through the imported module so there is one UsageError class, not two.
    from tui.cli import main as _main

    _main()
