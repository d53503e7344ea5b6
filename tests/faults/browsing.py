"""Driving the dashboard with Textual's Pilot the way a reader does, and noticing trouble.

`browse` presses a seeded random mix of the keys people use most (j/k, enter to read,
escape, topic switches, a filter typed and cleared) until a deadline; `trouble` lists
what went wrong meanwhile: error notifications, workers that died, an exception the
app caught. Used by the lock test and by the soak.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.worker import WorkerState

from storage.config import Config

FILTERS = ("aid", "border*", "harbour OR ferry", "kyiv -metro", "since:30d")


@dataclass
class Browsing:
    """What a browse did: key presses by kind, and any trouble it saw."""

    presses: dict[str, int] = field(default_factory=dict)
    opened: int = 0  # articles shown in the reader

    def count(self, kind: str) -> None:
        self.presses[kind] = self.presses.get(kind, 0) + 1

    @property
    def total(self) -> int:
        return sum(self.presses.values())


def make_app(config: Config, db: Path, **kwargs: Any) -> Any:
    """The real dashboard on a real file; polling is left to the daemon under test."""
    from tui.app import NewsdeckApp

    kwargs.setdefault("auto_poll", False)
    return NewsdeckApp(config, db, **kwargs)


def notifications(app: Any) -> list[tuple[str, str]]:
    """(severity, message) of every notification the app has shown and still holds."""
    return [(n.severity, str(n.message)) for n in app._notifications]


def trouble(app: Any, *, allow: tuple[str, ...] = ()) -> list[str]:
    """Everything a user would call an error, except messages containing an `allow` text."""
    found = [
        f"notification: {text}"
        for severity, text in notifications(app)
        if severity == "error" and not any(a in text for a in allow)
    ]
    found += [
        f"worker {w.name!r} failed: {w.error!r}"
        for w in app.workers
        if w.state == WorkerState.ERROR and not any(a in str(w.error) for a in allow)
    ]
    if getattr(app, "_exception", None) is not None:
        found.append(f"app exception: {app._exception!r}")
    return found


async def browse(pilot: Pilot[Any], app: Any, seconds: float, seed: int = 8) -> Browsing:
    """Press keys for `seconds`, about ten a second, as a person skimming the news."""
    from tui.screens.main import MainScreen

    rng = random.Random(seed)
    done = Browsing()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        screen = app.screen
        if not isinstance(screen, MainScreen):  # help or another screen: go back
            await pilot.press("escape")
            done.count("escape")
            continue
        roll = rng.random()
        if roll < 0.45:
            key = rng.choice(["j", "j", "j", "k", "g", "G", "pagedown"])
            await pilot.press(key)
            done.count(key)
        elif roll < 0.6:
            await pilot.press("enter")
            done.count("enter")
            await pilot.pause(0.2)
            if screen.reading:
                done.opened += 1
            await pilot.press("j", "escape")
            done.count("escape")
        elif roll < 0.8:
            key = rng.choice(["tab", "shift+tab", "0", "1", "2"])
            await pilot.press(key)
            done.count("topic")
        else:
            await pilot.press("slash")
            for ch in rng.choice(FILTERS):
                await pilot.press("space" if ch == " " else ch)
            await pilot.press("enter")
            done.count("filter")
            await pilot.pause(0.2)
            await pilot.press("escape")
            done.count("escape")
        await pilot.pause(0.05)
    return done
