"""`newsdeck search`, `topics`, `show` and `mark-read` against real files: JSON shapes,
tables on a terminal, and one-line errors with exit code 2."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from storage.config import FeedConfig
from storage.store import Store
from tui.cli import run

NOW = int(time.time())
FEED = "https://news.example/rss.xml"
CONFIG = f"""
[[feeds]]
url = "{FEED}"
title = "Example News"

[[topics]]
name = "Ukraine aid"
query = "ukraine (aid OR weapons OR missiles)"

[[topics]]
name = "EU migration"
query = "EU (migration OR asylum)"
"""


@dataclass(frozen=True)
class Entry:
    guid: str
    title: str
    text: str
    published: int
    author: str = "Staff"
    url: str | None = None
    updated: int | None = None
    summary: str = ""
    html: str = ""


@pytest.fixture
def env(tmp_path: Path) -> list[str]:
    config = tmp_path / "config.toml"
    config.write_text(CONFIG)
    database = tmp_path / "news.db"
    with Store(database) as store:
        store.sync_feeds([FeedConfig(url=FEED, title="Example News")])
        store.ingest(
            store.feeds()[0].id,
            [
                Entry(
                    "1",
                    "Ukraine gets more missiles",
                    "Allies pledge air defence missiles.",
                    NOW - 3600,
                    url="https://news.example/1",
                ),
                Entry(
                    "2",
                    "EU asylum rules agreed",
                    "Member states agree asylum screening.",
                    NOW - 7200,
                    url="https://news.example/2",
                ),
                Entry(
                    "3",
                    "Old Ukraine aid story",
                    "Aid talks from long ago.\nSecond paragraph.",
                    NOW - 30 * 86400,
                    url="https://news.example/3",
                ),
                Entry("4", "Harbour news", "Nothing about \x1b[31mwar\x1b[0m here.", NOW - 60),
            ],
            now=NOW,
        )
    return ["--config", str(config), "--db", str(database)]


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> object:
    assert run(list(argv)) == 0
    out = capsys.readouterr().out
    return json.loads(out)


def test_search_json(env: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    results = run_json(capsys, "search", "ukraine", "--json", *env)
    assert [r["title"] for r in results] == ["Ukraine gets more missiles", "Old Ukraine aid story"]
    first = results[0]
    assert set(first) == {"id", "title", "url", "feed", "published", "topics", "snippet"}
    assert first["feed"] == "Example News" and first["url"] == "https://news.example/1"
    assert first["topics"] == ["Ukraine aid"]
    assert first["published"].endswith("Z") and "T" in first["published"]
    assert "«missiles»" in run_json(capsys, "search", "missiles", "--json", *env)[0]["snippet"]


def test_search_options(env: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    recent = run_json(capsys, "search", "ukraine", "--since", "7d", "--json", *env)
    assert [r["title"] for r in recent] == ["Ukraine gets more missiles"]
    # A query that starts with "-" goes after "--", as with any command.
    limited = run_json(capsys, "search", "--limit", "1", "--json", *env, "--", "-harbour")
    assert len(limited) == 1
    topic = run_json(
        capsys, "search", "asylum", "OR", "missiles", "--topic", "eu MIGRATION", "--json", *env
    )
    assert [r["title"] for r in topic] == ["EU asylum rules agreed"]
    ranked = run_json(capsys, "search", "aid", "--sort", "relevance", "--json", *env)
    assert ranked[0]["title"] == "Old Ukraine aid story"


def test_search_table(env: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["search", "ukraine", *env]) == 0
    out = capsys.readouterr().out
    assert "Ukraine gets more missiles" in out and "Example News" in out
    assert run(["search", "nothingmatches", *env]) == 0
    assert "No articles match." in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["search", 'ukraine "aid'], "unbalanced quote at column 9"),
        (["search", "titel:x"], "unknown field 'titel:' at column 1"),
        (["search", "aid", "--topic", "Sport"], "unknown topic 'Sport'"),
        (["search", "aid", "--since", "yesterday"], "bad --since 'yesterday'"),
        (["show", "abc"], "bad article id 'abc'"),
        (["show", "999"], "no article with id 999"),
        (["mark-read", "aid OR"], "OR needs a term after it at column 5"),
        (["mark-read", "--topic", "nope"], "unknown topic 'nope'"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    env: list[str], capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert run([*argv, *env]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("newsdeck: ") and message in captured.err
    assert captured.err.count("\n") == 1


def test_topics(env: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    topics = run_json(capsys, "topics", "--json", *env)
    # Trends (tests/storage/test_trends.py has the details): 30 days, oldest first; the
    # 30-day-old story falls outside them.
    daily = [t.pop("daily") for t in topics]
    assert [len(d) for d in daily] == [30, 30] and [sum(d) for d in daily] == [1, 1]
    assert [t.pop("spikes") for t in topics] == [[], []]
    assert topics == [
        {
            "name": "Ukraine aid",
            "query": "ukraine (aid OR weapons OR missiles)",
            "total": 2,
            "unread": 2,
            "new_24h": 2,
        },
        {
            "name": "EU migration",
            "query": "EU (migration OR asylum)",
            "total": 1,
            "unread": 1,
            "new_24h": 1,
        },
    ]
    assert run(["topics", *env]) == 0
    table = capsys.readouterr().out
    assert "Ukraine aid" in table and "EU migration" in table


def test_show(env: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    [hit] = run_json(capsys, "search", "old", "--json", *env)
    assert run(["show", str(hit["id"]), *env]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == "Old Ukraine aid story"
    assert "Feed:      Example News" in out and "Link:      https://news.example/3" in out
    assert "Topics:    Ukraine aid" in out
    assert out.rstrip().endswith("Aid talks from long ago.\nSecond paragraph.")
    article = run_json(capsys, "show", str(hit["id"]), "--json", *env)
    assert article["text"].startswith("Aid talks") and article["read"] is False


def test_show_never_prints_escape_sequences(
    env: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    [hit] = run_json(capsys, "search", "harbour", "--json", *env)
    assert run(["show", str(hit["id"]), *env]) == 0
    assert "\x1b" not in capsys.readouterr().out


def test_mark_read(env: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["mark-read", "--topic", "Ukraine aid", "missiles", *env]) == 0
    assert capsys.readouterr().out.strip() == "Marked 1 article read."
    topics = run_json(capsys, "topics", "--json", *env)
    assert topics[0]["unread"] == 1
    assert run_json(capsys, "mark-read", "--json", *env) == {"marked": 3}
    assert run_json(capsys, "search", "is:unread", "--json", *env) == []
    assert run_json(capsys, "mark-read", "--unread", "aid", "--json", *env) == {"marked": 1}
