"""Every key the dashboard answers to, in one place: bindings with ids and tooltips.

Widgets and screens take their BINDINGS from here. Each Binding has an `id`, so a
user's `[keys]` table in the config (binding id -> keys, e.g. `down = "j,down,ctrl+n"`)
rebinds it through App.set_keymap. Bindings that mean the same thing in different
places share an id (`down` moves the list cursor and scrolls the reader), so one
keymap line rebinds both. The help screen is built from these lists too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from textual.binding import Binding


def _b(
    keys: str,
    action: str,
    description: str,
    tooltip: str,
    id: str,
    *,
    show: bool = True,
    key_display: str | None = None,
    priority: bool = False,
) -> Binding:
    return Binding(
        keys,
        action,
        description,
        show=show,
        key_display=key_display,
        priority=priority,
        tooltip=tooltip,
        id=id,
    )


APP = [
    _b("q", "quit", "Quit", "Quit newsdeck.", "quit"),
    _b("question_mark,f1", "help", "Help", "List every key.", "help", key_display="?"),
    _b("r", "poll", "Poll", "Fetch new articles from every feed now.", "poll"),
    _b(
        "ctrl+p",
        "command_palette",
        "Commands",
        "Open the command palette.",
        "command-palette",
        show=False,
        priority=True,
    ),
    _b("F", "feeds", "Feeds", "Show the health of every feed.", "feeds", show=False),
    _b("T", "topics", "Topics", "Add, rename, delete and edit topics.", "topics", show=False),
    _b(
        "t",
        "trends",
        "Trends",
        "Each topic's articles per day over 30 days, with spikes marked.",
        "trends",
        show=False,
    ),
]

# The dashboard: topic tabs, the filter and what applies to the current article.
MAIN = [
    _b(
        "slash",
        "filter",
        "Filter",
        "Narrow the list with a keyword query.",
        "filter",
        key_display="/",
    ),
    _b("escape", "back", "Back", "Close the reader, or clear the filter.", "back", show=False),
    _b("tab", "next_topic", "Next topic", "Show the next topic.", "next-topic", show=False),
    _b(
        "shift+tab",
        "previous_topic",
        "Previous topic",
        "Show the previous topic.",
        "previous-topic",
        show=False,
    ),
    _b("m", "toggle_read", "Mark read", "Mark the article read, or unread again.", "toggle-read"),
    _b(
        "M",
        "mark_all_read",
        "All read",
        "Mark every article in this view read.",
        "mark-all-read",
        show=False,
    ),
    _b("s", "star", "Star", "Star the article, or unstar it.", "star"),
    _b(
        "S",
        "toggle_stories",
        "Stories",
        "One row per story, or every article on its own row.",
        "toggle-stories",
        show=False,
    ),
    _b(
        "o", "open_link", "Browser", "Open the link in a browser (copies it over SSH).", "open-link"
    ),
    _b(
        "y",
        "copy_link",
        "Copy link",
        "Copy the article's link to the clipboard.",
        "copy-link",
        show=False,
    ),
    _b("0", "topic(0)", "All", "Show every article.", "topic-0", show=False),
    *(
        _b(str(n), f"topic({n})", f"Topic {n}", f"Show topic number {n}.", f"topic-{n}", show=False)
        for n in range(1, 10)
    ),
]

LIST = [
    _b("j,down", "cursor_down", "Down", "Next article.", "down", show=False),
    _b("k,up", "cursor_up", "Up", "Previous article.", "up", show=False),
    _b("g,home", "first", "Top", "First article.", "top", show=False),
    _b("G,end", "last", "Bottom", "Last article.", "bottom", show=False),
    _b("pagedown,space", "page_down", "Page down", "One screen down.", "page-down", show=False),
    _b("pageup,b", "page_up", "Page up", "One screen up.", "page-up", show=False),
    _b("enter", "open", "Read", "Open the article in the reader.", "open"),
]

READER = [
    _b("j,down", "scroll_down", "Down", "Scroll down a line.", "down", show=False),
    _b("k,up", "scroll_up", "Up", "Scroll up a line.", "up", show=False),
    _b("g,home", "scroll_home", "Top", "Scroll to the top.", "top", show=False),
    _b("G,end", "scroll_end", "Bottom", "Scroll to the end.", "bottom", show=False),
    _b(
        "space,pagedown",
        "page_down",
        "Page down",
        "Scroll one screen down.",
        "page-down",
        key_display="space",
    ),
    _b("pageup,b", "page_up", "Page up", "Scroll one screen up.", "page-up", show=False),
    _b("n", "next_article", "Next", "Read the next article.", "next-article"),
    _b("p", "previous_article", "Previous", "Read the previous article.", "previous-article"),
    _b(
        "f",
        "full_text",
        "Full text",
        "Show the full text of the article's page, or the feed's text again.",
        "full-text",
    ),
    _b(
        "v",
        "next_version",
        "Next version",
        "Read the next outlet's version of this story.",
        "next-version",
        show=False,
    ),
    _b(
        "V",
        "previous_version",
        "Previous version",
        "Read the previous outlet's version of this story.",
        "previous-version",
        show=False,
    ),
]

FILTER = [
    _b("enter", "keep", "Keep", "Keep the filter and go back to the list.", "filter-keep"),
    _b("escape", "clear", "Clear", "Clear the filter and go back to the list.", "filter-clear"),
]

FEEDS = [
    _b("escape", "dismiss", "Back", "Back to the articles.", "back"),
    _b("a", "add", "Add", "Add a feed to the config.", "feed-add"),
    _b("d,delete", "remove", "Remove", "Remove the feed from the config.", "feed-remove"),
    _b("p", "pause", "Pause", "Pause the feed, or resume it.", "feed-pause"),
    _b("R", "retry", "Retry", "Poll the feed on the next poll, clearing its errors.", "feed-retry"),
]

TOPICS = [
    _b("escape", "dismiss", "Back", "Back to the articles.", "back"),
    _b("a", "add", "Add", "Add a topic.", "topic-add"),
    _b("e,enter", "edit", "Edit", "Edit the topic's name and query.", "topic-edit"),
    _b("d,delete", "delete", "Delete", "Delete the topic.", "topic-delete"),
]

HELP = [
    _b(
        "escape,q,question_mark,f1",
        "dismiss",
        "Close",
        "Close the help.",
        "help-close",
        key_display="esc",
    ),
    _b("j,down", "scroll_down", "Down", "Scroll down.", "down", show=False),
    _b("k,up", "scroll_up", "Up", "Scroll up.", "up", show=False),
    _b(
        "space,pagedown",
        "page_down",
        "Page down",
        "Scroll one screen down.",
        "page-down",
        show=False,
    ),
    _b("pageup,b", "page_up", "Page up", "Scroll one screen up.", "page-up", show=False),
    _b("g,home", "scroll_home", "Top", "Scroll to the top.", "top", show=False),
    _b("G,end", "scroll_end", "Bottom", "Scroll to the end.", "bottom", show=False),
]

PROMPT = [
    _b("escape", "cancel", "Cancel", "Close without changing anything.", "prompt-cancel"),
]

CONFIRM = [
    _b("y", "answer(True)", "Yes", "Yes, do it.", "confirm-yes"),
    _b("n,escape", "answer(False)", "No", "No, leave it.", "confirm-no"),
]

TABLE = [
    _b("j", "cursor_down", "Down", "Next row.", "down", show=False),
    _b("k", "cursor_up", "Up", "Previous row.", "up", show=False),
    _b("g", "scroll_top", "Top", "First row.", "top", show=False),
    _b("G", "scroll_bottom", "Bottom", "Last row.", "bottom", show=False),
]

TRENDS = [
    _b("escape,q", "dismiss", "Back", "Back to the articles.", "back", key_display="esc"),
    _b("j,down", "next", "Next topic", "Select the next topic's chart.", "down", show=False),
    _b(
        "k,up", "previous", "Previous topic", "Select the previous topic's chart.", "up", show=False
    ),
    _b("g,home", "first", "Top", "The first chart.", "top", show=False),
    _b("G,end", "last", "Bottom", "The last chart.", "bottom", show=False),
    _b("enter", "open", "Show articles", "Show the selected topic's articles.", "trends-open"),
]

EDITOR = [
    _b("escape", "cancel", "Cancel", "Close without saving.", "editor-cancel"),
    _b("ctrl+s", "save", "Save", "Save the topic to the config file.", "editor-save"),
]


@dataclass(frozen=True, slots=True)
class HelpRow:
    keys: str
    description: str
    tooltip: str


# Sections of the help screen, in the order a new user needs them.
HELP_SECTIONS: tuple[tuple[str, list[Binding]], ...] = (
    ("Article list", LIST),
    ("Dashboard", MAIN),
    ("Reader", READER),
    ("Filter bar", FILTER),
    ("Everywhere", APP),
    ("Feeds health", FEEDS),
    ("Trends", TRENDS),
    ("Topic editor", TOPICS + EDITOR),
    ("Dialogs", [HELP[0], *PROMPT, *CONFIRM]),
)


def display_keys(keys: str) -> str:
    """'question_mark,f1' -> '? f1': how people write keys."""
    names = {
        "question_mark": "?",
        "slash": "/",
        "space": "space",
        "escape": "esc",
        "pagedown": "pgdn",
        "pageup": "pgup",
        "delete": "del",
    }
    shown = []
    for key in keys.split(","):
        key = key.strip()
        if key.startswith("ctrl+"):
            key = "^" + names.get(key[5:], key[5:])
        shown.append(names.get(key, key))
    return " ".join(shown)


def help_rows(keymap: Mapping[str, str]) -> list[tuple[str, list[HelpRow]]]:
    """The help screen's table: each section's bindings with the user's keymap applied."""
    sections = []
    for title, bindings in HELP_SECTIONS:
        rows: list[HelpRow] = []
        seen: set[str] = set()
        for binding in bindings:
            if binding.id in seen:
                continue
            if binding.id and binding.id.startswith("topic-") and binding.id[6:].isdigit():
                if binding.id != "topic-1":
                    continue
                rows.append(HelpRow("1-9 0", "Topic", "Jump to topic N; 0 shows every article."))
                seen.add(binding.id)
                continue
            keys = keymap.get(binding.id or "", binding.key)
            rows.append(HelpRow(display_keys(keys), binding.description, binding.tooltip))
            seen.add(binding.id or binding.action)
        sections.append((title, rows))
    return sections
