"""The database schema and its migrations, keyed on PRAGMA user_version.

MIGRATIONS[n] takes a database at version n to n + 1. Each runs inside one
BEGIN IMMEDIATE transaction (see storage/db.py). Times are integer Unix seconds, UTC.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

# The FTS index follows the articles table through these triggers. The update trigger
# names its columns so that marking an article read or starred never touches the index.
FTS_TRIGGERS = """
CREATE TRIGGER IF NOT EXISTS articles_fts_insert AFTER INSERT ON articles BEGIN
  INSERT INTO articles_fts(rowid, title, author, text)
  VALUES (new.id, new.title, new.author, new.text);
END;
CREATE TRIGGER IF NOT EXISTS articles_fts_delete AFTER DELETE ON articles BEGIN
  INSERT INTO articles_fts(articles_fts, rowid, title, author, text)
  VALUES ('delete', old.id, old.title, old.author, old.text);
END;
CREATE TRIGGER IF NOT EXISTS articles_fts_update AFTER UPDATE OF title, author, text ON articles
BEGIN
  INSERT INTO articles_fts(articles_fts, rowid, title, author, text)
  VALUES ('delete', old.id, old.title, old.author, old.text);
  INSERT INTO articles_fts(rowid, title, author, text)
  VALUES (new.id, new.title, new.author, new.text);
END;
"""

SCHEMA_V1 = """
CREATE TABLE feeds (
  id             INTEGER PRIMARY KEY,
  url            TEXT NOT NULL UNIQUE,
  config_url     TEXT,               -- the URL as written in the config, kept after redirects
  title          TEXT,
  site_url       TEXT,
  etag           TEXT,               -- validators exactly as received
  last_modified  TEXT,
  body_hash      TEXT,               -- hash of the last 200 body, to skip re-parsing
  state          TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'paused', 'gone')),
  interval_s     INTEGER,            -- NULL: the [poll] interval
  next_poll_at   INTEGER,            -- NULL: due now
  retry_until    INTEGER,            -- a server's Retry-After: not even a forced poll before
  last_polled_at INTEGER,
  last_ok_at     INTEGER,
  last_status    INTEGER,
  last_error     TEXT,
  warning        TEXT,               -- the parser's note on a broken but readable feed
  error_count    INTEGER NOT NULL DEFAULT 0,
  added_at       INTEGER NOT NULL
);
CREATE INDEX feeds_due ON feeds(next_poll_at) WHERE state = 'active';

CREATE TABLE articles (
  id           INTEGER PRIMARY KEY,
  feed_id      INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
  guid         TEXT NOT NULL,
  url          TEXT,
  title        TEXT NOT NULL DEFAULT '',
  author       TEXT NOT NULL DEFAULT '',
  published    INTEGER NOT NULL,     -- UTC; first_seen when the feed gave none
  updated      INTEGER,
  summary      TEXT NOT NULL DEFAULT '',
  text         TEXT NOT NULL DEFAULT '',  -- plain text, for search and lists
  html         TEXT NOT NULL DEFAULT '',  -- the feed's content, for the reader
  markdown     TEXT,                      -- the reader's rendering of html, made on first open
  content_hash TEXT NOT NULL,
  hash_changes INTEGER NOT NULL DEFAULT 0,
  first_seen   INTEGER NOT NULL,
  read         INTEGER NOT NULL DEFAULT 0,
  starred      INTEGER NOT NULL DEFAULT 0,
  UNIQUE (feed_id, guid)
);
CREATE INDEX articles_recent ON articles(published DESC, id DESC);
CREATE INDEX articles_feed_recent ON articles(feed_id, published DESC, id DESC);
CREATE INDEX articles_unread ON articles(published DESC, id DESC) WHERE read = 0;
CREATE INDEX articles_starred ON articles(published DESC, id DESC) WHERE starred = 1;
CREATE INDEX articles_first_seen ON articles(first_seen);

CREATE VIRTUAL TABLE articles_fts USING fts5(
  title, author, text,
  content = 'articles', content_rowid = 'id',
  tokenize = 'porter unicode61 remove_diacritics 2',
  prefix = '2 3'
);

CREATE TABLE topics (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE,
  query       TEXT NOT NULL,
  query_hash  TEXT NOT NULL,          -- when it differs from the config's, re-match once
  position    INTEGER NOT NULL DEFAULT 0,
  key         TEXT,                   -- the config's shortcut key for the pane
  total       INTEGER NOT NULL DEFAULT 0,  -- counters kept by the article_topics triggers,
  unread      INTEGER NOT NULL DEFAULT 0   -- so the topic list costs no scan at 1M articles
);

