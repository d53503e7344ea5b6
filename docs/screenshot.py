"""Regenerate the README's screenshots from the offline demo.

    uv run python docs/screenshot.py

Opens the demo (the real poller over the demo feed files, in a temporary folder) at
120x40, saves the main view and the reader as SVG with Textual's screenshot support,
and removes the temporary folder.
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

from storage.demo import open_demo
from tui.app import NewsdeckApp

HERE = Path(__file__).resolve().parent


async def main() -> None:
    config, db_path = await asyncio.to_thread(open_demo)
    try:
        app = NewsdeckApp(config=config, db_path=db_path, auto_poll=False)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause(0.5)
            await app.workers.wait_for_complete()
            await pilot.pause(0.2)
            app.save_screenshot("screenshot-main.svg", path=str(HERE))
            await pilot.press("j", "j", "enter")
            await pilot.pause(0.5)
            await app.workers.wait_for_complete()
            await pilot.pause(0.2)
            app.save_screenshot("screenshot-reader.svg", path=str(HERE))
    finally:
        shutil.rmtree(db_path.parent, ignore_errors=True)
    print(f"wrote {HERE / 'screenshot-main.svg'} and {HERE / 'screenshot-reader.svg'}")


if __name__ == "__main__":
    asyncio.run(main())
