"""The offline demo: feeds written for the project, served from files, polled for real.

`build_demo(folder)` writes one feed file per invented outlet (RSS 2.0, one Atom, one
JSON Feed) with dates shifted so the newest article is minutes old, and a config that
points at them with file:// URLs. `open_demo()` then polls them through the real
fetcher, parser and store into a fresh temporary database: nothing is inserted directly.
`start_demo()` does the same poll in a child process, so the dashboard can load Textual
on the other core meanwhile.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from importlib import resources
from pathlib import Path
from xml.sax.saxutils import escape

from storage.config import Config, FeedConfig, PollSettings, TopicConfig
from storage.db import StorageError
from storage.defaults import DEFAULT_TOPICS

ARTICLE_FILES = ("articles_ukraine.json", "articles_migration.json", "articles_other.json")


@dataclass(frozen=True, slots=True)
class Outlet:
    slug: str
    title: str
    site: str
    format: str  # "rss", "atom" or "json"


@dataclass(frozen=True, slots=True)
class DemoArticle:
    id: str
    outlet: str
    title: str
    author: str
    hours_ago: float
    story: str | None
    html: str
    topic: str


def _read_json(name: str) -> dict:
    return json.loads(resources.files(__package__).joinpath(name).read_text("utf-8"))


def load_outlets() -> list[Outlet]:
    return [
        Outlet(o["slug"], o["title"], o["site"], o["format"])
        for o in _read_json("outlets.json")["outlets"]
    ]


def load_articles() -> list[DemoArticle]:
    articles: list[DemoArticle] = []
    for name in ARTICLE_FILES:
        articles.extend(DemoArticle(**a) for a in _read_json(name)["articles"])
    return articles


def _when(article: DemoArticle, now: float) -> datetime:
    return datetime.fromtimestamp(now - article.hours_ago * 3600, tz=UTC).replace(microsecond=0)


def _link(outlet: Outlet, article: DemoArticle) -> str:
    return f"{outlet.site}/news/{article.id}"


def rss_feed(outlet: Outlet, articles: list[DemoArticle], now: float) -> str:
    items = "".join(
        f"""
  <item>
    <title>{escape(a.title)}</title>
    <link>{escape(_link(outlet, a))}</link>
    <guid isPermaLink="false">{escape(a.id)}</guid>
    <dc:creator>{escape(a.author)}</dc:creator>
    <pubDate>{format_datetime(_when(a, now))}</pubDate>
    <description>{escape(a.html)}</description>
  </item>"""
        for a in articles
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel>
  <title>{escape(outlet.title)}</title>
  <link>{escape(outlet.site)}/</link>
  <description>{escape(outlet.title)} (newsdeck demo feed)</description>{items}
</channel>
</rss>
"""


def atom_feed(outlet: Outlet, articles: list[DemoArticle], now: float) -> str:
    updated = max((_when(a, now) for a in articles), default=_when_now(now)).isoformat()
    entries = "".join(
        f"""
  <entry>
    <title>{escape(a.title)}</title>
    <link rel="alternate" href="{escape(_link(outlet, a))}"/>
    <id>tag:{outlet.slug}.example,2026:{escape(a.id)}</id>
    <author><name>{escape(a.author)}</name></author>
    <published>{_when(a, now).isoformat()}</published>
    <updated>{_when(a, now).isoformat()}</updated>
    <content type="html">{escape(a.html)}</content>
  </entry>"""
        for a in articles
    )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>{escape(outlet.title)}</title>
  <link rel="alternate" href="{escape(outlet.site)}/"/>
  <id>tag:{outlet.slug}.example,2026:feed</id>
  <updated>{updated}</updated>{entries}
</feed>
"""


def _when_now(now: float) -> datetime:
    return datetime.fromtimestamp(now, tz=UTC).replace(microsecond=0)


def json_feed(outlet: Outlet, articles: list[DemoArticle], now: float) -> str:
    return json.dumps(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "title": outlet.title,
            "home_page_url": f"{outlet.site}/",
            "items": [
                {
                    "id": a.id,
                    "url": _link(outlet, a),
                    "title": a.title,
                    "content_html": a.html,
                    "date_published": _when(a, now).isoformat(),
                    "authors": [{"name": a.author}],
                }
                for a in articles
            ],
        },
        ensure_ascii=False,
        indent=1,
    )


WRITERS = {"rss": (rss_feed, "xml"), "atom": (atom_feed, "atom"), "json": (json_feed, "json")}


def build_demo(folder: Path, now: float | None = None) -> Config:
    """Write the demo feeds into `folder` and return a config that polls them."""
    now = time.time() if now is None else now
    folder.mkdir(parents=True, exist_ok=True)
    articles = load_articles()
    feeds = []
    for outlet in load_outlets():
        mine = sorted((a for a in articles if a.outlet == outlet.slug), key=lambda a: a.hours_ago)
        write, suffix = WRITERS[outlet.format]
        path = folder / f"{outlet.slug}.{suffix}"
        path.write_text(write(outlet, mine, now), encoding="utf-8")
        feeds.append(FeedConfig(url=path.as_uri(), title=outlet.title))
    return Config(
        poll=PollSettings(interval=3600),
        feeds=tuple(feeds),
        topics=tuple(TopicConfig(name=n, query=q) for n, q in DEFAULT_TOPICS),
        path=folder / "config.toml",
        exists=False,
    )


def open_demo(folder: Path | None = None) -> tuple[Config, Path]:
    """Build the demo in a temporary folder and poll it into a fresh database there."""
    folder = folder or Path(tempfile.mkdtemp(prefix="newsdeck-demo-"))
    config = build_demo(folder / "feeds")
    db_path = folder / "demo.db"
    _poll_demo(db_path, config)
    return config, db_path


class DemoError(StorageError):
    """The demo poll failed; the message says why."""


def start_demo(folder: Path | None = None) -> tuple[Config, Path, Callable[[], None]]:
    """Begin `open_demo` in a forked child; call the returned function to wait for it.

    Forking happens before any thread exists here, so the child is a plain copy of this
    process. Where there is no fork (Windows), the poll runs right away instead.
    """
    folder = folder or Path(tempfile.mkdtemp(prefix="newsdeck-demo-"))
    config = build_demo(folder / "feeds")
    db_path = folder / "demo.db"
    if not hasattr(os, "fork"):
        _poll_demo(db_path, config)
        return config, db_path, lambda: None
    failure = folder / "demo-error.txt"
    pid = os.fork()
    if pid == 0:  # the child: poll, say what went wrong if anything did, never return
        code = 1
        try:
            _poll_demo(db_path, config)
            code = 0
        except BaseException as exc:  # reported through the file, read by wait()
            failure.write_text(f"{type(exc).__name__}: {exc}", encoding="utf-8")
        finally:
            os._exit(code)

    def wait() -> None:
        _, status = os.waitpid(pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            why = failure.read_text("utf-8") if failure.exists() else "it was stopped"
            raise DemoError(f"the demo poll failed: {why}")

    return config, db_path, wait


def _poll_demo(db_path: Path, config: Config) -> None:
    from storage.poller import poll_once

    poll_once(db_path, config, force=True)
