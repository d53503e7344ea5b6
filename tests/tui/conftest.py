"""Dashboard test fixtures: a small fixed database, a fixed clock, a fixed config.

The database is built the way the poller builds it (Store.sync_feeds, Store.ingest,
Store.sync_topics), so the tests exercise real SQL and real topic matching.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pytest
from textual.widgets import Input

from storage.config import Config, FeedConfig, PollSettings, TopicConfig
from storage.store import Store

NOW = 1_800_000_000  # 2027-01-15 08:00 UTC: every age in the tests is relative to this
HOUR = 3600

FEEDS = (
    FeedConfig("https://kyivledger.example/rss", "The Kyiv Ledger"),
    FeedConfig("https://brusselswire.example/feed", "Brussels Wire"),
    FeedConfig("https://northseapost.example/atom", "North Sea Post"),
)
TOPICS = (
    TopicConfig("Ukraine aid", "(ukraine OR kyiv) (aid OR air OR missile* OR artillery)"),
    TopicConfig("EU migration", "(EU OR Brussels) (migration OR asylum OR border*)"),
)
HOSTILE_TITLE = "[bold red]x[/] \\[not markup] [link=https://evil.example]click[/link]"

# (feed index, hours ago, title, read, starred); the text repeats the title plus filler.
ARTICLES: tuple[tuple[int, float, str, bool, bool], ...] = (
    (0, 0.5, "Kyiv receives first air defence systems of the winter aid package", False, True),
    (1, 1, "EU ministers agree asylum screening rules at the external border", False, False),
    (0, 2, "Artillery shell deliveries to Ukraine fall behind schedule", False, False),
    (2, 3, "Harbour strike delays grain shipments across the North Sea", True, False),
    (1, 4, "Brussels proposes new migration partnership with coastal states", False, False),
    (0, 5, "Ukraine missile interceptors run low as attacks intensify", True, False),
    (2, 6, HOSTILE_TITLE, False, False),
    (1, 8, "Border agency reports fewer irregular crossings this autumn", True, False),
    (0, 10, "Kyiv city council opens new metro station after repairs", False, False),
    (2, 12, "Wind farm auction draws record bids from utilities", False, False),
    (1, 20, "EU court rules on asylum appeals deadline", False, True),
    (0, 26, "Ukraine aid conference pledges artillery and demining help", True, False),
    (2, 30, "Ferry operators warn of higher fuel surcharges", True, False),
    (1, 40, "Brussels summit ends without deal on migration quotas", False, False),
    (0, 50, "Air raid sirens sound across Kyiv overnight", True, False),
    (2, 60, "Fishing quotas cut for the third year running", False, False),
    (1, 75, "Commission unveils plan to speed up border checks", True, False),
    (0, 90, "Volunteers repair power lines in eastern Ukraine", False, False),
    (2, 110, "Port authority approves dredging of the main channel", True, False),
    (1, 130, "EU migration pact enters its second phase", False, False),
    (0, 160, "Ukraine receives missile parts from a new supplier", False, False),
    (2, 200, "Rail link between two harbour towns reopens", True, False),
    (1, 250, "Asylum offices hire extra staff in three member states", False, False),
    (0, 300, "Kyiv marks the anniversary of the aid corridor", True, False),
)


@dataclass(frozen=True)
class Entry:
    guid: str
    url: str | None
    title: str
    author: str
    published: int | None
    updated: int | None
    summary: str
    text: str
    html: str


def entry(i: int, hours_ago: float, title: str, *, now: int = NOW) -> Entry:
    body = (
        f"<p>{title}. Officials said more details would follow later in the week.</p>"
        f'<p>Read the <a href="https://example.org/more/{i}">background notes</a>'
        " for the earlier decisions.</p>"
    )
    return Entry(
        guid=f"a{i}",
        url=f"https://news.example/{i}",
        title=title,
        author=f"Reporter {i % 4}",
        published=int(now - hours_ago * HOUR),
        updated=None,
        summary=title,
        text=f"{title}. Officials said more details would follow later in the week.",
        html=body,
    )


def make_config(path: Path | None = None, **keys: str) -> Config:
    return Config(
        poll=PollSettings(interval=3600),
        feeds=FEEDS,
        topics=TOPICS,
        keys=tuple(keys.items()),
        path=path,
        exists=path is not None,
    )


def build_db(path: Path, articles=ARTICLES, *, now: int = NOW) -> Path:
    with Store(path) as store:
        store.sync_feeds(FEEDS, now=now)
        store.sync_topics(TOPICS)
        feed_ids = [f.id for f in store.feeds()]
        by_feed: dict[int, list[Entry]] = {}
        flags: list[tuple[int, bool, bool]] = []
        for i, (feed, hours, title, read, starred) in enumerate(articles):
            by_feed.setdefault(feed, []).append(entry(i, hours, title, now=now))
            flags.append((i, read, starred))
        ids: dict[str, int] = {}
        for feed, entries in by_feed.items():
            result = store.ingest(feed_ids[feed], entries, now=now)
            ids.update(zip((e.guid for e in entries), result.new_ids, strict=True))
        store.set_read([ids[f"a{i}"] for i, read, _ in flags if read])
        store.set_starred([ids[f"a{i}"] for i, _, starred in flags if starred])
        with store.transaction() as conn:  # polled an hour ago, one feed failing
            conn.execute("UPDATE feeds SET last_polled_at = ?, last_status = 200", (now - HOUR,))
            conn.execute(
                "UPDATE feeds SET error_count = 3, last_status = 503,"
                " last_error = 'HTTP 503 Service Unavailable' WHERE id = ?",
                (feed_ids[2],),
            )
    return path


# One story, three outlets (one per feed): the list shows it once, "+2 sources".
STORY = (
    (
        0,
        2.5,
        "Germany to deliver two more Patriot systems to Ukraine",
        "German Defence Minister Katrin Vollmer said on Tuesday that Berlin would hand over"
        " two additional Patriot air defence systems to Ukraine within three months. The"
        " package, worth about 2 billion euros, also includes 600 interceptor missiles.",
    ),
    (
        1,
        2.2,
        "Berlin pledges extra Patriot batteries as Kyiv braces for winter strikes",
        "Ukraine will receive two further Patriot batteries from Germany before the end of"
        " the year, Katrin Vollmer announced. Kyiv has asked its allies for more air defence"
        " ahead of expected Russian attacks on power plants.",
    ),
    (
        2,
        2.8,
        "Vollmer: Germany sends Ukraine two Patriot systems and 600 interceptors",
        "Berlin will give Ukraine two more Patriot air defence systems within three months,"
        " Defence Minister Katrin Vollmer said on Tuesday, in a package worth 2 billion euros"
        " that includes 600 interceptor missiles.",
    ),
)


def build_story_db(path: Path, *, now: int = NOW) -> Path:
    """The usual database plus STORY: three outlets' versions of one event."""
    from dataclasses import replace

    build_db(path, now=now)
    with Store(path) as store:
        feed_ids = [f.id for f in store.feeds()]
        for n, (feed, hours, title, lead) in enumerate(STORY):
            version = replace(entry(100 + n, hours, title, now=now), summary=lead)
            store.ingest(feed_ids[feed], [version], now=now)
    return path


