"""A DataTable that also answers to the vim keys (j / k / g / G)."""

from __future__ import annotations

from textual.widgets import DataTable

from tui import keys


class KeyTable(DataTable):
    BINDINGS = keys.TABLE
