"""What the reader adds to an article: its page's full text, and a story's versions.

Full text: `FullTextState` is what the reader knows of the article's page (fetched
before, being fetched, failed, shown or not); `fetch_full_text` runs in a thread worker
and returns a message. Versions: `versions_text` lists each outlet's version of a story,
the one on screen marked, as Rich Text (titles are feed text: never markup).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.text import Text
from textual.message import Message

from storage.store import ArticleRow

MAX_VERSIONS_SHOWN = 8
FEED_WIDTH = 18


@dataclass
class FullTextFetched(Message):
    """The worker's answer for one article: a FullTextResult, or an error line."""

    article_id: int
    result: Any = None  # storage.fulltext.FullTextResult
    error: str | None = None


@dataclass
class FullTextState:
    markdown: str | None = None  # the page's article as Markdown, when extraction worked
    error: str | None = None  # why the last fetch gave nothing
    showing: bool = False  # the full text is on screen (else the feed's text)
    fetching: bool = False

    @property
    def ok(self) -> bool:
        return self.markdown is not None

    @classmethod
    def of(cls, result: Any) -> FullTextState:
        """From what the database holds (shown at once when it is there)."""
        if result is None:
            return cls()
        markdown = result.markdown if result.markdown else None
        return cls(markdown, result.error, showing=markdown is not None)

    @classmethod
    def fetched(cls, result: Any, error: str | None) -> FullTextState:
        """From a fetch the reader asked for: the full text shows if it came."""
        if result is None:
            return cls(None, error or "the page could not be fetched")
        markdown = result.markdown if result.markdown else None
        if markdown is not None and result.error is None:
            return cls(markdown, None, showing=True)
        return cls(markdown, result.error or "the page had no article text", showing=False)


def fetch_full_text(db_path: Path, article_id: int, config: Any) -> FullTextFetched:
    """Blocking: fetch (or read back) the article's page text. For thread workers."""
    try:
        from storage.fulltext import fetch_full_text as fetch
    except ImportError:
        return FullTextFetched(article_id, error="full text is not available in this build")
    try:
        result = fetch(db_path, article_id, config, refresh=False)
    except Exception as error:  # storage errors; page problems come back in the result
        return FullTextFetched(article_id, error=str(error) or type(error).__name__)
    return FullTextFetched(article_id, result)


def full_text_note(state: FullTextState) -> str:
    """The reader header's line about the text on screen ('' for the feed's text)."""
    if state.fetching:
        return "Fetching the full text from the article's page…"
    if state.showing:
        return "Full text from the article's page · f shows the feed's text"
    if state.ok:
        return "The feed's text · f shows the full text"
    if state.error:
        return f"Full text: {state.error} · showing the feed's text"
    return ""


def versions_text(versions: list[ArticleRow], current: int) -> Text:
    """'3 outlets carry this story · v next, V previous' and one line per version."""
    if len(versions) < 2:
        return Text()
    feeds = len({v.feed_id for v in versions})
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f"{len(versions)} versions from {feeds} outlets", style="bold")
    text.append(" · v next, V previous", style="dim")
    for version in versions[:MAX_VERSIONS_SHOWN]:
        here = version.id == current
        text.append("\n")
        text.append("▸ " if here else "  ", style="bold" if here else "")
        feed = Text(version.feed, no_wrap=True, style="italic")
        feed.truncate(FEED_WIDTH, overflow="ellipsis", pad=True)
        text.append_text(feed)
        text.append(" ")
        text.append(version.title or "(no title)", style="bold" if here else "")
    if len(versions) > MAX_VERSIONS_SHOWN:
        text.append(f"\n  … and {len(versions) - MAX_VERSIONS_SHOWN} more", style="dim")
    return text
