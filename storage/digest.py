"""The digest: each topic's new articles, grouped by story, as Markdown, HTML or JSON.

"New" means first seen (stored by the poller) at or after `since`, so a digest run every
morning covers what arrived since the last one, whatever dates the feeds gave. Articles
of one story (same `articles.story_id`, assigned at ingest by the story grouping) form
one entry listing every outlet's version; an article without a story id is a story of
its own. Biggest stories come first.

Titles, feed names and links come from feeds and are hostile: the HTML output escapes
every one of them and links only http(s) URLs; the Markdown output escapes the
characters that would make markup (link brackets included) and percent-encodes the
ones that would end a link.
"""

from __future__ import annotations

import html
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from storage import db
from storage.store import Store

FORMATS = ("md", "html", "json")
MAX_ARTICLES = 2000  # per topic: a digest over months must not load the whole database


@dataclass(frozen=True, slots=True)
class DigestArticle:
    id: int
    title: str
    feed: str
    url: str | None
    published: int


@dataclass(frozen=True, slots=True)
class DigestStory:
    title: str  # the title of its earliest article
    articles: tuple[DigestArticle, ...]  # oldest first: who had it first leads

    @property
    def sources(self) -> list[str]:
        return list(dict.fromkeys(a.feed for a in self.articles))


@dataclass(frozen=True, slots=True)
class DigestTopic:
    name: str
    stories: tuple[DigestStory, ...]
    truncated: bool = False  # more than MAX_ARTICLES were new; the newest are shown

    @property
    def article_count(self) -> int:
        return sum(len(s.articles) for s in self.stories)


@dataclass(frozen=True, slots=True)
class Digest:
    generated: int
    since: int
    topics: tuple[DigestTopic, ...]


def build_digest(
    store: Store,
    since: int,
    topic_ids: Sequence[int] | None = None,
    now: int | None = None,
    max_articles: int = MAX_ARTICLES,
) -> Digest:
    """The digest of the given topics (all of them, in config order, when None)."""
    now = int(time.time()) if now is None else now
    with db.errors_as_storage(store.path):
        rows = store.conn.execute("SELECT id, name FROM topics ORDER BY position, id").fetchall()
        wanted = None if topic_ids is None else set(topic_ids)
        chosen = [r for r in rows if wanted is None or r[0] in wanted]
        topics = tuple(_topic(store, tid, name, since, max_articles) for tid, name in chosen)
    return Digest(generated=now, since=since, topics=topics)


def _topic(store: Store, topic_id: int, name: str, since: int, limit: int) -> DigestTopic:
    # CROSS JOIN keeps SQLite on the first_seen index: the new articles, then a primary
    # key probe into the topic's membership, not a walk of every member.
    rows = store.conn.execute(
        "SELECT a.id, a.title, coalesce(f.title, f.url), a.url, a.published,"
        " coalesce(a.story_id, a.id)"
        " FROM articles a CROSS JOIN article_topics t ON t.topic_id = ? AND t.article_id = a.id"
        " JOIN feeds f ON f.id = a.feed_id WHERE a.first_seen >= ?"
        " ORDER BY a.published DESC, a.id DESC LIMIT ?",
        (topic_id, since, limit + 1),
    ).fetchall()
    truncated = len(rows) > limit
    groups: dict[int, list[DigestArticle]] = {}
    for row in rows[:limit]:
        groups.setdefault(row[5], []).append(DigestArticle(*row[:5]))
    stories = []
    for articles in groups.values():
        articles.sort(key=lambda a: (a.published, a.id))
        stories.append(DigestStory(articles[0].title, tuple(articles)))
    # Most outlets first; among equals, the most recent news first.
    stories.sort(key=lambda s: (-len(s.articles), -s.articles[-1].published, -s.articles[-1].id))
    return DigestTopic(name, tuple(stories), truncated)


def render(digest: Digest, fmt: str) -> str:
    """The digest as text in one of FORMATS."""
    if fmt == "md":
        return render_markdown(digest)
    if fmt == "html":
        return render_html(digest)
    if fmt == "json":
        return render_json(digest)
    raise ValueError(f"unknown digest format {fmt!r} (use one of: {', '.join(FORMATS)})")


# -- JSON -----------------------------------------------------------------------------


