"""How long `newsdeck --demo` takes to be ready, seen from a terminal (issue #6).

    uv run python tests/benchmarks/bench_demo_start.py [--runs 6] [--size 120x40]
        [--checkout DIR] [--command "uv run newsdeck --demo"]

Each run starts the command in a new detached tmux session of the given size and reads
the screen (`tmux capture-pane`) every 10 ms until a person could start reading: both
default topic tabs are there and at least one article row shows its age ("5h"). The
time is from starting tmux to that screen, so it includes `uv run`, Python's start, the
demo poll and Textual's first paints. Then it presses q and closes the session.

`--checkout` runs it in another clone (for example one just made with the README's
install command, to see what a new user sees). Needs tmux.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SESSION = "newsdeck-bench-demo"
AGE = re.compile(r"\s\d+[mhd]\s")  # the age column of an article row


def ready(screen: str) -> bool:
    return "Ukraine aid" in screen and "EU migration" in screen and bool(AGE.search(screen))


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True).stdout


def one_start(checkout: Path, command: str, size: str, limit: float = 20.0) -> float | None:
    width, height = size.split("x")
    tmux("kill-session", "-t", SESSION)
    started = time.perf_counter()
    tmux("new", "-d", "-s", SESSION, "-x", width, "-y", height, "-c", str(checkout), command)
    seconds: float | None = None
    while time.perf_counter() - started < limit:
        if ready(tmux("capture-pane", "-p", "-t", SESSION)):
            seconds = time.perf_counter() - started
            break
        time.sleep(0.01)
    tmux("send-keys", "-t", SESSION, "q")
    time.sleep(0.5)
    tmux("kill-session", "-t", SESSION)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=6)
    parser.add_argument("--size", default="120x40")
    parser.add_argument("--checkout", type=Path, default=ROOT)
    parser.add_argument("--command", default="uv run newsdeck --demo")
    args = parser.parse_args()
    times = []
    for _ in range(args.runs):
        seconds = one_start(args.checkout, args.command, args.size)
        print(f"  {'not ready after 20 s' if seconds is None else f'{seconds:.2f} s'}")
        if seconds is not None:
            times.append(seconds)
    if times:
        print(
            f"`{args.command}` at {args.size} in {args.checkout}: median"
            f" {statistics.median(times):.2f} s, {min(times):.2f}-{max(times):.2f} s,"
            f" {len(times)} of {args.runs} runs ready"
        )


if __name__ == "__main__":
    main()
