"""`newsdeck serve`: the dashboard in a web browser, through textual-serve.

Each browser tab that connects starts its own dashboard process: this same Python
running `-m tui.cli` with the --config, --db, --demo and --no-mouse given here.
textual-serve has no authentication, so only loopback addresses are served unless
--public is given; the safe way to reach it from elsewhere is an `ssh -L` tunnel.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import ipaddress
import shlex
import signal
import socket
import sys
from pathlib import Path
from typing import Any

from tui.cli import UsageError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
# How long stopping waits for the browsers' dashboards to quit.
SHUTDOWN_SECONDS = 5.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help=f"address to listen on (default: {DEFAULT_HOST}; only loopback without --public)",
    )
    parser.add_argument(
        "--port",
        type=port_number,
        default=DEFAULT_PORT,
        help=f"port to listen on (default: {DEFAULT_PORT})",
    )
    parser.add_argument(
        "--public",
        action="store_true",
        help="allow a non-loopback --host; anyone who can reach it can use the dashboard",
    )
    parser.add_argument(
        "--public-url",
        metavar="URL",
        help="the address browsers use, when it is not http://HOST:PORT "
        "(e.g. http://localhost:9000 behind `ssh -L 9000:127.0.0.1:8000`)",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        default=argparse.SUPPRESS,
        help="serve the dashboard on built-in demo articles",
    )


def port_number(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = 0
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"must be a port number from 1 to 65535, not {text!r}")
    return port


def run(args: argparse.Namespace) -> int:
    host = _bare_host(args.host)
    port: int = args.port
    if not is_loopback(host) and not args.public:
        raise UsageError(
            f"refusing to serve on {host or '(all addresses)'}: textual-serve has no "
            "authentication; use a loopback host and an ssh -L tunnel, or add --public"
        )
    if args.public and not is_loopback(host):
        print(
            f"newsdeck: warning: textual-serve has no authentication: anyone who can reach "
            f"{host}:{port} can use this dashboard. Safer: serve on {DEFAULT_HOST} and "
            f"tunnel with `ssh -L {port}:{DEFAULT_HOST}:{port} <this host>`.",
            file=sys.stderr,
        )
    _check_dashboard_can_start(args)
    _check_port_free(host, port)
    public_url = args.public_url or _default_public_url(host, port)

    server = make_server(app_command(args), host, port, public_url)
    server.serve()
    return 0


def is_loopback(host: str) -> bool:
    """True for localhost, 127.0.0.0/8 and ::1 (also written [::1] or ::ffff:127.0.0.1)."""
    name = _bare_host(host).rstrip(".").lower()
    if name == "localhost":
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def app_command(args: argparse.Namespace) -> str:
    """The shell command textual-serve runs for each browser: this interpreter, -m tui.cli."""
    argv = [sys.executable, "-m", "tui.cli"]
    # Paths are made absolute so the served process finds them whatever its folder.
    for flag, value in (("--config", args.config), ("--db", args.db)):
        if value:
            argv += [flag, str(Path(value).expanduser().absolute())]
    if getattr(args, "demo", False):
        argv.append("--demo")
    if getattr(args, "no_mouse", False):
        argv.append("--no-mouse")
    return shlex.join(argv)


def make_server(command: str, host: str, port: int, public_url: str) -> Any:
    """A textual-serve Server that announces itself in one line instead of a banner, and
    that ends its dashboards when it stops."""
    from textual_serve.server import Server

    class DashboardServer(Server):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.sessions: set[asyncio.Task[Any]] = set()

        async def on_startup(self, app: Any) -> None:
            # Closing the SSH session that started us should stop us as cleanly as Ctrl+C.
            with contextlib.suppress(NotImplementedError):
                asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, self.request_exit)
            self.console.print(
                f"newsdeck: serving the dashboard on {self.public_url} "
                "(each browser tab gets its own; Ctrl+C stops)",
                highlight=False,
                markup=False,
                soft_wrap=True,
            )

        async def handle_websocket(self, request: Any) -> Any:
            task = asyncio.current_task()
            if task is not None:
                self.sessions.add(task)
            try:
                return await super().handle_websocket(request)
            finally:
                self.sessions.discard(task)  # type: ignore[arg-type]

        async def on_shutdown(self, app: Any) -> None:
            # textual-serve leaves open websockets alone, and aiohttp then waits up to a
            # minute for them while each dashboard process lives on. Cancelling a session
            # makes textual-serve tell its dashboard to quit and wait for it to exit.
            sessions = list(self.sessions)
            for task in sessions:
                task.cancel()
            if sessions:
                await asyncio.wait(sessions, timeout=SHUTDOWN_SECONDS)

    return DashboardServer(command, host=host, port=port, title="newsdeck", public_url=public_url)


def _check_dashboard_can_start(args: argparse.Namespace) -> None:
    # A bad config or database would otherwise fail in every browser tab, as a blank
    # page, with the reason only in this terminal: fail here, once, in one line.
    if getattr(args, "demo", False):
        return
    from storage.config import database_path
    from storage.store import Store
    from tui.commands.common import config_of

    config_of(args)
    Store(database_path(args.db)).close()


def _check_port_free(host: str, port: int) -> None:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise UsageError(f"cannot listen on {host}: {exc.strerror or exc}") from None
    for family, kind, proto, _name, address in infos:
        with socket.socket(family, kind, proto) as probe:
            # The same option aiohttp sets, so a port in TIME_WAIT is not called busy.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(address)
            except OSError as exc:
                if exc.errno == errno.EADDRNOTAVAIL:
                    continue  # e.g. no IPv6 here; asyncio skips such an address too
                shown = _url_host(str(address[0]))
                raise UsageError(
                    f"cannot listen on {shown}:{port}: {exc.strerror or exc}"
                ) from None


def _default_public_url(host: str, port: int) -> str:
    # The page tells the browser where the websocket is; a wildcard address like
    # 0.0.0.0 means nothing to a browser, so name this machine instead.
    shown = host
    try:
        if ipaddress.ip_address(host).is_unspecified:
            shown = socket.gethostname()
    except ValueError:
        pass
    return f"http://{_url_host(shown)}:{port}"


def _bare_host(host: str) -> str:
    host = host.strip()
    if host.startswith("[") and host.endswith("]"):
        return host[1:-1]
    return host


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
