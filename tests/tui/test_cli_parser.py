"""The command line parser: only the chosen subcommand's module is loaded for its
arguments, and the options that take a value are not mistaken for subcommands."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tui.cli import SUBCOMMANDS, chosen_command, run


@pytest.mark.parametrize(
    ("argv", "chosen"),
    [
        ([], None),
        (["--demo"], None),
        (["poll", "--once"], "poll"),
        (["--db", "poll", "topics"], "topics"),  # a database file named "poll"
        (["--config", "search", "--db=x.db", "search", "poll"], "search"),
        (["--conf", "feeds", "show", "1"], "show"),  # argparse's abbreviation of --config
        (["--json", "nonsense"], None),
    ],
)
def test_the_chosen_subcommand_is_found(argv: list[str], chosen: str | None) -> None:
    assert chosen_command(argv) == chosen


def test_help_for_a_subcommand_shows_its_own_options(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as exit_info:
        run(["poll", "--help"])
    assert exit_info.value.code == 0
    assert "--once" in capsys.readouterr().out


def test_the_top_help_lists_every_subcommand_without_loading_them() -> None:
    code = (
        "import sys\n"
        "from tui.cli import build_parser\n"
        "help = build_parser([]).format_help()\n"
        "loaded = [m for m in sys.modules if m.startswith('tui.commands.')]\n"
        "print(loaded)\n"
        "print(help)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.splitlines()[0] == "[]"
    for name in SUBCOMMANDS:
        assert name in out