def as_json(digest: Digest) -> dict[str, object]:
    return {
        "generated": iso_utc(digest.generated),
        "since": iso_utc(digest.since),
        "topics": [
            {
                "name": topic.name,
                "stories": [
                    {
                        "title": story.title,
                        "articles": [
                            {
                                "title": a.title,
                                "feed": a.feed,
                                "url": a.url,
                                "published": iso_utc(a.published),
                            }
                            for a in story.articles
                        ],
                    }
                    for story in topic.stories
                ],
            }
            for topic in digest.topics
        ],
    }


def render_json(digest: Digest) -> str:
    return json.dumps(as_json(digest), ensure_ascii=False, indent=2) + "\n"


# -- Markdown -------------------------------------------------------------------------

# Every character that can start or end inline markup, or an HTML tag or entity
# (CommonMark lets any ASCII punctuation be backslash-escaped).
_MD_SPECIAL = set("\\`*_{}[]<>#|~&!")
# What would end or break a link destination: percent-encoded instead.
_URL_ESCAPES = {" ": "%20", "(": "%28", ")": "%29", "<": "%3C", ">": "%3E", "\\": "%5C"}


def md_text(text: str) -> str:
    """Plain text made safe inside Markdown (one line, markup characters escaped)."""
    return "".join("\\" + c if c in _MD_SPECIAL else c for c in one_line(text))


def md_url(url: str) -> str:
    return "".join(_URL_ESCAPES.get(c, c) for c in one_line(url))


def render_markdown(digest: Digest) -> str:
    out = [
        "# newsdeck digest",
        "",
        f"New since {_human(digest.since)} · generated {_human(digest.generated)}",
    ]
    for topic in digest.topics:
        out += ["", f"## {md_text(topic.name)}", "", _counts(topic)]
        if topic.truncated:
            out += ["", f"_Only the newest {topic.article_count} articles are shown._"]
        for story in topic.stories:
            out += ["", f"### {md_text(story.title) or '(untitled)'}", ""]
            for a in story.articles:
                title = md_text(a.title) or "(untitled)"
                link = f"[{title}]({md_url(a.url)})" if _linkable(a.url) else title
                out.append(f"- {md_text(a.feed)}: {link} · {_human(a.published)}")
    return "\n".join(out) + "\n"


# -- HTML -----------------------------------------------------------------------------

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem;"
    "line-height:1.45}h2{border-bottom:1px solid #ccc;margin-top:2rem}"
    "h3{font-size:1.05rem;margin-bottom:.3rem}ul{margin-top:0}.meta,time{color:#666}"
)


def render_html(digest: Digest) -> str:
    e = html.escape
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        '<head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>newsdeck digest {e(_human(digest.generated))}</title>",
        f"<style>{_STYLE}</style></head>",
        "<body>",
        "<h1>newsdeck digest</h1>",
        f'<p class="meta">New since {_time(digest.since)} · generated {_time(digest.generated)}'
        "</p>",
    ]
    for topic in digest.topics:
        out += ["<section>", f"<h2>{e(one_line(topic.name))}</h2>"]
        out.append(f'<p class="meta">{e(_counts(topic).strip("_"))}</p>')
        if topic.truncated:
            out.append(
                f'<p class="meta">Only the newest {topic.article_count} articles are shown.</p>'
            )
        for story in topic.stories:
            out += ["<article>", f"<h3>{e(one_line(story.title)) or '(untitled)'}</h3>", "<ul>"]
            for a in story.articles:
                title = e(one_line(a.title)) or "(untitled)"
                if _linkable(a.url):
                    href = e(one_line(a.url or ""), quote=True)
                    title = f'<a href="{href}" rel="noopener noreferrer">{title}</a>'
                out.append(f"<li>{e(one_line(a.feed))}: {title} {_time(a.published)}</li>")
            out += ["</ul>", "</article>"]
        out.append("</section>")
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"


def _time(timestamp: int) -> str:
    return f'<time datetime="{iso_utc(timestamp)}">{_human(timestamp)}</time>'


# -- shared ---------------------------------------------------------------------------


def _counts(topic: DigestTopic) -> str:
    if not topic.stories:
        return "_No new articles._"
    stories, articles = len(topic.stories), topic.article_count
    return (
        f"{stories} {'story' if stories == 1 else 'stories'}, "
        f"{articles} {'article' if articles == 1 else 'articles'}"
    )


def _linkable(url: str | None) -> bool:
    # javascript:, data: and friends never become links.
    return bool(url) and one_line(url or "").lower().startswith(("http://", "https://"))


def one_line(text: str) -> str:
    """Control characters and line breaks become single spaces."""
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


def iso_utc(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _human(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M UTC")
