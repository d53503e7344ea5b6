"""`newsdeck serve`: a real server process on 127.0.0.1, fetched over real HTTP and a
websocket; and the refusal to serve a non-loopback address without --public."""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tui.commands.serve import app_command, is_loopback

# No feeds: the dashboard a browser opens must not reach for the network.
QUIET_CONFIG = '[poll]\ninterval = "1h"\n'
STARTUP_SECONDS = 20.0
STOP_SECONDS = 8.0
# What the `newsdeck` script runs. (Not `-m tui.cli`: run as __main__, tui.cli is loaded
# twice and its UsageError handler misses the UsageError the subcommands raise.)
NEWSDECK = [sys.executable, "-c", "from tui.cli import main; main()"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def newsdeck(tmp_path: Path, *args: str) -> list[str]:
    config = tmp_path / "config.toml"
    config.write_text(QUIET_CONFIG, encoding="utf-8")
    return [
        *NEWSDECK,
        "--config",
        str(config),
        "--db",
        str(tmp_path / "news.db"),
        *args,
    ]


class Served:
    def __init__(self, process: subprocess.Popen[str], port: int) -> None:
        self.process = process
        self.port = port

    def stop(self) -> tuple[int, str, str]:
        """SIGTERM, as systemd or a terminal would; returns (exit code, stdout, stderr)."""
        self.process.send_signal(signal.SIGTERM)
        try:
            out, err = self.process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            out, err = self.process.communicate()
            pytest.fail(f"serve did not stop on SIGTERM; stderr: {err}")
        return self.process.returncode, out, err


def dashboards(tmp_path: Path) -> list[int]:
    """The dashboard processes textual-serve started for this test's database."""
    marker = str(tmp_path / "news.db").encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if any(marker in arg for arg in argv) and b"serve" not in argv:
            found.append(int(entry.name))
    return found


def wait_until(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    port = free_port()
    process = subprocess.Popen(
        newsdeck(tmp_path, "serve", "--port", str(port)),
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while not answers(port):
            if process.poll() is not None:
                pytest.fail(f"serve exited with {process.returncode}: {process.stderr.read()}")
            if time.monotonic() > deadline:
                pytest.fail(f"serve did not answer on port {port} in {STARTUP_SECONDS}s")
            time.sleep(0.05)
        yield Served(process, port)
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.communicate()
        for pid in dashboards(tmp_path):  # only if a test failed half-way
            os.kill(pid, signal.SIGKILL)


def test_serve_answers_with_the_textual_serve_page_and_stops_cleanly(served: Served) -> None:
    with urllib.request.urlopen(f"http://127.0.0.1:{served.port}/", timeout=5) as response:
        status = response.status
        content_type = response.headers.get("Content-Type", "")
        page = response.read().decode("utf-8")

    assert status == 200
    assert content_type.startswith("text/html")
    assert 'class="textual-terminal"' in page  # the textual-serve terminal element
    assert f'data-session-websocket-url="ws://127.0.0.1:{served.port}/ws"' in page
    assert "<div>newsdeck</div>" in page  # the title textual-serve shows

    code, out, _err = served.stop()
    assert code == 0
    assert f"serving the dashboard on http://127.0.0.1:{served.port}" in out


@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="needs /proc")
def test_each_browser_gets_a_dashboard_that_ends_with_the_server(
    served: Served, tmp_path: Path
) -> None:
    asyncio.run(browse_then_hang_up(served, tmp_path))

    assert served.process.returncode == 0
    # Every dashboard was told to quit, not left running without its browser.
    assert wait_until(lambda: not dashboards(tmp_path), 5), dashboards(tmp_path)


async def browse_then_hang_up(served: Served, tmp_path: Path) -> None:
    """Open the page's websocket as a browser would, see the dashboard draw, then close
    the SSH session that ran `newsdeck serve` (SIGHUP) while the browser is still open."""
    import aiohttp  # textual-serve's own HTTP stack

    url = f"http://127.0.0.1:{served.port}/ws?width=80&height=24"
    async with aiohttp.ClientSession() as session, session.ws_connect(url) as ws:
        screen = b""
        while b"\x1b[1;1H" not in screen:  # the first full frame starts at the top left
            message = await ws.receive(timeout=STARTUP_SECONDS)
            assert message.type == aiohttp.WSMsgType.BINARY, message
            screen += message.data
        assert b"\x1b[?1049h" in screen  # the dashboard took over the browser's terminal
        text = re.sub(rb"\x1b(\[[0-9;?$]*[A-Za-z]|\][^\x07]*\x07)", b"", screen)
        assert text.strip(), "the dashboard drew nothing"
        assert dashboards(tmp_path), "no dashboard process for this browser"

        served.process.send_signal(signal.SIGHUP)
        # A browser answers the server's goodbye; keep reading as one would. Stopping
        # must not wait for the browser to go away (aiohttp alone waits a minute).
        async with asyncio.timeout(STOP_SECONDS):
            async for _message in ws:
                pass
            code = await asyncio.to_thread(served.process.wait, STOP_SECONDS)
        assert code == 0


def test_a_public_host_is_refused_without_public(tmp_path: Path) -> None:
    port = free_port()
    result = subprocess.run(
        newsdeck(tmp_path, "serve", "--host", "0.0.0.0", "--port", str(port)),
        capture_output=True,
        text=True,
        timeout=30,
    )

    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "refusing to serve on 0.0.0.0" in lines[0]
    assert "no authentication" in lines[0]
    assert "--public" in lines[0]
    assert result.stdout == ""
    assert not answers(port)


def test_public_warns_that_there_is_no_authentication(tmp_path: Path) -> None:
    # A missing config file stops the command after the warning and before any socket.
    command = newsdeck(tmp_path, "serve", "--host", "0.0.0.0", "--public")
    command[command.index("--config") + 1] = str(tmp_path / "missing.toml")
    result = subprocess.run(command, capture_output=True, text=True, timeout=30)

    assert result.returncode == 2
    warning, error = result.stderr.strip().splitlines()
    assert "warning: textual-serve has no authentication" in warning
    assert "ssh -L 8000:127.0.0.1:8000" in warning
    assert "no such config file" in error


def test_a_busy_port_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            newsdeck(tmp_path, "serve", "--port", str(port)),
            capture_output=True,
            text=True,
            timeout=30,
        )

    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"newsdeck: cannot listen on 127.0.0.1:{port}: ")
    assert "in use" in lines[0]


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("[::1]", True),
        ("::ffff:127.0.0.1", True),
        ("localhost", True),
        ("LocalHost.", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.20", False),
        ("10.0.0.1", False),
        ("example.org", False),
        ("localhost.example.org", False),
        ("", False),
    ],
)
def test_only_loopback_hosts_are_served_by_default(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_the_served_command_is_this_python_with_the_same_flags(tmp_path: Path) -> None:
    args = argparse.Namespace(config="conf/newsdeck.toml", db="my news.db", demo=True)

    command = shlex.split(app_command(args))

    assert command[:3] == [sys.executable, "-m", "tui.cli"]
    assert command[3:] == [
        "--config",
        str(Path.cwd() / "conf/newsdeck.toml"),
        "--db",
        str(Path.cwd() / "my news.db"),
        "--demo",
    ]
    # It runs from any folder, as textual-serve's shell will run it.
    version = subprocess.run(
        [*command[:3], "--version"], cwd=tmp_path, capture_output=True, text=True, timeout=30
    )
    assert version.returncode == 0
    assert version.stdout.startswith("newsdeck ")
