"""The config file: locations, defaults, and one clear line (exit 2) for every kind of mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage.config import (
    ConfigError,
    config_path,
    database_path,
    default_config,
    load_config,
    parse_duration,
)
from tui.cli import run

GOOD = """\
# my newsdeck
[poll]
interval = "1h"
concurrency = 4
timeout = 12
max_bytes = 2_000_000
user_agent = "my-agent/1"

[[feeds]]
url = "https://example.org/feed.xml"
title = "Example"
interval = "30m"

[[feeds]]
url = "file:///tmp/local.xml"
enabled = false

[[topics]]
name = "Ukraine aid"
query = "Ukraine aid"
key = "u"

[keys]
quit = "ctrl+q"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_full_config_parses_into_frozen_dataclasses(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD))
    assert config.exists
    assert config.poll.interval == 3600
    assert config.poll.concurrency == 4
    assert config.poll.timeout == 12.0
    assert config.poll.max_bytes == 2_000_000
    assert config.poll.user_agent == "my-agent/1"
    assert [f.url for f in config.feeds] == [
        "https://example.org/feed.xml",
        "file:///tmp/local.xml",
    ]
    assert config.feeds[0].interval == 1800
    assert config.feeds[1].enabled is False
    assert config.topics[0].key == "u"
    assert config.keymap == {"quit": "ctrl+q"}
    with pytest.raises(AttributeError):
        config.poll.interval = 5  # type: ignore[misc]


def test_missing_file_gives_the_builtin_default(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("NEWSDECK_CONFIG", str(tmp_path / "nowhere.toml"))
    config = load_config()
    assert not config.exists
    assert len(config.feeds) >= 8
    assert all(f.url.startswith("https://") for f in config.feeds)
    assert [t.name for t in config.topics] == ["Ukraine aid", "EU migration"]
    assert config.path == tmp_path / "nowhere.toml"


def test_explicit_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such config file"):
        load_config(tmp_path / "missing.toml")


def test_locations_follow_flag_then_environment(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("NEWSDECK_CONFIG", "/env/config.toml")
    monkeypatch.setenv("NEWSDECK_DB", "/env/news.db")
    assert config_path() == Path("/env/config.toml")
    assert config_path(tmp_path / "c.toml") == tmp_path / "c.toml"
    assert database_path() == Path("/env/news.db")
    assert database_path(tmp_path / "d.db") == tmp_path / "d.db"
    monkeypatch.delenv("NEWSDECK_CONFIG")
    monkeypatch.delenv("NEWSDECK_DB")
    assert config_path().parts[-2:] == ("newsdeck", "config.toml")
    assert database_path().parts[-2:] == ("newsdeck", "newsdeck.db")


def test_default_config_has_good_default_topics() -> None:
    names = [t.name for t in default_config().topics]
    assert names == ["Ukraine aid", "EU migration"]


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("90s", 90), ("15m", 900), ("1h", 3600), ("1h30m", 5400), ("2d", 172800), (" 5M ", 300)],
)
def test_durations(value: str, seconds: int) -> None:
    assert parse_duration(value) == seconds


@pytest.mark.parametrize("value", ["", "15", "fast", "15x", "m15", "1h junk", "30m1h"])
def test_bad_durations(value: str) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(value)


