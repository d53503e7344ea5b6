"""`newsdeck feeds`: listing, add (with discovery on a real local server), remove, OPML
import and export; the config file keeps its comments through every edit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from feedserver import RSS, FeedServer, Reply

from storage.config import load_config
from storage.defaults import DEFAULT_FEEDS, DEFAULT_TOPICS
from storage.opml import read_opml
from tui.cli import run

CONFIG = """\
# My feeds, hand-written.
[[feeds]]
url = "https://one.example/rss"  # the first one
title = "One"

[[feeds]]
url = "https://two.example/atom"

[[topics]]
name = "Aid"
query = "aid"
"""


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, list[str]]:
    config = tmp_path / "config.toml"
    config.write_text(CONFIG)
    return config, ["--config", str(config), "--db", str(tmp_path / "news.db")]


def test_list_json(files: tuple[Path, list[str]], capsys: pytest.CaptureFixture[str]) -> None:
    _, env = files
    assert run(["feeds", "--json", *env]) == 0
    feeds = json.loads(capsys.readouterr().out)
    assert [f["url"] for f in feeds] == ["https://one.example/rss", "https://two.example/atom"]
    assert set(feeds[0]) == {
        "url",
        "title",
        "state",
        "last_status",
        "last_error",
        "error_count",
        "articles",
        "next_poll_at",
    }
    assert feeds[0]["title"] == "One" and feeds[0]["state"] == "active"
    assert feeds[0]["articles"] == 0 and feeds[0]["next_poll_at"] is None
    assert run(["feeds", *env]) == 0
    assert "two.example" in capsys.readouterr().out


def test_add_and_remove_keep_comments(
    files: tuple[Path, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    config, env = files
    assert (
        run(
            [
                "feeds",
                "add",
                "https://three.example/feed",
                "--title",
                "Three",
                "--no-discover",
                *env,
            ]
        )
        == 0
    )
    assert "Added https://three.example/feed" in capsys.readouterr().out
    text = config.read_text()
    assert "# My feeds, hand-written." in text and "# the first one" in text
    assert [f.title for f in load_config(config).feeds] == ["One", None, "Three"]
    assert run(["feeds", "add", "https://three.example/feed", "--no-discover", *env]) == 0
    assert "already in" in capsys.readouterr().out
    assert run(["feeds", "remove", "https://one.example/rss", *env]) == 0
    assert "articles stay" in capsys.readouterr().out
    assert [f.url for f in load_config(config).feeds] == [
        "https://two.example/atom",
        "https://three.example/feed",
    ]
    assert "# My feeds, hand-written." in config.read_text()


def test_add_without_a_config_writes_the_defaults_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "new" / "config.toml"
    env = ["--config", str(config), "--db", str(tmp_path / "news.db")]
    assert run(["feeds", "add", "https://mine.example/rss", "--no-discover", *env]) == 0
    assert f"Created {config}" in capsys.readouterr().out
    loaded = load_config(config)
    assert [f.url for f in loaded.feeds] == [url for _, url in DEFAULT_FEEDS] + [
        "https://mine.example/rss"
    ]
    assert [t.name for t in loaded.topics] == [name for name, _ in DEFAULT_TOPICS]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["feeds", "add", "ftp://x.example/rss"], "must be an http(s) or file URL"),
        (["feeds", "remove", "https://nope.example/rss"], "is not a feed in"),
        (["feeds", "import", "missing.opml"], "missing.opml: cannot read"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    files: tuple[Path, list[str]], capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    _, env = files
    assert run([*argv, *env]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_export_import_round_trip(
    files: tuple[Path, list[str]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, env = files
    assert run(["feeds", "export", *env]) == 0
    opml = capsys.readouterr().out
    assert opml.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0">')
    exported = read_opml(opml.encode()).feeds
    assert [(f.url, f.title) for f in exported] == [
        ("https://one.example/rss", "One"),
        ("https://two.example/atom", None),
    ]

    other = tmp_path / "other.toml"
    other.write_text('[[feeds]]\nurl = "https://two.example/atom"\n')
    (tmp_path / "feeds.opml").write_text(opml)
    other_env = ["--config", str(other), "--db", str(tmp_path / "other.db")]
    assert run(["feeds", "import", str(tmp_path / "feeds.opml"), *other_env]) == 0
    imported = capsys.readouterr().out
    assert "Imported 1 feed" in imported and "1 already there" in imported
    assert [(f.url, f.title) for f in load_config(other).feeds] == [
        ("https://two.example/atom", None),
        ("https://one.example/rss", "One"),
    ]


def test_import_reads_nested_outlines_and_skips_bad_urls(
    files: tuple[Path, list[str]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config, env = files
    source = tmp_path / "subs.opml"
    source.write_text(
        '<?xml version="1.0"?><opml version="1.0"><head/><body>'
        '<outline text="News"><outline text="Nested" xmlUrl="https://nested.example/rss"/>'
        '<outline text="Bad" xmlUrl="javascript:alert(1)"/></outline></body></opml>'
    )
    assert run(["feeds", "import", str(source), *env]) == 0
    captured = capsys.readouterr()
    assert "Imported 1 feed" in captured.out and "skipped javascript:" in captured.err
    assert load_config(config).feeds[-1].title == "Nested"
    source.write_text("<html><body>not opml</body></html>")
    assert run(["feeds", "import", str(source), *env]) == 2
    assert "not an OPML file" in capsys.readouterr().err


def test_add_discovers_the_feed_a_page_links_to(
    files: tuple[Path, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    config, env = files
    with FeedServer() as server:
        feed_url = server.route(
            "/feed.xml", Reply(headers={"Content-Type": "application/rss+xml"}, body=RSS)
        )
        page = server.route(
            "/",
            Reply(
                headers={"Content-Type": "text/html; charset=utf-8"},
                body=b'<html><head><link rel="alternate" type="application/rss+xml"'
                b' href="/feed.xml"></head><body>Hi</body></html>',
            ),
        )
        empty = server.route(
            "/empty",
            Reply(
                headers={"Content-Type": "text/html"}, body=b"<html><body>no feeds</body></html>"
            ),
        )
        assert run(["feeds", "add", page, *env]) == 0
        assert f"Added {feed_url}" in capsys.readouterr().out
        assert run(["feeds", "add", feed_url, *env]) == 0  # a feed itself: kept as it is
        assert "already in" in capsys.readouterr().out
        assert run(["feeds", "add", empty, *env]) == 2
        assert "links to no feed" in capsys.readouterr().err
        assert run(["feeds", "add", server.url("/missing"), *env]) == 2
        assert "cannot fetch" in capsys.readouterr().err
    assert load_config(config).feeds[-1].url == feed_url
