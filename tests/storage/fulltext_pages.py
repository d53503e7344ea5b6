"""The pages full-text tests read, and what each must give: shared by test_fulltext*.py.

The pages in tests/storage/pages carry what news pages carry around an article
(navigation, cookie banners, ads, newsletter boxes, "read also" links, related-article
teasers, comments, footers). The article's own paragraphs are found in each page by
an XPath (ARTICLES); the strings in BOILERPLATE must never come out.
"""

from __future__ import annotations

import email.utils
from dataclasses import dataclass
from pathlib import Path

from feedserver import Reply
from lxml import html as lxml_html

from storage.config import Config, FeedConfig, PollSettings
from storage.store import Store

PAGES = Path(__file__).parent / "pages"
CONFIG = Config(poll=PollSettings(timeout=3.0), exists=True)

# Where each page keeps its article's paragraphs, and how it is encoded.
ARTICLES = {
    "semantic": ("//article/p[not(@class)]", "utf-8"),
    "divsoup": ("//div[@class='story-text']/p", "utf-8"),
    "aggregator": ("//div[@class='article-content']/p", "utf-8"),
    "cp1252": ("//div[@class='article']/p", "cp1252"),
}
BOILERPLATE = {
    "semantic": [
        "We use cookies", "Accept all", "Subscribe from", "Search the Ledger",
        "markets open lower", "Advertisement", "Fly to the islands", "Europe briefing",
        "five stories", "Border checks extended", "Asylum backlog", "price of solidarity",
        "Most read", "Ferry strike", "Heatwave records", "Night trains", "All rights reserved",
        "Privacy policy", "Share this article", "Arrivals at southern ports", "Topics:",
    ],
    "divsoup": [
        "Log in", "E-paper", "Compare energy tariffs", "Share on social media", "Read also",
        "Drone factory", "Tags:", "nordlys_77", "whole autumn", "generators matter more",
        "logged in", "Housing prices", "Ski jumping", "ferry timetable", "Winter tyres",
        "Light snow", "Editor in chief", "Copyright 2025",
    ],
    "aggregator": [
        "For you", "Get the app", "uses cookies", "Hashtags", "#grain", "Try Our AI Features",
        "Newsfold AI", "No comments yet", "Related Articles", "tariff-free quotas",
        "Diplomats say", "war-risk premiums", "brokers said", "single booking system",
        "freight companies", "About Newsfold", "Help centre", "3 hours ago",
    ],
    "cp1252": ["Wir verwenden Cookies", "Abo bestellen", "Mehr aus der Stadt", "Velowege",
               "Impressum"],
}  # fmt: skip


def page_bytes(name: str) -> bytes:
    return (PAGES / f"{name}.html").read_bytes()


def article_paragraphs(name: str) -> list[str]:
    xpath, encoding = ARTICLES[name]
    tree = lxml_html.fromstring(page_bytes(name).decode(encoding))
    return [" ".join("".join(p.itertext()).split()) for p in tree.xpath(xpath)]


def page_title(name: str) -> str:
    """The title a feed would give: the page's <h1>, else its <title> without the site."""
    tree = lxml_html.fromstring(page_bytes(name).decode(ARTICLES.get(name, ("", "utf-8"))[1]))
    headings = tree.xpath("//h1")
    if headings:
        return " ".join("".join(headings[0].itertext()).split())
    return tree.findtext(".//title").rsplit(" - ", 1)[0]


def html_reply(body: bytes, content_type: str = "text/html; charset=utf-8") -> Reply:
    return Reply(headers={"Content-Type": content_type}, body=body)


def rss_reply(body: bytes) -> Reply:
    return Reply(headers={"Content-Type": "application/rss+xml"}, body=body)


@dataclass
class Entry:
    guid: str
    url: str | None
    title: str
    text: str = "Only the first lines of the story are in the feed."
    author: str = ""
    published: int | None = None
    updated: int | None = None
    summary: str = ""
    html: str = ""


def add_article(db_path: Path, url: str | None, title: str = "A story", guid: str = "1") -> int:
    with Store(db_path) as store:
        store.sync_feeds([FeedConfig(url="http://feeds.example/feed.xml")])
        feed_id = store.feeds()[0].id
        result = store.ingest(feed_id, [Entry(guid, url, title, html="<p>Feed lead.</p>")])
    return result.new_ids[0]


def paragraphs_of(text: str) -> list[str]:
    return [" ".join(p.split()) for p in text.split("\n\n") if p.strip()]


def rss_linking(items: list[tuple[str, str]]) -> bytes:
    """A feed of summaries; the first item is the newest (an hour between items)."""
    body = "".join(
        f"<item><guid>{guid}</guid><title>Story {guid}</title><link>{link}</link>"
        f"<pubDate>{email.utils.formatdate(1_793_000_000 - i * 3600, usegmt=True)}</pubDate>"
        "<description>Only the lead is in the feed.</description></item>"
        for i, (guid, link) in enumerate(items)
    )
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Summaries only</title>'
        f"<link>http://127.0.0.1/</link>{body}</channel></rss>"
    ).encode()
