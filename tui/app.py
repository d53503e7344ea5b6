"""The Textual dashboard: the app, its background jobs and its safety nets.

NewsdeckApp(config, db_path) is all a caller needs; `now` (a clock) and `watch_interval`
are there for tests. The app runs three kinds of background work, all thread workers:
the poller (on `r` and every [poll] interval), a data_version check every couple of
seconds that notices writes from other processes (re-armed only after it finishes),
and the screens' own reads and writes. When a topic grows, whoever wrote, one
notification per topic says so once the writes settle (tui/notices.py). A lost
terminal (SIGHUP, stdin no longer a TTY, or, in a browser through textual-serve, the
server gone so that the driver's input ends) ends the app cleanly instead of spinning.
With no config file (and not in the demo), a welcome line says once per database where
the config would live and how to write one.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from textual import work
from textual.app import App, SystemCommand
from textual.screen import Screen
from textual.timer import Timer
from textual.worker import get_current_worker

from storage.config import Config
from storage.store import Store
from tui import keys
from tui.data import ThreadStores
from tui.messages import ConfigChanged, DataChanged, PollFinished, PollProgress
from tui.notices import NewArticles
from tui.screens.main import MainScreen
from tui.widgets.status import StatusHeader

WATCH_INTERVAL_S = 2.0
TTY_CHECK_S = 1.0
HANGUP_GRACE_S = 3.0  # after a hang-up, the most the shutdown may take
NOTICE_SETTLE_S = 2.0  # counts still for this long: the writes are done, say what came
NOTICE_MAX_WAIT_S = 20.0  # a steady trickle of writes is reported at least this often
THEMES = ("textual-dark", "textual-light")


class NewsdeckApp(App[None]):
    TITLE = "newsdeck"
    CSS_PATH = "app.tcss"
    BINDINGS = keys.APP

    def __init__(
        self,
        config: Config,
        db_path: Path,
        *,
        now: Callable[[], float] | None = None,
        watch_interval: float = WATCH_INTERVAL_S,
        auto_poll: bool = True,
        theme: str = THEMES[0],
        demo: bool = False,
    ) -> None:
        super().__init__()
        self.config = config
        self.db_path = Path(db_path)
        self.clock: Callable[[], float] = now or time.time
        self.watch_interval = watch_interval
        self.auto_poll = auto_poll
        self.stores = ThreadStores(self.db_path)
        self._hang_up_timer: threading.Timer | None = None  # set once the terminal is gone
        self.animation_level = "none"
        self.theme = theme
        self.polling = False
        self._quiet_poll = False
        self._watch_store: Store | None = None
        self._watch_version: int | None = None
        self.demo = demo
        self.new_articles = NewArticles()
        self.notice_settle = NOTICE_SETTLE_S
        self._notice_timer: Timer | None = None
        self._notice_since: float | None = None

    # -- start and stop --------------------------------------------------------------------

    def on_mount(self) -> None:
        if self.config.keymap:
            self.set_keymap(self.config.keymap)
        self.push_screen(MainScreen())
        self.set_timer(self.watch_interval, self.check_data_version)
        if self.auto_poll:
            self.set_timer(1.0, self._scheduled_poll)
            self.set_interval(max(60, self.config.poll.interval), self._scheduled_poll)
        if not self.is_headless:
            self._guard_terminal()
        if self.wants_welcome:
            self._welcome()

    def _guard_terminal(self) -> None:
        """Exit on hang-up: SIGHUP, and a 1 s check that stdin is still a terminal
        (the only thing that works when SIGHUP is ignored, as under nohup). In a
        browser, stdin is textual-serve's pipe: the check is that the web driver is
        still reading it (its input thread ends when the pipe closes, as when the
        server is killed, but the app would go on running without anyone to see it)."""
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, self._hung_up)
        if self.is_web:
            self.set_interval(TTY_CHECK_S, self._check_web_input)
            return
        stdin = sys.__stdin__
        if stdin is not None and _is_tty(stdin.fileno()):
            self.set_interval(TTY_CHECK_S, self._check_tty)

    def _check_tty(self) -> None:
        stdin = sys.__stdin__
        if stdin is None or not _is_tty(stdin.fileno()):
            self._hung_up()

    def _check_web_input(self) -> None:
        if input_ended(self._driver):
            self._hung_up()

    def _hung_up(self) -> None:
        """Nobody is there any more: exit, and make sure of it. Shutting down waits on
        the terminal and on worker threads; after a hang-up none of that may hold the
        process, so a timer ends it after HANGUP_GRACE_S whatever is still running
        (SQLite drops an unfinished transaction)."""
        if self._hang_up_timer is None:
            self._hang_up_timer = threading.Timer(HANGUP_GRACE_S, os._exit, args=(0,))
            self._hang_up_timer.daemon = True
            self._hang_up_timer.start()
        self.exit()

    # -- the first run -----------------------------------------------------------------------

    @property
    def wants_welcome(self) -> bool:
        """No config file yet (the built-in feeds and topics apply), and not the demo."""
        return not self.demo and not self.config.exists and self.config.path is not None

    @property
    def welcome_marker(self) -> Path:
        """Next to the database: the welcome was shown for this database."""
        return self.db_path.with_name(self.db_path.name + ".welcomed")

    @work(thread=True, group="welcome", exit_on_error=False)
    def _welcome(self) -> None:
        marker = self.welcome_marker
        if marker.exists():
            return
        self.call_from_thread(
            self.notify,
            "These are the built-in feeds and topics: there is no config file yet."
            f" It would live at {self.config.path}; `newsdeck config init` writes it"
            " there, commented, for you to edit (`newsdeck config path` shows where"
            " everything lives).",
            title="Welcome to newsdeck",
            timeout=30,
            markup=False,
        )
        with contextlib.suppress(OSError):  # a read-only folder: welcome again next time
            marker.write_text("the welcome line was shown\n", encoding="utf-8")

    # -- new articles in topics ----------------------------------------------------------

    def topics_counted(self, topics: Iterable[object]) -> None:
        """Every topic's latest count (MainScreen reads them after each write)."""
        if self.new_articles.observe(topics):  # type: ignore[arg-type]
            if self._notice_since is None:
                self._notice_since = time.monotonic()
            if not self.polling and time.monotonic() - self._notice_since > NOTICE_MAX_WAIT_S:
                self._flush_notices()  # writes keep coming: say what came so far
            else:
                self._arm_notices()

    def _arm_notices(self) -> None:
        if self._notice_timer is not None:
            self._notice_timer.stop()
        self._notice_timer = self.set_timer(self.notice_settle, self._flush_notices)

    def _flush_notices(self) -> None:
        if self._notice_timer is not None:
            self._notice_timer.stop()
        self._notice_timer = None
        if self.polling:
            self._arm_notices()  # our own poll: report once it is done
            return
        self._notice_since = None
        for line in self.new_articles.flush():
            self.notify(line, title="New articles", timeout=6, markup=False)

    def on_unmount(self) -> None:
        self.stores.close()
        if self._watch_store is not None:
            with contextlib.suppress(Exception):
                self._watch_store.close()

    # -- noticing other writers --------------------------------------------------------------

    @work(thread=True, exclusive=True, group="watch", exit_on_error=False)
    def check_data_version(self) -> None:
        changed = False
        try:
            if self._watch_store is None:
                self._watch_store = Store(self.db_path)
            version = self._watch_store.data_version()
            changed = self._watch_version is not None and version != self._watch_version
            self._watch_version = version
        except Exception:  # a busy or vanished database: try again next time
            pass
        if not get_current_worker().is_cancelled:
            self.call_from_thread(self._version_checked, changed)

    def _version_checked(self, changed: bool) -> None:
        if changed:
            self.broadcast(self._watch_version or 0)
        self.set_timer(self.watch_interval, self.check_data_version)

    def broadcast(self, version: int = 0) -> None:
        """Tell every screen that the database changed."""
        for screen in self.screen_stack:
            screen.post_message(DataChanged(version))

    # -- polling -----------------------------------------------------------------------------

    def _scheduled_poll(self) -> None:
        if not self.polling:
            self.start_poll(force=False, quiet=True)

    def action_poll(self) -> None:
        if self.polling:
            self.notify("Already polling", timeout=2)
            return
        self.start_poll(force=True)

    def start_poll(self, *, force: bool, quiet: bool = False) -> None:
        try:
            from storage.poller import poll_once  # noqa: F401
        except ImportError:
            if not quiet:
                self.notify("Polling is not available in this build", severity="warning")
            return
        self.polling = True
        self._quiet_poll = quiet
        self._header(running=True, done=0, total=0, new=0)
        self._poll(force)

    @work(thread=True, exclusive=True, group="poll", exit_on_error=False)
    def _poll(self, force: bool) -> None:
        from storage.poller import poll_once

        worker = get_current_worker()
        outcome: dict[str, object] = {}

        def progress(done: int, total: int, new: int) -> None:
            self.post_message(PollProgress(done, total, new))

        def run() -> None:
            try:
                outcome["summary"] = poll_once(
                    self.db_path, self.config, force=force, on_progress=progress
                )
            except Exception as error:  # StorageError, ConfigError, anything: one line
                outcome["error"] = str(error) or type(error).__name__

        # A daemon thread, so quitting never waits for slow feeds; SQLite keeps the
        # database consistent if the process ends mid-poll.
        thread = threading.Thread(target=run, name="newsdeck-poll", daemon=True)
        thread.start()
        while thread.is_alive():
            thread.join(0.2)
            if worker.is_cancelled:
                return
        summary = outcome.get("summary")
        if summary is None:
            self.post_message(PollFinished(error=str(outcome.get("error", "poll failed"))))
            return
        failed = summary.count("failed") + summary.count("gone")  # type: ignore[attr-defined]
        self.post_message(
            PollFinished(
                new=summary.new_articles,  # type: ignore[attr-defined]
                failed=failed,
                finished_at=self.clock(),
            )
        )

    def on_poll_progress(self, message: PollProgress) -> None:
        self._header(running=True, done=message.done, total=message.total, new=message.new)

    def on_poll_finished(self, message: PollFinished) -> None:
        self.polling = False
        self._header(running=False)
        if message.error:
            self.notify(f"Poll failed: {message.error}", severity="error", markup=False)
        elif self._quiet_poll:  # scheduled: failures are in the header, not in toasts
            if message.new:
                self.notify(f"{message.new:,} new", timeout=4)
        elif message.new or message.failed:
            text = f"{message.new:,} new"
            if message.failed:
                text += f", {message.failed} feeds failed (see Feeds health: F)"
            self.notify(text, severity="warning" if message.failed else "information", timeout=4)
        self.broadcast()

    def _header(self, **state: object) -> None:
        for screen in self.screen_stack:
            for header in screen.query(StatusHeader):
                header.update_state(**state)

    # -- screens and commands ----------------------------------------------------------------

    def action_help(self) -> None:
        from tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(keys.help_rows(self.config.keymap)))

    def action_feeds(self) -> None:
        from tui.screens.feeds import FeedsScreen

        if not isinstance(self.screen, FeedsScreen):
            self.push_screen(FeedsScreen())

    def action_trends(self) -> None:
        from tui.screens.trends import TrendsScreen

        if not isinstance(self.screen, TrendsScreen):
            main = self._main()
            self.push_screen(TrendsScreen(main.tab if main is not None else 0))

    def action_topics(self) -> None:
        from tui.screens.topics import TopicsScreen

        if not isinstance(self.screen, TopicsScreen):
            self.push_screen(TopicsScreen())

    def action_toggle_theme(self) -> None:
        self.theme = THEMES[1] if self.theme == THEMES[0] else THEMES[0]

    def action_mark_all_read(self) -> None:
        main = self._main()
        if main is not None:
            main.action_mark_all_read()

    def _main(self) -> MainScreen | None:
        for screen in self.screen_stack:
            if isinstance(screen, MainScreen):
                return screen
        return None

    def on_config_changed(self, message: ConfigChanged) -> None:
        self.config = message.config  # type: ignore[assignment]
        self.broadcast()

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield SystemCommand("Poll now", "Fetch new articles from every feed", self.action_poll)
        yield SystemCommand("Add feed", "Add a feed to the config file", self._add_feed)
        yield SystemCommand(
            "Edit topics", "Add, rename, delete and edit topics", self.action_topics
        )
        yield SystemCommand(
            "Feeds health", "Each feed's state, errors and next poll", self.action_feeds
        )
        yield SystemCommand(
            "Trends", "Each topic's articles per day, spikes marked", self.action_trends
        )
        yield SystemCommand(
            "Toggle theme", "Switch between dark and light", self.action_toggle_theme
        )
        yield SystemCommand(
            "Mark all read",
            "Mark every article in the current view read",
            self.action_mark_all_read,
        )
        yield SystemCommand("Help", "List every key", self.action_help)
        yield from super().get_system_commands(screen)

    def _add_feed(self) -> None:
        from tui.screens.feeds import FeedsScreen

        screen = FeedsScreen()
        self.push_screen(screen)
        self.call_after_refresh(screen.action_add)


def _is_tty(fd: int) -> bool:
    try:
        import termios

        termios.tcgetattr(fd)
    except Exception:
        return False
    return os.isatty(fd)


def input_ended(driver: object) -> bool:
    """True when a web driver's input thread has stopped: its stdin (textual-serve's
    pipe) reached end of file or the server said "exit". Textual's WebDriver then stops
    reading, but nothing ends the app."""
    thread = getattr(driver, "_key_thread", None)
    if not isinstance(thread, threading.Thread):
        return False
    return thread.ident is not None and not thread.is_alive()
