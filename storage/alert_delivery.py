"""How one alert batch reaches its target: a command's JSON on stdin, or an ntfy message.

storage/alerts.py decides what is new and records outcomes; this module only formats
and delivers. Both deliveries return the failure in words (None when it worked) and
never raise but CancelledError. The HTTP POST itself is storage.fetch.post_text, since
every HTTP call of the project lives there.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shlex
import signal
from base64 import b64encode
from dataclasses import dataclass
from datetime import UTC, datetime

COMMAND_TIMEOUT = 30.0  # seconds a command may run before it is killed
POST_TIMEOUT = 10.0
NTFY_BODY_BYTES = 4000  # ntfy turns messages over 4096 bytes into attachments
STDERR_TAIL = 4096  # bytes of a command's stderr kept to find its last line


@dataclass(frozen=True, slots=True)
class AlertArticle:
    id: int
    title: str
    url: str | None
    feed: str
    published: int


@dataclass(frozen=True, slots=True)
class AlertBatch:
    """One topic's new articles: `articles` are the newest of `count`, newest first."""

    topic_id: int
    topic: str
    count: int
    articles: tuple[AlertArticle, ...]


async def deliver(batch: AlertBatch, kind: str, target: str, user_agent: str | None) -> str | None:
    """Send one batch to one target ("command" or "url"); the failure in words, or None."""
    try:
        if kind == "url":
            from storage.fetch import USER_AGENT, post_text

            body, headers = ntfy_message(batch)
            return await post_text(
                target, body, headers, timeout=POST_TIMEOUT, user_agent=user_agent or USER_AGENT
            )
        env = {"NEWSDECK_TOPIC": batch.topic, "NEWSDECK_COUNT": str(batch.count)}
        return await run_command(target, command_payload(batch), env)
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # one broken alert must not stop the others
        return f"unexpected error: {type(exc).__name__}: {exc}"


# -- what is sent ---------------------------------------------------------------------


def command_payload(batch: AlertBatch) -> bytes:
    """The JSON a command reads on stdin: the topic, how many are new, and the newest
    MAX_ARTICLES of them, newest first."""
    return json.dumps(
        {
            "topic": batch.topic,
            "count": batch.count,
            "articles": [
                {
                    "id": a.id,
                    "title": a.title,
                    "url": a.url,
                    "feed": a.feed,
                    "published": _iso(a.published),
                }
                for a in batch.articles
            ],
        },
        ensure_ascii=False,
    ).encode("utf-8")


def ntfy_message(batch: AlertBatch) -> tuple[str, dict[str, str]]:
    """(body, headers) for an ntfy-compatible POST: titles and links as plain text, under
    NTFY_BODY_BYTES, and the Title, Tags and Click headers ntfy documents."""
    lines: list[str] = []
    size = 0
    for shown, article in enumerate(batch.articles):
        entry = f"{_one_line(article.title) or '(untitled)'} ({_one_line(article.feed)})"
        if article.url:
            entry += f"\n{_one_line(article.url)}"
        more = f"… and {batch.count - shown} more"
        if size + len(entry.encode()) + len(more.encode()) + 2 > NTFY_BODY_BYTES:
            lines.append(more)
            break
        lines.append(entry)
        size += len(entry.encode()) + 2
    else:
        if batch.count > len(batch.articles):
            lines.append(f"… and {batch.count - len(batch.articles)} more")
    headers = {
        "Title": _header_text(f"newsdeck: {_one_line(batch.topic)[:200]} ({batch.count} new)"),
        "Tags": "newspaper",
    }
    first = batch.articles[0].url if batch.articles else None
    if first and first.startswith(("http://", "https://")) and _header_safe(first):
        headers["Click"] = first
    return "\n\n".join(lines) + "\n", headers


def _one_line(text: str) -> str:
    # Titles were cleaned at ingest; a topic name from TOML may still hold a newline.
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


def _header_safe(value: str) -> bool:
    return value.isascii() and all(32 < ord(c) < 127 for c in value)


def _header_text(value: str) -> str:
    """ASCII as it is; anything else as an RFC 2047 encoded word, which ntfy decodes
    (HTTP header values are bytes, and httpx sends them as latin-1)."""
    value = _one_line(value)
    if value.isascii():
        return value
    return "=?utf-8?b?" + b64encode(value.encode("utf-8")).decode("ascii") + "?="


def _iso(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- commands -------------------------------------------------------------------------


async def run_command(
    command: str, payload: bytes, env: dict[str, str], timeout: float = COMMAND_TIMEOUT
) -> str | None:
    """Run `command` (split like a shell would, but no shell) with `payload` on stdin.

    Its output is ignored; None when it exits 0, else the failure in words with the last
    line of its stderr. Past `timeout` it is killed with everything it started.
    """
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        return f"cannot split the command into words: {exc}"
    if not argv:
        return "the command is empty"
    try:
        proc = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
            env={**os.environ, **env},
            start_new_session=True,  # its own process group, so a timeout kills it all
        )
    except FileNotFoundError:
        return f"command not found: {argv[0]}"
    except PermissionError:
        return f"not allowed to run {argv[0]}"
    except OSError as exc:
        return f"cannot run {argv[0]}: {exc.strerror or exc}"
    tail = bytearray()

    async def write_stdin() -> None:
        assert proc.stdin is not None
        # A command that exits without reading all of stdin is fine.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            proc.stdin.write(payload)
            await proc.stdin.drain()
            proc.stdin.close()
            await proc.stdin.wait_closed()

    async def read_stderr() -> None:
        assert proc.stderr is not None
        while chunk := await proc.stderr.read(65536):
            tail.extend(chunk)
            del tail[:-STDERR_TAIL]  # keep the end: the last line is what we report

    try:
        async with asyncio.timeout(timeout):
            await asyncio.gather(write_stdin(), read_stderr())
            code = await proc.wait()
    except TimeoutError:
        await _kill(proc)
        return f"timed out after {timeout:g} s"
    except BaseException:
        await _kill(proc)
        raise
    if code == 0:
        return None
    last = next((line for line in reversed(_lines(tail)) if line), "")
    what = f"killed by signal {-code}" if code < 0 else f"exit status {code}"
    return f"{what}: {last}" if last else what


async def _kill(proc: asyncio.subprocess.Process) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        proc.kill()
    await proc.wait()


def _lines(data: bytes | bytearray) -> list[str]:
    text = bytes(data).decode("utf-8", "replace")
    return [_one_line(line)[:300] for line in text.splitlines()]
