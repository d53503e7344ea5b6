"""Articles and feeds in the database: upserts, read and starred state, pages of articles.

The poller writes through `ingest`; the dashboard and the command line read pages and
counts and flip read/starred flags. Every method turns sqlite3 errors into the domain
errors of storage/db.py.
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from storage import db
from storage.config import FeedConfig, TopicConfig
from storage.story_match import lead_of

if TYPE_CHECKING:
    from storage.fulltext import FullTextResult
    from storage.highlight import Highlighted
    from storage.listing import PageCache, SearchResult, TopicInfo, View
    from storage.stories import StoryRow

HASH_CHANGE_LIMIT = 24  # a feed that rewrites an entry on every fetch stops costing index work


class EntryLike(Protocol):
    """What the store needs of a parsed entry (storage.parse.Entry)."""

    guid: str
    url: str | None
    title: str
    author: str
    published: int | None
    updated: int | None
    summary: str
    text: str
    html: str


@dataclass(frozen=True, slots=True)
class Feed:
    id: int
    url: str
    config_url: str | None
    title: str | None
    site_url: str | None
    etag: str | None
    last_modified: str | None
    body_hash: str | None
    state: str
    interval_s: int | None
    next_poll_at: int | None
    retry_until: int | None
    last_polled_at: int | None
    last_ok_at: int | None
    last_status: int | None
    last_error: str | None
    warning: str | None
    error_count: int
    added_at: int
    # How often it is polled when all is well (storage/adaptive.py); None until polled.
    effective_interval_s: int | None = None
    full_text: bool = False  # fetch each new article's page (storage/fulltext.py)

    def __post_init__(self) -> None:
        # SQLite hands back 0/1; a dataclass that says bool should hold one.
        object.__setattr__(self, "full_text", bool(self.full_text))

    @property
    def name(self) -> str:
        return self.title or self.url


@dataclass(frozen=True, slots=True)
class ArticleRow:
    """What a list row needs; no article body."""

    id: int
    feed_id: int
    feed: str
    title: str
    url: str | None
    author: str
    published: int
    read: bool
    starred: bool


@dataclass(frozen=True, slots=True)
class Article:
    id: int
    feed_id: int
    feed: str
    guid: str
    url: str | None
    title: str
    author: str
    published: int
    updated: int | None
    summary: str
    text: str
    html: str
    markdown: str | None
    first_seen: int
    read: bool
    starred: bool


@dataclass(frozen=True, slots=True)
class IngestResult:
    new_ids: tuple[int, ...]
    updated_ids: tuple[int, ...]
    grouped: bool = False  # the new articles were inserted with their stories


UPSERT = """
INSERT INTO articles (feed_id, guid, url, title, author, published, updated, summary, text,
                      html, content_hash, first_seen, story_id, fingerprint)
VALUES (:feed_id, :guid, :url, :title, :author, coalesce(:published, :now), :updated, :summary,
        :text, :html, :hash, :now,
        -- a story of its own: the id this row is about to get (upsert_entries checks)
        CASE WHEN :own THEN (SELECT ifnull(max(id), 0) + 1 FROM articles) ELSE :story END,
        :fingerprint)
ON CONFLICT (feed_id, guid) DO UPDATE SET
  url = excluded.url, title = excluded.title, author = excluded.author,
  published = coalesce(:published, articles.published), updated = excluded.updated,
  summary = excluded.summary, text = excluded.text, html = excluded.html, markdown = NULL,
  content_hash = excluded.content_hash, hash_changes = articles.hash_changes + 1
WHERE articles.content_hash IS NOT excluded.content_hash
  AND articles.hash_changes < :limit
