"""The dashboard's way into the database: one Store per worker thread.

Every Store call happens in a Textual thread worker. sqlite3 connections must not be
used by two threads at once, and an exclusive worker that was cancelled may still be
finishing while its replacement starts, so each thread gets its own Store, opened on
first use and kept for the life of the app (worker threads come from a pool and are
reused). Nothing here runs on the event loop.
"""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path

from storage.store import Store


class ThreadStores:
    """Lazily opened Stores, one per thread, all closed together at exit."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path
        self._local = threading.local()
        self._lock = threading.Lock()
        self._all: list[Store] = []
        self._closed = False

    def get(self) -> Store:
        store: Store | None = getattr(self._local, "store", None)
        if store is None:
            store = Store(self.db_path)
            with self._lock:
                if self._closed:
                    store.close()
                    raise RuntimeError("the dashboard is closing")
                self._all.append(store)
            self._local.store = store
        return store

    def close(self) -> None:
        with self._lock:
            self._closed = True
            stores, self._all = self._all, []
        for store in stores:
            # A thread may still be inside a query; it ends with the app.
            with contextlib.suppress(Exception):
                store.close()
