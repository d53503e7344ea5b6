"""A Config written out as commented TOML: the starter file `newsdeck config init` creates.

`render_config` is the inverse of `storage.config.parse_config`: what it writes loads back
to the same feeds, topics and poll settings. The comments explain every setting, so the
file doubles as the reference a new user reads first. The `[keys]` section is written
commented out; the binding ids it lists come from the caller (the dashboard owns them),
because storage never imports the Textual side.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from storage.config import Config, FeedConfig, PollSettings, TopicConfig


@dataclass(frozen=True, slots=True)
class KeyHint:
    """One rebindable dashboard key: its binding id, default keys and what it does."""

    id: str
    keys: str
    description: str = ""


HEADER = """\
# newsdeck configuration
#
# Written by `newsdeck config init` with the built-in defaults. Edit it freely: it is
# read again each time newsdeck starts. Check it with `newsdeck config check`, and
# see where it and the database live with `newsdeck config path`.
#
# Durations are written like "90s", "15m", "1h30m" or "2d".
"""

POLL_INTRO = """\
# How often and how hard newsdeck fetches feeds: `newsdeck poll` (the daemon),
# `newsdeck poll --once`, and the dashboard's own poller all follow these settings.
"""

FEEDS_INTRO = """\
# Feeds: one [[feeds]] table each.
#   url       an RSS, Atom or JSON Feed address, http(s) or file (required)
#   title     the name newsdeck shows for it (default: the feed's own title)
#   enabled   false stops polling it; its articles stay in the database
#   interval  poll this feed on its own schedule instead of [poll] interval, e.g. "1h"
#   full_text true fetches each new article's web page and keeps its text (for feeds
#             that carry only a summary; `f` in the reader does it for one article)
"""

TOPICS_INTRO = """\
# Topics: one [[topics]] table each; each topic is a tab in the dashboard.
#   name   the tab's name
#   query  which articles belong, in newsdeck's filter language:
#            words        all must appear (any case; "missile" also finds "missiles")
#            a OR b       either one; group with ( ) and quote "exact phrases"
#            word*        any word starting with it; -word leaves articles with it out
#            title:word   only in the title; also author:, feed:, is:unread, since:7d
#   key    (optional) a key that jumps straight to this topic
#   alert_command  (optional) run after a poll brings new articles, with them as
#                  JSON on stdin, e.g. "notify-send newsdeck"
#   alert_url      (optional) an ntfy-style URL that gets a plain-text POST instead
# Try a query before saving it: newsdeck search 'ukraine (aid OR weapons)'
"""

KEYS_INTRO = """\
# Keys: rebind any dashboard key by its binding id. Uncomment [keys] and the lines you
# want to change; list several keys with commas, e.g. down = "j,down,ctrl+n".
# Shown here are the defaults.
"""

# Widest id column in the [keys] listing before the comment; longer ids just push it.
_KEY_COLUMN = 34


def render_config(config: Config, key_hints: Sequence[KeyHint] = ()) -> str:
    """The whole config file: header, [poll], [[feeds]], [[topics]] and a commented [keys]."""
    parts = [HEADER, render_poll(config.poll)]
    parts.append(FEEDS_INTRO + "".join("\n" + render_feed(feed) for feed in config.feeds))
    parts.append(TOPICS_INTRO + "".join("\n" + render_topic(topic) for topic in config.topics))
    parts.append(render_keys(config.keys, key_hints))
    return "\n".join(part.rstrip("\n") + "\n" for part in parts)


def render_poll(poll: PollSettings) -> str:
    lines = [POLL_INTRO.rstrip("\n"), "[poll]"]
    lines.append("# How often each feed is fetched.")
    lines.append(f"interval = {toml_string(format_duration(poll.interval))}")
    lines.append("# How many feeds are fetched at the same time (1 to 256; at most 2 per host).")
    lines.append(f"concurrency = {poll.concurrency}")
    lines.append("# The most one feed's fetch may take, redirects and download included.")
    lines.append(f"timeout = {_seconds(poll.timeout)}")
    lines.append("# The largest feed accepted, in bytes; a bigger one counts as a failed fetch.")
    lines.append(f"max_bytes = {poll.max_bytes:_}  # {_size(poll.max_bytes)}")
    lines.append("# Sent with every request; the default names newsdeck and its version.")
    if poll.user_agent is None:
        lines.append('# user_agent = "newsdeck (you@example.org)"')
    else:
        lines.append(f"user_agent = {toml_string(poll.user_agent)}")
    return "\n".join(lines) + "\n"


def render_feed(feed: FeedConfig) -> str:
    lines = ["[[feeds]]"]
    if feed.title is not None:
        lines.append(f"title = {toml_string(feed.title)}")
    lines.append(f"url = {toml_string(feed.url)}")
    if not feed.enabled:
        lines.append("enabled = false")
    if feed.interval is not None:
        lines.append(f"interval = {toml_string(format_duration(feed.interval))}")
    if feed.full_text:
        lines.append("full_text = true")
    return "\n".join(lines) + "\n"


def render_topic(topic: TopicConfig) -> str:
    lines = ["[[topics]]", f"name = {toml_string(topic.name)}"]
    lines.append(f"query = {toml_long_string(topic.query)}")
    if topic.key is not None:
        lines.append(f"key = {toml_string(topic.key)}")
    if topic.alert_command is not None:
        lines.append(f"alert_command = {toml_string(topic.alert_command)}")
    if topic.alert_url is not None:
        lines.append(f"alert_url = {toml_string(topic.alert_url)}")
    return "\n".join(lines) + "\n"


def render_keys(keys: Iterable[tuple[str, str]], hints: Sequence[KeyHint]) -> str:
    """Keys the user set are written live; the rest of the hints stay commented out."""
    chosen = dict(keys)
    lines = [KEYS_INTRO.rstrip("\n")]
    lines.append("[keys]" if chosen else "# [keys]")
    for binding_id, value in chosen.items():
        lines.append(f"{_toml_key(binding_id)} = {toml_string(value)}")
    for hint in hints:
        if hint.id in chosen:
            continue
        line = f"# {_toml_key(hint.id)} = {toml_string(hint.keys)}"
        if hint.description:
            line = f"{line.ljust(_KEY_COLUMN)}  # {hint.description}"
        lines.append(line)
    return "\n".join(lines) + "\n"


def toml_string(value: str) -> str:
    """A TOML string for `value`: a 'literal' string when it can be, else an escaped one.

    Queries are full of double quotes, so the literal form keeps them readable.
    """
    if "'" not in value and not any(_needs_escape(ch) for ch in value):
        return f"'{value}'"
    out = ['"']
    for ch in value:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif _needs_escape(ch):
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def toml_long_string(value: str, width: int = 88) -> str:
    """Like `toml_string`, but a long single-spaced value is wrapped over several lines.

    A multi-line basic string whose lines end in a backslash reads back as one line:
    TOML drops the backslash, the line break and the next line's indentation. The
    space that separated the words stays, written just before each backslash.
    """
    indent = "    "
    simple = (
        len(value) > width - 8
        and value == " ".join(value.split())
        and "\\" not in value
        and '"""' not in value
        and not any(_needs_escape(ch) for ch in value)
    )
    if not simple:
        return toml_string(value)
    lines = _wrap_words(value, width - len(indent) - 2)
    if " ".join(lines) != value:
        return toml_string(value)
    body = " \\\n".join(indent + line for line in lines)
    return f'"""\\\n{body}\\\n{indent}"""'