-- Topic membership, materialised at ingest. published and read are copied here so a
-- topic's pages and unread count are answered from this table's indexes alone.
CREATE TABLE article_topics (
  topic_id   INTEGER NOT NULL REFERENCES topics(id) ON DELETE CASCADE,
  article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
  published  INTEGER NOT NULL,
  read       INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (topic_id, article_id)
) WITHOUT ROWID;
CREATE INDEX article_topics_recent ON article_topics(topic_id, published DESC, article_id DESC);
CREATE INDEX article_topics_unread ON article_topics(topic_id, read);
CREATE INDEX article_topics_article ON article_topics(article_id);

CREATE TABLE polls (
  id          INTEGER PRIMARY KEY,
  feed_id     INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
  started     INTEGER NOT NULL,
  status      INTEGER,
  duration_ms INTEGER NOT NULL,
  new         INTEGER NOT NULL DEFAULT 0,
  updated     INTEGER NOT NULL DEFAULT 0,
  error       TEXT
);
CREATE INDEX polls_feed ON polls(feed_id, started DESC);

-- Keep the copied read flag in step with the article's.
CREATE TRIGGER article_topics_read AFTER UPDATE OF read ON articles BEGIN
  UPDATE article_topics SET read = new.read WHERE article_id = new.id AND read != new.read;
END;

-- Keep topics.total and topics.unread in step with membership.
CREATE TRIGGER article_topics_count_insert AFTER INSERT ON article_topics BEGIN
  UPDATE topics SET total = total + 1, unread = unread + (new.read = 0)
  WHERE id = new.topic_id;
END;
CREATE TRIGGER article_topics_count_delete AFTER DELETE ON article_topics BEGIN
  UPDATE topics SET total = total - 1, unread = unread - (old.read = 0)
  WHERE id = old.topic_id;
END;
CREATE TRIGGER article_topics_count_read AFTER UPDATE OF read ON article_topics BEGIN
  UPDATE topics SET unread = unread + (new.read = 0) - (old.read = 0)
  WHERE id = new.topic_id;
END;
"""


def _to_v1(conn: sqlite3.Connection) -> None:
    for statement in _statements(SCHEMA_V1 + FTS_TRIGGERS):
        conn.execute(statement)


# Version 2: full text of articles' web pages (searchable), same-story grouping, adaptive
# polling and topic alerts. The FTS index gains a full_text column, so it is rebuilt.
FTS_TRIGGERS_V2 = """
CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
  INSERT INTO articles_fts(rowid, title, author, text, full_text)
  VALUES (new.id, new.title, new.author, new.text, new.full_text);
END;
CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
  INSERT INTO articles_fts(articles_fts, rowid, title, author, text, full_text)
  VALUES ('delete', old.id, old.title, old.author, old.text, old.full_text);
END;
CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, author, text, full_text ON articles
BEGIN
  INSERT INTO articles_fts(articles_fts, rowid, title, author, text, full_text)
  VALUES ('delete', old.id, old.title, old.author, old.text, old.full_text);
  INSERT INTO articles_fts(rowid, title, author, text, full_text)
  VALUES (new.id, new.title, new.author, new.text, new.full_text);
END;
"""

SCHEMA_V2 = """
-- Full text: the article's own web page, fetched and extracted (feeds that carry only
-- a summary). The feed's text stays in `text`; the page's is kept beside it.
ALTER TABLE articles ADD COLUMN full_text TEXT;          -- plain text, indexed for search
ALTER TABLE articles ADD COLUMN full_markdown TEXT;      -- for the reader
ALTER TABLE articles ADD COLUMN full_text_at INTEGER;    -- when it was fetched
ALTER TABLE articles ADD COLUMN full_text_error TEXT;    -- why extraction failed, in words
ALTER TABLE feeds ADD COLUMN full_text INTEGER NOT NULL DEFAULT 0;  -- fetch pages at ingest

