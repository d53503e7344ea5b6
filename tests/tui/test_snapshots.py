"""What the dashboard looks like, at 80x24 (a common SSH default) and at 120x40.

Also: trends (`t`) with a spike, and a story several outlets carry in the reader.

Deterministic: a fixed clock, the textual-dark theme, a fixed database, no cursor
blink, and every worker finished before the picture is taken. After a deliberate
change, look at the report and then run
    uv run pytest tests/tui/test_snapshots.py --snapshot-update
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

SIZES = [(80, 24), (120, 40)]
IDS = ["80x24", "120x40"]


def steps(kit, app, *keys: str, pause: float = 0.0) -> Callable[..., Awaitable[None]]:
    async def run_before(pilot) -> None:
        await kit.settle(pilot, app)
        for key in keys:
            await pilot.press(key)
            if pause:
                await pilot.pause(pause)
            await kit.settle(pilot, app)

    return run_before


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_main_view(kit, db_path: Path, snap_compare, size: tuple[int, int]) -> None:
    app = kit.make_app(db_path)
    assert snap_compare(app, terminal_size=size, run_before=steps(kit, app, "j", "j"))


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_reader(kit, db_path: Path, snap_compare, size: tuple[int, int]) -> None:
    app = kit.make_app(db_path)
    assert snap_compare(app, terminal_size=size, run_before=steps(kit, app, "1", "enter"))


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_filter_with_an_error(kit, db_path: Path, snap_compare, size: tuple[int, int]) -> None:
    app = kit.make_app(db_path)
    keys = ("slash", *"kyiv", "space", "left_parenthesis", *"aid")
    assert snap_compare(app, terminal_size=size, run_before=steps(kit, app, *keys, pause=0.2))


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_help(kit, db_path: Path, snap_compare, size: tuple[int, int]) -> None:
    app = kit.make_app(db_path)
    assert snap_compare(app, terminal_size=size, run_before=steps(kit, app, "question_mark"))


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_feeds_health(kit, db_path: Path, snap_compare, size: tuple[int, int]) -> None:
    app = kit.make_app(db_path)
    assert snap_compare(app, terminal_size=size, run_before=steps(kit, app, "F", "G"))


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_topic_editor(kit, db_path: Path, snap_compare, size: tuple[int, int]) -> None:
    app = kit.make_app(db_path)
    keys = ("T", "enter", "tab", "end", "space", "minus", *"kyiv")
    assert snap_compare(app, terminal_size=size, run_before=steps(kit, app, *keys, pause=0.2))


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_trends(kit, tmp_path: Path, snap_compare, size: tuple[int, int]) -> None:
    from test_app_trends import trend_db

    app = kit.make_app(trend_db(tmp_path / "trend.db", kit))
    assert snap_compare(app, terminal_size=size, run_before=steps(kit, app, "t", "j"))


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_story_in_the_reader(kit, story_db: Path, snap_compare, size: tuple[int, int]) -> None:
    app = kit.make_app(story_db)
    keys = ("j", "j", "j", "enter")
    assert snap_compare(app, terminal_size=size, run_before=steps(kit, app, *keys))
