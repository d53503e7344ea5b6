"""One reader poll, timed from outside by bench_poll.py; runs in reader's own venv.

    /tmp/reader-venv/bin/python tests/benchmarks/poll_reader.py --db R.sqlite --urls URLS [--add]

With --add, every URL in the file (one a line) is added first (`add_feed(exist_ok=True)`).
Then `update_feeds_iter(scheduled=False, workers=N)` runs once: the iterator form of
`update_feeds(scheduled=False)` that also says what each feed came to. `scheduled=False`
makes reader fetch every feed even inside its 60 min update interval; search is not
enabled, so no full-text index is built. Prints one JSON line of counts.
Only the standard library and reader are imported here.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from reader import make_reader


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--urls", required=True, type=Path)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--add", action="store_true")
    args = parser.parse_args()
    reader = make_reader(args.db)
    if args.add:
        for url in args.urls.read_text().split():
            reader.add_feed(url, exist_ok=True)
    counts = {"feeds": 0, "not_modified": 0, "errors": 0, "new": 0, "modified": 0}
    for result in reader.update_feeds_iter(scheduled=False, workers=args.workers):
        counts["feeds"] += 1
        value = result.value
        if value is None:
            counts["not_modified"] += 1
        elif isinstance(value, Exception):
            counts["errors"] += 1
        else:
            counts["new"] += value.new
            counts["modified"] += value.modified
    reader.close()
    print(json.dumps(counts))


if __name__ == "__main__":
    main()