RETURNING id, hash_changes, story_id
"""


def content_hash(entry: EntryLike) -> str:
    """Hash of what a reader sees; volatile dates are left out on purpose."""
    h = hashlib.blake2b(digest_size=16)
    for part in (entry.title, entry.author, entry.url or "", entry.html or entry.text):
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    return h.hexdigest()


def upsert_entries(
    conn: sqlite3.Connection,
    feed_id: int,
    entries: Iterable[EntryLike],
    now: int,
    known: Mapping[tuple[str, str], Any] | None = None,
    stories: bool = True,
) -> IngestResult:
    """Insert new entries, update changed ones in place; unchanged ones cost no writes.
    New articles are inserted with their story id (storage/stories.py), so grouping
    does not write the row twice; `known`: their story terms, if worked out already
    (ParsedFeed.story_features). `stories` False: none yet (see after_ingest).

    Call inside a write transaction, then after_ingest.
    """
    from storage import stories as grouping  # it reads this module's rows

    unique: dict[str, EntryLike] = {}
    for entry in entries:
        unique.setdefault(entry.guid, entry)  # a guid twice in one feed: the first wins
    absent = _absent(conn, feed_id, list(unique)) if stories and grouping.GROUPING else set()
    picker = grouping.StoryPicker(conn, known, articles=len(absent)) if absent else None
    new: list[int] = []
    updated: list[int] = []
    params: dict[str, Any] = {"feed_id": feed_id, "now": now, "limit": HASH_CHANGE_LIMIT}
    with picker or nullcontext():
        # Every story first, then every row: a lookup between two inserts is slower.
        picked: dict[str, tuple[int | None, Any, int]] = {}  # guid: story, terms, time
        for guid, e in unique.items():
            if picker is not None and guid in absent:
                published = now if e.published is None else e.published
                story, found = picker.pick(feed_id, e.title, lead_of(e.summary, e.text), published)
                picked[guid] = (story, found, published)
        for guid, entry in unique.items():
            story, found, published = picked.get(guid, (None, None, now))
            params.update(
                guid=guid,
                url=entry.url,
                title=entry.title,
                author=entry.author,
                published=entry.published,
                updated=entry.updated,
                summary=entry.summary,
                text=entry.text,
                html=entry.html,
                hash=content_hash(entry),
                own=found is not None and story is None,
                story=story,
                fingerprint=None if found is None else found[0],
            )
            row = conn.execute(UPSERT, params).fetchone()
            if row is None:
                continue
            article_id, changes, story_id = row
            if changes:
                updated.append(article_id)
                continue
            new.append(article_id)
            if picker is not None and found is not None:
                if story is None and story_id != article_id:  # not the id foreseen
                    story_id = article_id
                    conn.execute("UPDATE articles SET story_id = id WHERE id = ?", (article_id,))
                picker.add(article_id, feed_id, published, story_id, found)
    return IngestResult(tuple(new), tuple(updated), grouped=picker is not None)


def _absent(conn: sqlite3.Connection, feed_id: int, guids: list[str]) -> set[str]:
    """Those of a feed's guids it has no article for yet."""
    absent = set(guids)
    if (
        conn.execute("SELECT 1 FROM articles WHERE feed_id = ? LIMIT 1", (feed_id,)).fetchone()
        is None
    ):
        return absent  # a feed's first poll: nothing to look up
    for start in range(0, len(guids), 500):
        part = guids[start : start + 500]
        marks = ",".join("?" * len(part))
        sql = f"SELECT guid FROM articles WHERE feed_id = ? AND guid IN ({marks})"
        absent.difference_update(r[0] for r in conn.execute(sql, [feed_id, *part]))
    return absent


_FEED_COLUMNS = ", ".join(Feed.__slots__)  # type: ignore[attr-defined]
_ROW_SELECT = """
SELECT a.id, a.feed_id, coalesce(f.title, f.url) AS feed, a.title, a.url, a.author,
       a.published, a.read, a.starred
FROM articles a JOIN feeds f ON f.id = a.feed_id
"""


