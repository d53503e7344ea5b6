"""Opening the dashboard: load the config, open the store, run the Textual app.

`--demo` polls the built-in demo feeds (files, no network) into a temporary database,
opens the dashboard on it and removes it afterwards.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import threading

from tui.commands.common import config_of, open_store


def run(args: argparse.Namespace) -> int:
    demo_folder = None
    demo_ready = None
    if getattr(args, "demo", False):
        from storage.demo import start_demo

        # The demo poll runs in a child process while Textual loads here.
        config, db_path, demo_ready = start_demo()
        demo_folder = db_path.parent
    else:
        config = config_of(args)
        store = open_store(args, config)
        db_path = store.path
        store.close()
    try:
        from tui.app import NewsdeckApp

        if demo_ready is not None:
            demo_ready()
        app = NewsdeckApp(config=config, db_path=db_path, demo=demo_folder is not None)
        app.run(mouse=not getattr(args, "no_mouse", False))
    finally:
        if demo_folder is not None:
            shutil.rmtree(demo_folder, ignore_errors=True)
    code = app.return_code or 0
    if any(t.name == "newsdeck-poll" and t.is_alive() for t in threading.enumerate()):
        # A poll is still waiting on slow feeds (or a DNS lookup that cannot be
        # interrupted), and Python would wait for its threads before exiting: after a
        # hang-up nobody is there to wait for. SQLite drops an unfinished transaction.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code