-- Same story, many outlets: articles of one story share the id of its first article.
ALTER TABLE articles ADD COLUMN story_id INTEGER;
ALTER TABLE articles ADD COLUMN fingerprint INTEGER;     -- 64-bit hash of title+lead terms
CREATE INDEX articles_story ON articles(story_id);
-- Articles that joined another article's story: "how many stories" without a scan.
CREATE INDEX articles_story_members ON articles(story_id) WHERE story_id != id;
-- Candidate lookup at ingest (storage/stories.py): the names, figures and places of the
-- title and lead of each recent story's first article, as 32-bit hashes. Pruned after
-- 30 days. (Older versions of newsdeck indexed every article; those rows lead to the
-- same stories and go with the pruning.)
CREATE TABLE story_keys (
  key        INTEGER NOT NULL,
  published  INTEGER NOT NULL,
  article_id INTEGER NOT NULL,
  feed_id    INTEGER NOT NULL,
  story_id   INTEGER NOT NULL,
  weight     INTEGER NOT NULL,      -- the term's weight, doubled (1.5 -> 3)
  anchors    INTEGER NOT NULL,      -- the article's anchor weight, doubled
  places     INTEGER NOT NULL,      -- bit mask of the countries and places it names
  PRIMARY KEY (key, published, article_id)
) WITHOUT ROWID;

-- Adaptive polling: the interval actually used, derived from how often the feed posts.
ALTER TABLE feeds ADD COLUMN effective_interval_s INTEGER;

-- Alerts: one row per batched alert a topic sent (or failed to send) after a poll.
ALTER TABLE topics ADD COLUMN alerted_up_to INTEGER NOT NULL DEFAULT 0;  -- last article id alerted
CREATE TABLE alerts (
  id        INTEGER PRIMARY KEY,
  topic_id  INTEGER NOT NULL REFERENCES topics(id) ON DELETE CASCADE,
  sent_at   INTEGER NOT NULL,
  target    TEXT NOT NULL,           -- the command or URL
  articles  INTEGER NOT NULL,
  ok        INTEGER NOT NULL,
  error     TEXT
);
CREATE INDEX alerts_topic ON alerts(topic_id, sent_at DESC);

DROP TRIGGER articles_fts_insert;
DROP TRIGGER articles_fts_delete;
DROP TRIGGER articles_fts_update;
DROP TABLE articles_fts;
CREATE VIRTUAL TABLE articles_fts USING fts5(
  title, author, text, full_text,
  content = 'articles', content_rowid = 'id',
  tokenize = 'porter unicode61 remove_diacritics 2',
  prefix = '2 3'
);
INSERT INTO articles_fts(articles_fts) VALUES ('rebuild');
"""


def _to_v2(conn: sqlite3.Connection) -> None:
    for statement in _statements(SCHEMA_V2 + FTS_TRIGGERS_V2):
        conn.execute(statement)


# Version 3: a smaller full-text index, without prefix indexes. prefix = '2 3' made the
# FTS5 insert the largest cost of ingest (0.43 of a cold poll's 1.06 ms per article,
# tests/benchmarks/README.md), and it served only prefixes of exactly two or three
# letters: "weapon*" always read the main index. Now every prefix does, which costs a
# few ms on short prefixes at 100,000 articles (mi*: 1.1 -> 6.7 ms). Same columns and
# triggers as version 2; the table is rebuilt from articles.
SCHEMA_V3 = """
DROP TRIGGER articles_fts_insert;
DROP TRIGGER articles_fts_delete;
DROP TRIGGER articles_fts_update;
DROP TABLE articles_fts;
CREATE VIRTUAL TABLE articles_fts USING fts5(
  title, author, text, full_text,
  content = 'articles', content_rowid = 'id',
  tokenize = 'porter unicode61 remove_diacritics 2'
);
INSERT INTO articles_fts(articles_fts) VALUES ('rebuild');
"""


def _to_v3(conn: sqlite3.Connection) -> None:
    for statement in _statements(SCHEMA_V3 + FTS_TRIGGERS_V2):
        conn.execute(statement)


# Version 4: a token that changes with every transaction that changes story_keys, so a
# connection holding the table in memory (storage/story_keys_cache.py) can tell whether
# its copy is still the table.
SCHEMA_V4 = """
CREATE TABLE story_keys_version (token INTEGER NOT NULL);
INSERT INTO story_keys_version VALUES (0);
"""


def _to_v4(conn: sqlite3.Connection) -> None:
    for statement in _statements(SCHEMA_V4):
        conn.execute(statement)


def _statements(script: str) -> list[str]:
    """Split a script into statements (executescript would COMMIT our transaction)."""
    out: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        if line.strip().startswith("--") and not buffer.strip():
            continue
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                out.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        out.append(buffer.strip())
    return out


MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {
    0: _to_v1,
    1: _to_v2,
    2: _to_v3,
    3: _to_v4,
}
SCHEMA_VERSION = max(MIGRATIONS) + 1