# One case per kind of mistake: (config text, what the one-line message must contain).
BAD = {
    "bad toml": ('[poll\ninterval = "1h"\n', ["invalid TOML", "line 1"]),
    "unknown top-level key": ('colour = "red"\n', [":1:", "colour", "unknown key"]),
    "unknown poll key": (
        '[poll]\ninterval = "1h"\nspeed = 3\n',
        [":3:", "poll.speed", "unknown key"],
    ),
    "unknown feed key": (
        '[[feeds]]\nurl = "https://a.example/x"\nurll = "y"\n',
        [":3:", "feeds[0].urll", "unknown key"],
    ),
    "wrong type": ('[poll]\nconcurrency = "many"\n', [":2:", "poll.concurrency", "whole number"]),
    "bool is not a number": ("[poll]\nconcurrency = true\n", ["poll.concurrency", "whole number"]),
    "bad duration": ('[poll]\ninterval = "soon"\n', [":2:", "poll.interval", "invalid duration"]),
    "zero duration": ('[poll]\ninterval = "0m"\n', [":2:", "poll.interval", 'like "15m"']),
    "bad feed interval": (
        '[[feeds]]\nurl = "https://a.example/x"\ninterval = "1 fortnight"\n',
        [":3:", "feeds[0].interval", "invalid duration"],
    ),
    "duplicate topic": (
        '[[topics]]\nname = "Ukraine aid"\nquery = "a"\n\n'
        '[[topics]]\nname = "ukraine AID"\nquery = "b"\n',
        [":6:", "topics[1].name", "duplicate topic"],
    ),
    "feed url not http": (
        '[[feeds]]\nurl = "https://ok.example/a"\n[[feeds]]\nurl = "ftp://x.example/feed"\n',
        [":4:", "feeds[1].url", "http(s) or file URL"],
    ),
    "feed url without host": ('[[feeds]]\nurl = "https:///feed"\n', ["feeds[0].url", "no host"]),
    "feed without url": ('[[feeds]]\ntitle = "x"\n', [":1:", "feeds[0]", "missing key: url"]),
    "bad topic query": (
        '[[topics]]\nname = "x"\nquery = "(ukraine"\n',
        [":3:", "topics[0].query", "column"],
    ),
    "topic without query": ('[[topics]]\nname = "x"\n', ["topics[0]", "missing key: query"]),
    "feeds not a table array": ('feeds = "x"\n', [":1:", "feeds", "[[feeds]]"]),
    "keys not a string": ("[keys]\nquit = 3\n", [":2:", "keys.quit", "a string"]),
    "not utf-8": (b"[poll]\ninterval = '\xff'\n", ["not UTF-8"]),
    "alert url not http": (
        '[[topics]]\nname = "x"\nquery = "a"\nalert_url = "ntfy.sh/mytopic"\n',
        [":4:", "topics[0].alert_url", "http(s) URL"],
    ),
    "alert url with a space": (
        '[[topics]]\nname = "x"\nquery = "a"\nalert_url = "https://ntfy.sh/my topic"\n',
        [":4:", "topics[0].alert_url", "not a usable URL"],
    ),
    "alert command with a bad quote": (
        '[[topics]]\nname = "x"\nquery = "a"\nalert_command = "notify \'oops"\n',
        [":4:", "topics[0].alert_command", "No closing quotation"],
    ),
    "empty alert command": (
        '[[topics]]\nname = "x"\nquery = "a"\nalert_command = "  "\n',
        [":4:", "topics[0].alert_command", "must not be empty"],
    ),
    "alert command not a string": (
        '[[topics]]\nname = "x"\nquery = "a"\nalert_command = ["notify"]\n',
        [":4:", "topics[0].alert_command", "a string"],
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_each_config_mistake_exits_2_with_one_line(case: str, tmp_path: Path, capsys) -> None:
    text, expected = BAD[case]
    path = tmp_path / "config.toml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    code = run(["--config", str(path), "--db", str(tmp_path / "n.db")])
    err = capsys.readouterr().err
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"newsdeck: {path}")
    for fragment in expected:
        assert fragment in lines[0], (fragment, lines[0])
    assert "Traceback" not in err


def test_config_that_is_a_folder(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is a folder"):
        load_config(tmp_path)


def test_topic_alerts_parse(tmp_path: Path) -> None:
    config = load_config(
        write(
            tmp_path,
            '[[topics]]\nname = "Aid"\nquery = "aid"\n'
            "alert_command = \"notify-send --app-name 'news deck'\"\n"
            'alert_url = " https://ntfy.example/newsdeck-aid "\n\n'
            '[[topics]]\nname = "Other"\nquery = "other"\n',
        )
    )
    aid, other = config.topics
    assert aid.alert_command == "notify-send --app-name 'news deck'"
    assert aid.alert_url == "https://ntfy.example/newsdeck-aid"
    assert (other.alert_command, other.alert_url) == (None, None)


def test_feed_full_text_parses_and_defaults_off(tmp_path: Path, capsys) -> None:
    config = load_config(
        write(
            tmp_path,
            '[[feeds]]\nurl = "https://a.example/feed"\nfull_text = true\n\n'
            '[[feeds]]\nurl = "https://b.example/feed"\n',
        )
    )
    assert [f.full_text for f in config.feeds] == [True, False]
    path = write(tmp_path, '[[feeds]]\nurl = "https://a.example/feed"\nfull_text = "yes"\n')
    code = run(["--config", str(path), "--db", str(tmp_path / "n.db")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1
    assert ":3:" in err and "feeds[0].full_text" in err and "true or false" in err