class Store:
    """A handle on one database file. Not shared between threads: open one per thread."""

    def __init__(self, path: Path | str, *, readonly: bool = False) -> None:
        self.path = Path(path)
        self.conn = db.connect(self.path, readonly=readonly)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _errors(self) -> AbstractContextManager[None]:
        return db.errors_as_storage(self.path)

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        return db.write_transaction(self.conn)

    # -- feeds -------------------------------------------------------------------------

    def sync_feeds(self, feeds: Sequence[FeedConfig], now: int | None = None) -> None:
        """Make the feeds table match the config: add new feeds, carry titles, intervals
        and enabled flags. Feeds no longer in the config are paused, their articles kept."""
        now = int(time.time()) if now is None else now
        with self._errors():
            if self._feeds_in_sync(feeds):
                # Nothing to change: take no write lock, so `newsdeck search` and the
                # dashboard start at once while another program holds one.
                return
        with self._errors(), self.transaction() as conn:
            known = {
                row["config_url"] or row["url"]: row
                for row in conn.execute("SELECT id, url, config_url, state FROM feeds")
            }
            wanted: set[int] = set()
            for feed in feeds:
                row = known.get(feed.url)
                if row is None:
                    by_url = conn.execute(
                        "SELECT id, url, config_url, state FROM feeds WHERE url = ?", (feed.url,)
                    ).fetchone()
                    row = by_url
                if row is None:
                    cur = conn.execute(
                        "INSERT INTO feeds (url, config_url, title, interval_s, state, added_at,"
                        " full_text) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (
                            feed.url,
                            feed.url,
                            feed.title,
                            feed.interval,
                            "active" if feed.enabled else "paused",
                            now,
                            int(feed.full_text),
                        ),
                    )
                    wanted.add(int(cur.lastrowid or 0))
                    continue
                wanted.add(row["id"])
                state = row["state"]
                if not feed.enabled:
                    state = "paused"
                elif state == "paused":
                    state = "active"
                conn.execute(
                    "UPDATE feeds SET title = coalesce(?, title), interval_s = ?, state = ?,"
                    " config_url = ?, full_text = ? WHERE id = ?",
                    (feed.title, feed.interval, state, feed.url, int(feed.full_text), row["id"]),
                )
            for row in known.values():
                if row["id"] not in wanted and row["state"] == "active":
                    conn.execute("UPDATE feeds SET state = 'paused' WHERE id = ?", (row["id"],))

    def _feeds_in_sync(self, feeds: Sequence[FeedConfig]) -> bool:
        """Whether sync_feeds would leave every row as it is (the same rules, read only)."""
        known = {
            row["config_url"] or row["url"]: row
            for row in self.conn.execute(
                "SELECT url, config_url, title, interval_s, state, full_text FROM feeds"
            )
        }
        wanted = set()
        for feed in feeds:
            row = known.get(feed.url)
            if row is None or row["config_url"] != feed.url:
                return False
            state = row["state"]
            if not feed.enabled:
                state = "paused"
            elif state == "paused":
                state = "active"
            if (
                (feed.title is not None and row["title"] != feed.title)
                or row["interval_s"] != feed.interval
                or row["state"] != state
                or row["full_text"] != int(feed.full_text)
            ):
                return False
            wanted.add(feed.url)
        return all(key in wanted or row["state"] != "active" for key, row in known.items())

    def feeds(self) -> list[Feed]:
        with self._errors():
            rows = self.conn.execute(f"SELECT {_FEED_COLUMNS} FROM feeds ORDER BY id").fetchall()
        return [Feed(*row) for row in rows]

    def feed(self, feed_id: int) -> Feed:
        with self._errors():
            row = self.conn.execute(
                f"SELECT {_FEED_COLUMNS} FROM feeds WHERE id = ?", (feed_id,)
            ).fetchone()
        if row is None:
            raise db.NotFound(f"no feed with id {feed_id}")
        return Feed(*row)

    def set_feed_state(self, feed_id: int, state: str) -> None:
        """Pause, resume or revive a feed; resuming makes it due now."""
        if state not in ("active", "paused", "gone"):
            raise ValueError(state)
        with self._errors(), self.transaction() as conn:
            conn.execute(
                "UPDATE feeds SET state = ?,"
                " next_poll_at = CASE WHEN ? = 'active' THEN NULL ELSE next_poll_at END,"
                " error_count = CASE WHEN ? = 'active' THEN 0 ELSE error_count END"
                " WHERE id = ?",
                (state, state, state, feed_id),
            )

    def article_counts_by_feed(self) -> dict[int, int]:
        with self._errors():
            rows = self.conn.execute(
                "SELECT feed_id, count(*) FROM articles GROUP BY feed_id"
            ).fetchall()
        return {feed_id: n for feed_id, n in rows}

    # -- articles ------------------------------------------------------------------------

    def ingest(
        self,
        feed_id: int,
        entries: Iterable[EntryLike],
        now: int | None = None,
        story_features: Mapping[tuple[str, str], Any] | None = None,
    ) -> IngestResult:
        """Store one feed's entries in one transaction (topic membership included).
        `story_features`: their story terms, if worked out already (see after_ingest)."""
        now = int(time.time()) if now is None else now
        entries = list(entries)
        with self._errors(), self.transaction() as conn:
            result = upsert_entries(conn, feed_id, entries, now, story_features)
            after_ingest(conn, result, story_features)
        return result

    def article(self, article_id: int) -> Article:
        with self._errors():
            row = self.conn.execute(
                "SELECT a.id, a.feed_id, coalesce(f.title, f.url), a.guid, a.url, a.title,"
                " a.author, a.published, a.updated, a.summary, a.text, a.html, a.markdown,"
                " a.first_seen, a.read, a.starred"
                " FROM articles a JOIN feeds f ON f.id = a.feed_id WHERE a.id = ?",
                (article_id,),
            ).fetchone()
        if row is None:
            raise db.NotFound(f"no article with id {article_id}")
        values = list(row)
        values[-2:] = [bool(values[-2]), bool(values[-1])]
        return Article(*values)

    def save_markdown(self, article_id: int, markdown: str) -> None:
        """Cache the reader's rendering (made on first open, cleared when the entry changes)."""
        with self._errors(), self.transaction() as conn:
            conn.execute("UPDATE articles SET markdown = ? WHERE id = ?", (markdown, article_id))

    def set_read(self, article_ids: Sequence[int], read: bool = True) -> int:
        """Mark articles read or unread; returns how many changed."""
        return self._set_flag("read", article_ids, read)

    def set_starred(self, article_ids: Sequence[int], starred: bool = True) -> int:
        return self._set_flag("starred", article_ids, starred)

    def _set_flag(self, column: str, article_ids: Sequence[int], value: bool) -> int:
        changed = 0
        with self._errors(), self.transaction() as conn:
            for start in range(0, len(article_ids), 500):
                chunk = list(article_ids[start : start + 500])
                marks = ",".join("?" * len(chunk))
                cur = conn.execute(
                    f"UPDATE articles SET {column} = ? WHERE id IN ({marks}) AND {column} != ?",
                    [int(value), *chunk, int(value)],
                )
                changed += cur.rowcount
        return changed

    def recent(self, limit: int = 50, before: tuple[int, int] | None = None) -> list[ArticleRow]:
        """Newest articles first; `before` is the (published, id) of the last row seen."""
        sql = _ROW_SELECT
        params: list[object] = []
        if before is not None:
            sql += " WHERE (a.published, a.id) < (?, ?)"
            params += list(before)
        sql += " ORDER BY a.published DESC, a.id DESC LIMIT ?"
        params.append(limit)
        with self._errors():
            rows = self.conn.execute(sql, params).fetchall()
        return [row_to_article_row(r) for r in rows]

    def count_articles(self) -> int:
        with self._errors():
            return self.conn.execute("SELECT count(*) FROM articles").fetchone()[0]

    def data_version(self) -> int:
        with self._errors():
            return db.data_version(self.conn)

    # -- topics and lists (storage/topics.py, storage/listing.py) ------------------------

    def sync_topics(self, topics: Sequence[TopicConfig]) -> list[int]:
        """Make the topics table match the config (upsert by name, delete the rest);
        a topic whose query changed is re-matched once. Returns the re-matched ids.
        Raises storage.query.QueryError (naming the topic) for a bad query."""
        from storage import topics as topic_store

        topic_store.check_topics(topics)
        with self._errors():
            current = self.conn.execute(
                "SELECT name, query_hash, key, position FROM topics ORDER BY position, id"
            ).fetchall()
            wanted = [
                (t.name, topic_store.query_hash(t.query), t.key, i) for i, t in enumerate(topics)
            ]
            if [tuple(r) for r in current] == wanted:
                self._sync_queries(topics)
                return []
            with self.transaction() as conn:
                return topic_store.sync_topics(conn, topics)

    def _sync_queries(self, topics: Sequence[TopicConfig]) -> None:
        # Same hashes, maybe different spelling: keep the stored text as written.
        stored = dict(self.conn.execute("SELECT name, query FROM topics").fetchall())
        changed = [(t.query, t.name) for t in topics if stored.get(t.name) != t.query]
        if changed:
            with self.transaction() as conn:
                conn.executemany("UPDATE topics SET query = ? WHERE name = ?", changed)

    def topics(self, now: int | None = None) -> list[TopicInfo]:
        """Every topic in config order with total, unread and new-in-24h counts."""
        from storage import listing

        with self._errors():
            return listing.topics(self.conn, now)

    def topic_daily_counts(
        self, topic_id: int | None, days: int = 30, now: int | None = None
    ) -> list[int]:
        """Articles per UTC day (by publication date) for the last `days` days, oldest
        first; topic_id None counts all articles."""
        from storage import listing

        with self._errors():
            return listing.topic_daily_counts(self.conn, topic_id, days, now)

    def count(self, view: View, now: int | None = None) -> int:
        """How many articles a view holds. Raises QueryError for a bad query."""
        from storage import listing

        with self._errors():
            return listing.count(self.conn, view, now)

    def page(
        self, view: View, offset: int = 0, limit: int = 50, now: int | None = None
    ) -> list[ArticleRow]:
        """Rows `offset` .. `offset + limit` of a view, in the view's order."""
        from storage import listing

        with self._errors():
            return listing.page(self.conn, view, offset, limit, now, self._page_cache())

    def view_terms(self, view: View) -> list[str]:
        """The query's words (lower-case, prefixes ending in *) for highlighting;
        storage.highlight.term_spans(text, terms) finds them in a title."""
        from storage import listing

        return listing.view_terms(view)

    def highlights(
        self, view: View, article_ids: Sequence[int]
    ) -> dict[int, tuple[Highlighted, Highlighted]]:
        """Per article id: (title, text snippet) with the exact FTS5 matches as spans."""
        from storage import listing

        with self._errors():
            return listing.view_highlights(self.conn, view, list(article_ids))

    def search(
        self, view: View, offset: int = 0, limit: int = 50, now: int | None = None
    ) -> list[SearchResult]:
        """A page of a view with highlighted titles, snippets and topic names."""
        from storage import listing

        with self._errors():
            return listing.search(self.conn, view, offset, limit, now, self._page_cache())

    def article_topics(self, article_id: int) -> list[str]:
        """Names of the topics an article belongs to, in config order."""
        from storage import listing

        with self._errors():
            return list(listing.topic_names(self.conn, [article_id]).get(article_id, ()))

    def _page_cache(self) -> PageCache:
        # Created on first use: where the last page of a view ended, for deep scrolling.
        cache = self.__dict__.get("_listing_page_cache")
        if cache is None:
            from storage.listing import PageCache

            cache = self.__dict__["_listing_page_cache"] = PageCache()
        return cache

    def mark_view_read(self, view: View, read: bool = True, now: int | None = None) -> int:
        """Mark every article of a view read (or unread); returns how many changed."""
        from storage import listing

        with self._errors(), self.transaction() as conn:
            return listing.mark_view_read(conn, view, read, now)

    # -- stories: one row per story, each outlet's version (storage/stories.py) ---------

    def story_page(
        self,
        view: View,
        offset: int = 0,
        limit: int = 50,
        now: int | None = None,
        total: int | None = None,
    ) -> list[StoryRow]:
        """Stories `offset` .. `offset + limit` of a view, one row each at its newest
        article's place, with size, sources ("+N sources") and unread count. With the
        view's story count as `total`, pages in its lower half are found from the end."""
        from storage import stories

        if total is not None and view.sort == "new" and offset > total // 2:
            with self._errors():
                return stories.story_page_from_end(self.conn, view, offset, limit, total, now)

        cache = self.__dict__.get("_story_page_cache")
        if cache is None:
            from storage.listing import PageCache

            cache = self.__dict__["_story_page_cache"] = PageCache()
        with self._errors():
            return stories.story_page(
                self.conn, view, offset, limit, now, cache, self._page_cache()
            )

    def story_count(self, view: View, now: int | None = None) -> int:
        """How many stories a view shows."""
        from storage import stories

        with self._errors():
            return stories.story_count(self.conn, view, now)

    def story_articles(self, story_id: int) -> list[ArticleRow]:
        """A story's articles (each outlet's version), oldest first; any member's id
        finds the whole story."""
        from storage import stories

        with self._errors():
            return stories.story_articles(self.conn, story_id)

    def set_story_read(self, story_id: int, read: bool = True) -> int:
        """Mark every article of a story read (or unread); returns how many changed."""
        from storage import stories

        with self._errors():
            ids = stories.story_article_ids(self.conn, story_id)
        return self.set_read(ids, read)

    # -- full text of articles' pages (fetched by storage/fulltext.py) -------------------

    def save_full_text(
        self,
        article_id: int,
        markdown: str | None,
        text: str | None,
        error: str | None,
        now: int | None = None,
    ) -> None:
        """Store what an article's page gave: Markdown and text, or why it failed.

        A failure keeps an earlier success. A success is indexed for search and the
        article's topics are matched again, in one transaction; the feed's text stays.
        """
        from storage import fulltext

        with self._errors(), self.transaction() as conn:
            fulltext.save(conn, article_id, markdown, text, error, now)

    def full_text(self, article_id: int) -> FullTextResult | None:
        """An article's stored full text (`cached`), or None if its page was never fetched."""
        from storage import fulltext

        with self._errors():
            return fulltext.load(self.conn, article_id)


def row_to_article_row(row: sqlite3.Row | tuple) -> ArticleRow:
    id_, feed_id, feed, title, url, author, published, read, starred = tuple(row)[:9]
    return ArticleRow(id_, feed_id, feed, title, url, author, published, bool(read), bool(starred))


def after_ingest(
    conn: sqlite3.Connection,
    result: IngestResult,
    known: Mapping[tuple[str, str], Any] | None = None,
    stories: bool = True,
) -> None:
    """Keep topic membership and story ids in step with new and changed articles (same
    transaction). `known`: story terms already worked out (ParsedFeed.story_features).
    `stories` False leaves new articles without a story, for the caller to group in a
    later transaction (storage/feed_writer.py does, for bodies it parsed itself)."""
    changed = [*result.new_ids, *result.updated_ids]
    if not changed:
        return
    from storage.stories import assign_stories
    from storage.topics import assign_topics

    assign_topics(conn, changed)
    if stories:
        new_ids = () if result.grouped else result.new_ids
        assign_stories(conn, new_ids, result.updated_ids, known)
