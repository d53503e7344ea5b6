"""How one article list line looks: pure functions from a row and styles to Rich Text.

    ● Kyiv receives first air defence systems of the winter…  The Kyiv Ledger  30m ★
    ● EU ministers agree asylum screening rules +2 sources    Brussels Wire    1h

A story that several outlets carry shows once, with how many other outlets have it.

Unread rows carry a marker and bold titles, the cursor row is reversed: both read
without colour. Titles are Rich Text built from plain strings, never markup, so a
title like "[bold]x[/]" shows exactly those characters.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.strip import Strip

from storage.store import ArticleRow
from tui.widgets.highlight import Terms, spans

UNREAD_MARK = "●"
STAR_MARK = "★"
COMPONENTS = (
    "cursor",
    "marker",
    "unread",
    "read",
    "feed",
    "age",
    "star",
    "match",
    "placeholder",
    "empty",
)


@dataclass(frozen=True, slots=True)
class RowStyles:
    """The list's component styles (article-list--<name>), as partial Rich styles."""

    base: Style
    cursor: Style
    marker: Style
    unread: Style
    read: Style
    feed: Style
    age: Style
    star: Style
    match: Style
    placeholder: Style
    empty: Style


def feed_width(width: int) -> int:
    return 0 if width < 60 else min(24, width // 5)


def row_text(
    row: ArticleRow, width: int, styles: RowStyles, age: str, terms: Terms, is_cursor: bool
) -> Text:
    """One row. The cursor row drops the column colours and takes the cursor style
    (reverse) across its whole width, so it reads as one bar in any palette."""

    def colour(style: Style) -> Style:
        return Style() if is_cursor else style

    feed_cells = feed_width(width)
    title_width = max(1, width - 2 - 1 - feed_cells - 5 - 2)  # marker, gap, feed, age, star
    more = sources_text(getattr(row, "sources", 1) - 1, width)
    title_width = max(1, title_width - len(more))
    line = Text(no_wrap=True, style=styles.base)
    line.append(f"{' ' if row.read else UNREAD_MARK} ", style=colour(styles.marker))
    state = styles.read if row.read else styles.unread
    title = Text(
        row.title or "(no title)", style=colour(state) + Style(bold=not row.read), no_wrap=True
    )
    for start, end in spans(row.title, terms):
        title.stylize(colour(styles.match) + Style(underline=True), start, end)
    title.truncate(title_width, overflow="ellipsis", pad=not more)
    line.append_text(title)
    if more:
        line.append(more, style=colour(styles.feed))
        line.append(" " * (title_width - title.cell_len))
    line.append(" ")
    if feed_cells:
        feed = Text(row.feed, style=colour(styles.feed), no_wrap=True)
        feed.truncate(feed_cells - 1, overflow="ellipsis", pad=True)
        line.append_text(feed)
        line.append(" ")
    line.append(f"{age:>4} ", style=colour(styles.age))
    line.append(STAR_MARK if row.starred else " ", style=colour(styles.star))
    line.append(" ")
    line.truncate(width, pad=True)
    if is_cursor:
        line.stylize(styles.cursor)
    return line


def sources_text(more: int, width: int) -> str:
    """' +3 sources' after a story's title (' +3' when narrow); '' for one outlet."""
    if more <= 0:
        return ""
    if width < 60:
        return f" +{more}"
    return f" +{more} source{'s' if more > 1 else ''}"


def placeholder_text(width: int, styles: RowStyles, is_cursor: bool) -> Text:
    """A row whose page is still being read."""
    style = styles.base + styles.placeholder
    if is_cursor:
        style += styles.cursor
    line = Text("  ·  ·  ·", style=style, no_wrap=True)
    line.truncate(width, pad=True)
    return line


def message_text(text: str, width: int, styles: RowStyles) -> Text:
    """A centred line for an empty or loading list."""
    line = Text(text, style=styles.base + styles.empty, no_wrap=True, overflow="ellipsis")
    line.truncate(width, overflow="ellipsis")
    line.align("center", width)
    return line


def to_strip(text: Text, width: int, console: Console) -> Strip:
    """A Strip of exactly `width` cells where every segment has a style (Text.render
    leaves the Text's own style out, and NO_COLOR's filter needs one everywhere)."""
    base = text.style if isinstance(text.style, Style) else Style()
    return Strip(Segment.apply_style(text.render(console), style=base), width)
