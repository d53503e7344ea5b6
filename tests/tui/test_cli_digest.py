"""`newsdeck digest` against real files: stories grouped across outlets, the three formats,
hostile titles kept inert, --topic/--since/--out, and one-line errors with exit code 2."""

from __future__ import annotations

import html.parser
import json
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from storage.config import FeedConfig
from storage.store import Store
from tui.cli import run

NOW = int(time.time())
HOUR = 3600
KYIV = "https://kyiv.example/rss"
WIRE = "https://wire.example/rss"
CONFIG = f"""
[[feeds]]
url = "{KYIV}"
title = "Kyiv Daily"

[[feeds]]
url = "{WIRE}"
title = "Wire [Service]"

[[topics]]
name = "Ukraine aid"
query = "ukraine"

[[topics]]
name = "EU migration"
query = "asylum"

[[topics]]
name = "Sport"
query = "football"
"""
HOSTILE = 'Ukraine <script>alert(1)</script> [click](javascript:alert(2)) & "more" *now*'


@dataclass(frozen=True)
class Entry:
    guid: str
    title: str
    url: str | None
    published: int
    author: str = ""
    updated: int | None = None
    summary: str = ""
    text: str = ""
    html: str = ""


@pytest.fixture
def env(tmp_path: Path) -> list[str]:
    config = tmp_path / "config.toml"
    config.write_text(CONFIG)
    database = tmp_path / "news.db"
    with Store(database) as store:
        store.sync_feeds([FeedConfig(url=KYIV, title="Kyiv Daily"), FeedConfig(url=WIRE)])
        kyiv, wire = (f.id for f in store.feeds())
        store.ingest(
            kyiv,
            [
                Entry(
                    "k1", "Ukraine gets Patriot batteries", "https://kyiv.example/1", NOW - 5 * HOUR
                ),
                Entry("k2", HOSTILE, "javascript:alert(3)", NOW - 2 * HOUR),
                Entry("k3", "EU asylum pact signed", "https://kyiv.example/3", NOW - 3 * HOUR),
            ],
            now=NOW - HOUR,
        )
        store.ingest(
            wire,
            [
                Entry(
                    "w1",
                    "Patriots for Ukraine, allies say",
                    "https://wire.example/a?x=(1)",
                    NOW - 4 * HOUR,
                ),
                Entry(
                    "w2",
                    "Ukraine story seen two days ago",
                    "https://wire.example/b",
                    NOW - 50 * HOUR,
                ),
            ],
            now=NOW - 49 * HOUR,
        )
        # Same story, two outlets (the story grouping sets this at ingest).
        store.conn.execute(
            "UPDATE articles SET story_id = (SELECT id FROM articles WHERE guid = 'k1')"
            " WHERE guid IN ('k1', 'w1')"
        )
        # w1 arrived in the last day even though its feed was first read earlier.
        store.conn.execute("UPDATE articles SET first_seen = ? WHERE guid = 'w1'", (NOW - HOUR,))
        store.conn.commit()
    return ["--config", str(config), "--db", str(database)]


def digest(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert run(["digest", *argv]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    return captured.out


def test_json_groups_new_articles_by_story(env: list[str], capsys) -> None:
    data = json.loads(digest(capsys, "--format", "json", *env))
    assert set(data) == {"generated", "since", "topics"}
    assert data["generated"].endswith("Z") and data["since"] < data["generated"]
    assert [t["name"] for t in data["topics"]] == ["Ukraine aid", "EU migration", "Sport"]
    ukraine, eu, sport = data["topics"]
    assert set(ukraine) == {"name", "stories"}
    # The two-outlet story first, its earliest article's title leading; the two-day-old
    # article (first seen 49 h ago) is not in a 24 h digest.
    assert [s["title"] for s in ukraine["stories"]] == ["Ukraine gets Patriot batteries", HOSTILE]
    patriot = ukraine["stories"][0]
    assert set(patriot) == {"title", "articles"}
    assert patriot["articles"] == [
        {
            "title": "Ukraine gets Patriot batteries",
            "feed": "Kyiv Daily",
            "url": "https://kyiv.example/1",
            "published": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(NOW - 5 * HOUR)),
        },
        {
            "title": "Patriots for Ukraine, allies say",
            "feed": "Wire [Service]",
            "url": "https://wire.example/a?x=(1)",
            "published": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(NOW - 4 * HOUR)),
        },
    ]
    assert [s["title"] for s in eu["stories"]] == ["EU asylum pact signed"]
    assert sport["stories"] == []


def test_markdown_escapes_titles_and_links(env: list[str], capsys) -> None:
    out = digest(capsys, *env)  # Markdown is the default
    assert out.startswith("# newsdeck digest\n")
    assert "## Ukraine aid\n\n2 stories, 3 articles\n" in out
    assert "### Ukraine gets Patriot batteries\n" in out
    assert (
        "- Wire \\[Service\\]: [Patriots for Ukraine, allies say](https://wire.example/a?x=%281%29)"
    ) in out
    # The hostile title: every bracket, tag and emphasis marker escaped, and its
    # javascript: link left out.
    escaped = (
        "Ukraine \\<script\\>alert(1)\\</script\\> \\[click\\](javascript:alert(2)) "
        '\\& "more" \\*now\\*'
    )
    assert f"### {escaped}\n" in out
    assert f"- Kyiv Daily: {escaped} · " in out
    assert "javascript:alert(3)" not in out
    assert "## Sport\n\n_No new articles._\n" in out


class _Collector(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.hrefs: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.hrefs += [v or "" for k, v in attrs if k == "href"]

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_is_escaped_and_links_only_http(env: list[str], capsys) -> None:
    out = digest(capsys, "--format", "html", *env)
    page = _Collector()
    page.feed(out)
    assert "script" not in page.tags  # the hostile title stayed text
    assert page.hrefs == [
        "https://kyiv.example/1",
        "https://wire.example/a?x=(1)",
        "https://kyiv.example/3",
    ]
    text = "".join(page.text)
    assert HOSTILE in text and "Wire [Service]" in text and "No new articles." in text
    assert "&lt;script&gt;" in out and "&quot;more&quot;" in out


def test_topic_since_and_out(env: list[str], capsys, tmp_path: Path) -> None:
    target = tmp_path / "digest.json"
    args = ["--topic", "ukraine AID", "--since", "3d", "--format", "json", "--out", str(target)]
    assert digest(capsys, *args, *env) == ""
    data = json.loads(target.read_text(encoding="utf-8"))
    [topic] = data["topics"]
    # Three days back, the article first seen 49 hours ago is in.
    assert [s["title"] for s in topic["stories"]][-1] == "Ukraine story seen two days ago"
    assert len(topic["stories"]) == 3
    # --since also takes a date; nothing has been seen since the far future.
    data = json.loads(digest(capsys, "--since", "2999-01-01", "--format", "json", *env))
    assert all(t["stories"] == [] for t in data["topics"])


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--since", "yesterday"], "bad --since 'yesterday'"),
        (["--topic", "Weather"], "unknown topic 'Weather'"),
        (["--out", "/nonexistent-dir/x.md"], "--out /nonexistent-dir/x.md: cannot write"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    env: list[str], capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert run(["digest", *argv, *env]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("newsdeck: ") and message in captured.err
    assert captured.err.count("\n") == 1
