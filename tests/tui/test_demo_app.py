"""The demo as a new user meets it: both default topic panes have articles."""

from __future__ import annotations

import asyncio
from pathlib import Path

from storage.demo import open_demo
from tui.app import NewsdeckApp
from tui.screens.main import MainScreen


async def test_demo_opens_with_both_default_topics_filled(kit, tmp_path: Path) -> None:
    config, db_path = await asyncio.to_thread(open_demo, tmp_path)
    app = NewsdeckApp(config=config, db_path=db_path, auto_poll=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await kit.settle(pilot, app)
        screen = app.screen
        assert isinstance(screen, MainScreen)
        assert screen.stats.all_total >= 150  # articles; the list shows one row per story
        everything = screen.articles.total
        assert everything and everything > 100
        totals = {}
        for key, name in (("1", "Ukraine aid"), ("2", "EU migration")):
            await pilot.press(key)
            await kit.settle(pilot, app)
            totals[name] = screen.articles.total
            assert name in kit.screen_text(app)
        assert all(0 < n < everything for n in totals.values()), totals
