"""newsdeck data side: config, database, feeds, parsing, search. Never imports textual or rich."""

import sys

__version__ = "0.1.0"

# httpx's package __init__ imports its optional command-line tool, httpx._main, which
# drags in rich, click and pygments whenever they are installed (sqlite-utils brings
# click): ~0.4 s of start-up, and storage/ must not import rich. A None entry makes that
# one import fail, and httpx falls back to a stub `httpx.main` we never call. This runs
# before any storage module, whichever imports httpx first.
if "httpx" not in sys.modules:
    sys.modules.setdefault("httpx._main", None)  # type: ignore[assignment]
