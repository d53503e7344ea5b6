"""Closing the terminal ends the dashboard, cleanly and soon, under a real pseudo-terminal.

The dashboard runs as `newsdeck --db ... --config ...` on the slave side of a pty that
is its controlling terminal, as in an SSH session. Three ways the terminal goes away:
a SIGHUP sent to it (the terminal emulator closing), the master side closed (the SSH
connection dropping: the kernel hangs up the session and reads see end of file), and
the master closed while SIGHUP is ignored (started under nohup: only the app's 1 s
check that stdin is still a terminal can notice). Each must end the process with exit
code 0 within 2 s; the assertion allows 5 s because CI machines are loaded (two cores
shared with other test processes), and the measured time is in the failure message.

(This replaces the pty test that was in tests/tui/test_app_live.py.)
"""

from __future__ import annotations

import fcntl
import os
import pty
import signal
import socket
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest
from processes import ROOT, env

from storage.config import FeedConfig, TopicConfig
from storage.store import Store

LIMIT_S = 5.0  # the spec says 2 s; slack for a loaded CI machine


@pytest.fixture
def small_db(tmp_path: Path) -> Path:
    path = tmp_path / "news.db"
    with Store(path) as store:
        store.sync_feeds([FeedConfig("https://wire.example/rss", "Wire")])
        store.sync_topics([TopicConfig("Ukraine aid", "ukraine aid")])
    return path


def spawn(db: Path, config: Path, ignore_hup: bool) -> tuple[subprocess.Popen[bytes], int]:
    """The dashboard on a new pty that is its controlling terminal; returns (proc, master)."""
    master, slave = pty.openpty()
    child_env = dict(env(), TERM="xterm-256color", COLUMNS="80", LINES="24")

    def become_session_leader() -> None:
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)  # stdin is the slave: make it our terminal
        if ignore_hup:
            signal.signal(signal.SIGHUP, signal.SIG_IGN)

    proc = subprocess.Popen(
        [sys.executable, "-m", "tui.cli", "--db", str(db), "--config", str(config)],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        cwd=ROOT,
        env=child_env,
        preexec_fn=become_session_leader,
    )
    os.close(slave)
    return proc, master


def read_until(master: int, marker: bytes, timeout: float = 20.0) -> bytes:
    seen = b""
    deadline = time.monotonic() + timeout
    while marker not in seen and time.monotonic() < deadline:
        try:
            seen += os.read(master, 65536)
        except OSError:
            break
    return seen


def hang_up(
    db: Path, config: Path, how: str, ignore_hup: bool = False, ready: bytes = b"unread"
) -> tuple[int, float]:
    """Start the dashboard, wait until the screen shows `ready`, then lose the terminal
    (`how`: "sighup" sends the signal, "close" closes the master side). Returns the
    exit code and the seconds it took to end."""
    proc, master = spawn(db, config, ignore_hup)
    closed = False
    try:
        screen = read_until(master, ready)
        assert ready in screen, screen[-500:]  # the dashboard is up and drawn
        started = time.monotonic()
        if how == "sighup":
            proc.send_signal(signal.SIGHUP)
        else:
            os.close(master)  # the SSH connection drops
            closed = True
        code = proc.wait(timeout=30)
        return code, time.monotonic() - started
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
        if not closed:
            os.close(master)


@pytest.mark.parametrize(
    ("how", "ignore_hup"),
    [("sighup", False), ("close", False), ("close", True)],
    ids=["sighup-sent", "terminal-closed", "terminal-closed-under-nohup"],
)
def test_a_lost_terminal_ends_the_dashboard_within_two_seconds(
    small_db: Path, tmp_path: Path, how: str, ignore_hup: bool
) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[poll]\ninterval = "1h"\n')
    code, took = hang_up(small_db, config, how, ignore_hup)
    assert code == 0, f"exit code {code}: killed by the signal or crashed"
    assert took < LIMIT_S, f"took {took:.2f} s to end after the hang-up"


def test_a_hang_up_during_a_stuck_poll_still_ends_the_dashboard_soon(
    small_db: Path, tmp_path: Path
) -> None:
    """The dashboard polls a feed whose server never answers (a 60 s timeout): quitting
    must not wait for that poll's threads."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # connections complete in the kernel; nobody ever reads or answers
    url = f"http://127.0.0.1:{silent.getsockname()[1]}/feed.xml"
    config = tmp_path / "config.toml"
    config.write_text(f'[poll]\ninterval = "1h"\ntimeout = "60s"\n\n[[feeds]]\nurl = "{url}"\n')
    try:
        # "polling" in the header: the poll has started, and it hangs
        code, took = hang_up(small_db, config, "sighup", ready=b"polling")
    finally:
        silent.close()
    assert code == 0, f"exit code {code}"
    assert took < LIMIT_S, f"took {took:.2f} s to end after the hang-up"