@pytest.fixture
def story_db(tmp_path: Path) -> Path:
    return build_story_db(tmp_path / "stories.db")


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return build_db(tmp_path / "news.db")


@pytest.fixture
def empty_db(tmp_path: Path) -> Path:
    path = tmp_path / "empty.db"
    with Store(path) as store:
        store.sync_feeds(FEEDS, now=NOW)
        store.sync_topics(TOPICS)
    return path


@pytest.fixture(autouse=True)
def no_cursor_blink(monkeypatch: pytest.MonkeyPatch) -> None:
    """A blinking cursor makes snapshots flaky."""
    monkeypatch.setattr(Input, "_toggle_cursor", lambda self: None, raising=False)


@pytest.fixture(autouse=True)
def no_browser(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests run as over SSH: no display, no browser."""
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "BROWSER"):
        monkeypatch.delenv(name, raising=False)


def screen_text(app) -> str:
    """The characters on screen, line by line (what a user reads)."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def clock() -> Callable[[], float]:
    return lambda: float(NOW)


def make_app(db: Path, config: Config | None = None, **kwargs):
    from tui.app import NewsdeckApp

    kwargs.setdefault("auto_poll", False)
    kwargs.setdefault("watch_interval", 3600.0)
    return NewsdeckApp(config or make_config(), db, now=clock(), **kwargs)


async def settle(pilot, app) -> None:
    """Wait until every worker is done and every message handled."""
    for _ in range(50):
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        # A worker's last message (e.g. a screen's "loaded") may still be queued.
        queued = any(not node._message_queue.empty() for node in (app, app.screen))
        if not queued and not any(w.is_running for w in app.workers):
            return


@pytest.fixture
def kit() -> SimpleNamespace:
    """The helpers above, for test modules (they cannot import a conftest)."""
    return SimpleNamespace(
        NOW=NOW,
        HOUR=HOUR,
        ARTICLES=ARTICLES,
        HOSTILE_TITLE=HOSTILE_TITLE,
        FEEDS=FEEDS,
        TOPICS=TOPICS,
        entry=entry,
        build_db=build_db,
        build_story_db=build_story_db,
        STORY=STORY,
        make_config=make_config,
        make_app=make_app,
        settle=settle,
        screen_text=screen_text,
    )
