"""`newsdeck config init / path / check`, and the commented TOML that init writes."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storage.config import (
    Config,
    FeedConfig,
    PollSettings,
    TopicConfig,
    default_config,
    load_config,
    parse_config,
)
from storage.config_template import (
    KeyHint,
    format_duration,
    render_config,
    toml_long_string,
    toml_string,
)
from storage.schedule import parse_duration
from tui.cli import run
from tui.commands.config import key_hints


def test_init_writes_a_config_that_loads_back_to_the_defaults(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "new" / "folder" / "config.toml"

    assert run(["--config", str(path), "config", "init"]) == 0

    assert capsys.readouterr().out.strip() == f"wrote the default config to {path}"
    loaded = load_config(path)
    defaults = default_config()
    assert loaded.exists
    assert loaded.poll == defaults.poll
    assert loaded.feeds == defaults.feeds
    assert loaded.topics == defaults.topics
    assert loaded.keys == ()


def test_init_follows_the_environment_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "from-env.toml"
    monkeypatch.setenv("NEWSDECK_CONFIG", str(path))

    assert run(["config", "init"]) == 0

    assert str(path) in capsys.readouterr().out
    assert load_config().feeds == default_config().feeds


def test_init_explains_every_setting(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    run(["--config", str(path), "config", "init"])
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()

    assert lines[0] == "# newsdeck configuration"
    for setting in PollSettings.__slots__:
        line = next(
            i for i, line in enumerate(lines) if line.removeprefix("# ").startswith(f"{setting} = ")
        )
        assert lines[line - 1].startswith("# "), f"{setting} has no comment above it"
    assert 'interval = "15m"' in text.replace("'", '"')
    assert lines.count("[[feeds]]") == len(default_config().feeds)
    assert lines.count("[[topics]]") == len(default_config().topics)
    assert "# [keys]" in text


def test_the_keys_section_lists_the_dashboard_bindings_and_works_uncommented(
    tmp_path: Path,
) -> None:
    path = tmp_path / "config.toml"
    run(["--config", str(path), "config", "init"])
    text = path.read_text(encoding="utf-8")
    hints = key_hints()

    for binding_id in ("quit", "help", "filter", "open", "back", "down", "up", "top", "bottom"):
        assert any(hint.id == binding_id for hint in hints)
    for hint in hints:
        assert f"\n# {hint.id} = " in text

    uncommented = text.replace("\n# [keys]\n", "\n[keys]\n").replace(
        "\n# quit = 'q'", "\nquit = 'ctrl+q'"
    )
    path.write_text(uncommented, encoding="utf-8")
    assert load_config(path).keymap == {"quit": "ctrl+q"}


def test_init_refuses_to_overwrite_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "config.toml"
    path.write_text("# mine\n", encoding="utf-8")

    assert run(["--config", str(path), "config", "init"]) == 2

    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert "already exists" in captured.err and "--force" in captured.err
    assert path.read_text(encoding="utf-8") == "# mine\n"


def test_init_force_overwrites_and_keeps_the_old_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "config.toml"
    path.write_text("# mine\n", encoding="utf-8")

    assert run(["--config", str(path), "config", "init", "--force"]) == 0

    assert load_config(path).topics == default_config().topics
    assert (tmp_path / "config.toml.bak").read_text(encoding="utf-8") == "# mine\n"
    assert "config.toml.bak" in capsys.readouterr().out
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_init_into_an_unwritable_place_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")

    assert run(["--config", str(blocker / "config.toml"), "config", "init"]) == 2

    err = capsys.readouterr().err
    assert err.startswith(f"newsdeck: {blocker / 'config.toml'}: cannot write")
    assert err.count("\n") == 1


def test_path_prints_both_paths(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config, db = tmp_path / "c.toml", tmp_path / "n.db"

    assert run(["--config", str(config), "--db", str(db), "config", "path"]) == 0

    out = capsys.readouterr().out
    assert f"config:   {config} (not created yet" in out
    assert f"database: {db} (not created yet)" in out


def test_path_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config, db = tmp_path / "c.toml", tmp_path / "n.db"
    config.write_text("", encoding="utf-8")

    assert run(["config", "path", "--json", "--config", str(config), "--db", str(db)]) == 0

    assert json.loads(capsys.readouterr().out) == {
        "config": str(config),
        "config_exists": True,
        "database": str(db),
        "database_exists": False,
    }


def test_check_reports_what_the_file_holds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "config.toml"
    run(["--config", str(path), "config", "init"])
    capsys.readouterr()

    assert run(["--config", str(path), "config", "check"]) == 0
    feeds = len(default_config().feeds)
    assert f"ok: {feeds} feeds ({feeds} enabled), 2 topics" in capsys.readouterr().out


def test_check_points_at_the_bad_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[poll]\n\nconcurrency = 0\n", encoding="utf-8")

    assert run(["--config", str(path), "config", "check"]) == 2

    err = capsys.readouterr().err
    assert err.startswith(f"newsdeck: {path}:3: poll.concurrency")
    assert err.count("\n") == 1


def test_any_config_round_trips_through_the_template() -> None:
    config = Config(
        poll=PollSettings(
            interval=5400, concurrency=3, timeout=2.5, max_bytes=4096, user_agent='me "x" \\ y'
        ),
        feeds=(
            FeedConfig(url="https://example.org/feed?a=1&b='2'", title="It's a feed"),
            FeedConfig(url="file:///tmp/news.xml", enabled=False, interval=90),
            FeedConfig(url="https://summaries.example/rss", full_text=True),
        ),
        topics=(
            TopicConfig(
                name="Café",
                query="title:aid* -russia feed:kyiv",
                key="c",
                alert_command="notify-send 'new: Café'",
                alert_url="https://ntfy.example/café-alerts",
            ),
            TopicConfig(name="Long", query=" ".join(['"air defence" OR Patriot'] * 12)),
        ),
        keys=(("quit", "ctrl+q"), ("down", "j,down,ctrl+n")),
    )
    text = render_config(config, [KeyHint("quit", "q", "Quit."), KeyHint("up", "k", "Up.")])

    loaded = parse_config(text, Path("config.toml"))

    assert (loaded.poll, loaded.feeds, loaded.topics, loaded.keys) == (
        config.poll,
        config.feeds,
        config.topics,
        config.keys,
    )
    assert "# up = 'k'" in text  # hints the user did not set stay commented out
    assert max(len(line) for line in text.splitlines() if not line.startswith("#")) <= 100


@pytest.mark.parametrize(
    ("seconds", "text"), [(90, "90s"), (900, "15m"), (3600, "1h"), (5400, "1h30m"), (90000, "1d1h")]
)
def test_durations_are_written_as_people_write_them(seconds: int, text: str) -> None:
    assert format_duration(seconds) == text


@given(st.integers(min_value=1, max_value=10**8))
def test_any_duration_written_reads_back(seconds: int) -> None:
    assert parse_duration(format_duration(seconds)) == seconds


@given(st.text())
def test_any_string_survives_toml(value: str) -> None:
    assert tomllib.loads(f"v = {toml_string(value)}")["v"] == value
    assert tomllib.loads(f"v = {toml_long_string(value)}")["v"] == value


@given(st.lists(st.text(st.characters(blacklist_characters=" "), min_size=1), min_size=1))
def test_long_wrapped_strings_read_back_as_one_line(words: list[str]) -> None:
    value = " ".join(words * 8)
    assert tomllib.loads(f"v = {toml_long_string(value, width=40)}")["v"] == value