# A "quoted phrase" (with anything glued to it) is one word, so no phrase is split.
_WORD = re.compile(r'(?:"[^"]*"|[^\s"])+|"')


def _wrap_words(value: str, width: int) -> list[str]:
    lines: list[str] = []
    line = ""
    for word in _WORD.findall(value):
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    if line:
        lines.append(line)
    return lines


_ESCAPES = {"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def _needs_escape(ch: str) -> bool:
    # TOML forbids control characters other than tab in both string forms; tab would
    # be allowed in a literal string but is invisible, so it is escaped too.
    code = ord(ch)
    return code < 0x20 or code == 0x7F


def _toml_key(key: str) -> str:
    bare = key and all(ch.isascii() and (ch.isalnum() or ch in "-_") for ch in key)
    return key if bare else toml_string(key)


def format_duration(seconds: int) -> str:
    """900 -> '15m', 5400 -> '1h30m', 90 -> '90s': what `parse_duration` reads back."""
    if seconds <= 0:
        raise ValueError(f"a duration must be more than 0 seconds, not {seconds}")
    if seconds % 60:
        return f"{seconds}s"
    parts = []
    rest = seconds
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        count, rest = divmod(rest, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)


def _seconds(value: float) -> str:
    # A whole number of seconds reads best as a duration; a fraction stays a number.
    if value > 0 and float(value).is_integer():
        return toml_string(format_duration(int(value)))
    return repr(float(value))


def _size(count: int) -> str:
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if count >= size and count % size == 0:
            return f"{count // size} {unit}"
    return f"{count} bytes"
