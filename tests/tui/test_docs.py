"""The README keeps up with the code: every key binding and subcommand is documented."""

from __future__ import annotations

from pathlib import Path

from tui import keys
from tui.cli import SUBCOMMANDS

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def test_every_binding_id_is_in_the_readme() -> None:
    ids = {b.id for _, bindings in keys.HELP_SECTIONS for b in bindings if b.id}
    missing = sorted(i for i in ids if f"`{i}`" not in README and not i.startswith("topic-"))
    assert missing == [], f"binding ids missing from README.md: {missing}"


def test_every_subcommand_is_in_the_readme() -> None:
    missing = [name for name in SUBCOMMANDS if f"newsdeck {name}" not in README]
    assert missing == [], f"subcommands missing from README.md: {missing}"


def test_quick_start_has_exactly_the_two_commands() -> None:
    start = README.index("## Quick start")
    block = README[start:].split("```sh", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in block.strip().splitlines()]
    assert commands == ["uv sync --compile-bytecode", "uv run newsdeck --demo"]


def test_the_test_command_is_the_one_ci_runs() -> None:
    start = README.index("## Quick start")
    assert "`uv run pytest` runs the whole test suite" in README[start:]
    ci = (Path(__file__).resolve().parents[2] / ".ci" / "run").read_text(encoding="utf-8")
    assert '"${uv[@]}" run pytest' in ci
