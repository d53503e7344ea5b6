"""Poller benchmark (issue #3): newsdeck against newsboat and reader on the same feeds.

What it measures: the wall time and peak RSS of one whole polling process, per tool, for
three polls of 200 full-text feeds x 50 items served on 127.0.0.1:

- cold:   an empty database; every feed answers 200 with a gzipped body.
- warm:   nothing changed; every feed should answer 304 to a conditional request.
- change: half of the feeds were rewritten (10 % of all items changed, 3 new items in
          each rewritten feed); those answer 200, the rest 304.

Tools, each a fresh process per poll (so imports and start-up are included):
- newsdeck: `newsdeck poll --once --json --config CONF --db DB` (concurrency 16, the
  two default topics in CONF, so topic matching runs at ingest).
- newsboat: `newsboat -x reload -u URLS -c CACHE -C CONF` with `reload-threads 8`.
  newsboat 2.21 stores no validators on its first reload, so its second reload
  downloads everything again; that one is timed and reported as "newsboat 2nd reload",
  and newsboat's "warm" is its third reload, the first conditional one.
- reader: tests/benchmarks/poll_reader.py in reader's own venv, which runs
  `update_feeds_iter(scheduled=False, workers=1)` (search off).

The feed server (poll_server.py) is a separate process on the same cores, with ETag,
Last-Modified, 304s and pre-gzipped bodies. Wall time is measured around each process;
peak RSS and CPU time come from GNU time (/usr/bin/time). Each cell is the median of
--runs runs; the runs interleave the tools. Before each poll the script waits (up to
--quiet s) for a second in which the machine is idle, and it reports how much CPU other
programs used while each tool ran. The Python tools run with a bytecode cache compiled
beforehand (outside the source tree), as an installed package has. After the cold and
change polls each tool's database is read back: it must hold every expected (feed,
guid) exactly once, with the latest titles.

Run (10-15 min for the full set; --quick is 20 feeds and 1 run, about a minute):

    apt-get install -y newsboat time
    python3 -m venv /tmp/reader-venv && /tmp/reader-venv/bin/pip install reader sgmllib3k
    cd /work/main && uv run python tests/benchmarks/bench_poll.py [--quick]

Results go to stdout as Markdown and to WORK/results.json (WORK: --work, default
/tmp/newsdeck-bench-poll). `--profile` measures newsdeck alone instead (poll_profile.py):
it times the writer's stages one after another on one thread (parse, clean, upsert with
and without FTS, topic matching, commit), then runs `poll_once` in this process under
cProfile for the three polls (WORK/profile-*.prof keep the data).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE))

from poll_feeds import Corpus, generate  # noqa: E402

PHASES = ("cold", "second", "warm", "change")
DEFAULT_WORK = Path(tempfile.gettempdir()) / "newsdeck-bench-poll"
DEFAULT_READER_PYTHON = Path("/tmp/reader-venv/bin/python")
TIME = "/usr/bin/time"  # GNU time (apt-get install time)
NO_PROXY_ENV = {"NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}


# --- measuring one process ----------------------------------------------------------


@dataclass
class Measurement:
    tool: str
    phase: str
    run: int
    wall_s: float
    max_rss_mb: float
    user_s: float
    sys_s: float
    returncode: int
    other_cpu_s: float = 0.0  # CPU used during the run by neither the tool nor the server
    waited_s: float = 0.0  # how long the run waited for the machine to go quiet
    code: str = ""  # newsdeck only: a hash of its source when the poll ran
    server: dict[str, Any] = field(default_factory=dict)  # the feed server's counters
    output: dict[str, Any] = field(default_factory=dict)  # what the tool said it did
    check: dict[str, Any] = field(default_factory=dict)  # the database read back


PYCACHE: Path | None = None  # set by compile_bytecode()


def code_state() -> str:
    """A short hash of newsdeck's Python source: shows when the code changed mid-benchmark."""
    h = hashlib.blake2b(digest_size=6)
    for path in sorted([*REPO.glob("storage/**/*.py"), *REPO.glob("tui/**/*.py")]):
        with contextlib.suppress(OSError):
            h.update(str(path.relative_to(REPO)).encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def clean_env(**extra: str) -> dict[str, str]:
    """The caller's environment without proxies (everything here is loopback).

    Python tools get a bytecode cache (see compile_bytecode) even where the caller's
    environment says PYTHONDONTWRITEBYTECODE, as every normal installation has one.
    """
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if PYCACHE is not None:
        env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    env.update(NO_PROXY_ENV)
    env.update(extra)
    return env


def compile_bytecode(pycache: Path, pythons: list[tuple[Path, list[Path]]]) -> None:
    """Compile the Python tools' code into `pycache` before anything is timed.

    Without .pyc files every run would compile ~270 modules from source first (0.6 s
    here): that is what happens on a machine with PYTHONDONTWRITEBYTECODE=1, not what
    users of an installed package see. The cache lives outside the source tree.
    """
    global PYCACHE
    PYCACHE = pycache
    env = clean_env()
    for python, paths in pythons:
        cmd = [str(python), "-m", "compileall", "-q", "-j", "0", *map(str, paths)]
        subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def site_packages(python: Path) -> Path:
    code = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    return Path(
        subprocess.run([str(python), "-c", code], capture_output=True, text=True).stdout.strip()
    )


def measure(
    cmd: Sequence[str], *, cwd: Path, env: dict[str, str], log: Path
) -> tuple[float, float, float, float, int, str]:
    """Run cmd to completion: (wall s, max RSS MB, user s, sys s, exit code, stdout).

    Peak RSS comes from GNU time, which forks the tool from its own small process. Taking
    it from os.wait4() here would be wrong: the forked child's max RSS starts at this
    (larger) Python process's high-water mark, and exec() keeps that figure.
    """
    usage_file = log.with_suffix(".time")
    timed = [TIME, "-o", str(usage_file), "-f", "%e %M %U %S", *cmd]
    with open(log, "wb") as err, tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        proc = subprocess.run(timed, cwd=cwd, env=env, stdout=out, stderr=err, check=False)
        wall = time.perf_counter() - started
        out.seek(0)
        stdout = out.read().decode("utf-8", "replace")
    # GNU time writes "Command exited with non-zero status N" first when it fails.
    _, max_rss_kb, user, sys_s = usage_file.read_text().split("\n")[-2].split()
    return wall, int(max_rss_kb) / 1024, float(user), float(sys_s), proc.returncode, stdout


# --- other work on the machine -------------------------------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy (all cores) since boot."""
    with open("/proc/stat") as f:
        ticks = [int(x) for x in f.readline().split()[1:9]]
    return (sum(ticks) - ticks[3] - ticks[4]) / CLOCK_TICKS  # minus idle and iowait


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of a running process (all its threads)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def wait_until_quiet(limit: float, busy_cores: float = 0.25) -> float:
    """Wait (at most `limit` s) for a second in which under `busy_cores` cores are busy.

    Other programs sharing the machine (test suites, builds) skew the timings; this
    waits them out when it can, and the `other` column says how much got in anyway.
    """
    started = time.monotonic()
    while time.monotonic() - started < limit:
        before = busy_seconds()
        time.sleep(1.0)
        if busy_seconds() - before < busy_cores:
            break
    return time.monotonic() - started


# --- the feed server process --------------------------------------------------------


class FeedServerProcess:
    """poll_server.py in its own process; this side only switches sets and reads counters."""

    def __init__(self, root: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(HERE / "poll_server.py"), str(root)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().split()
        if len(line) != 2 or line[0] != "PORT":
            self.proc.kill()
            raise RuntimeError(f"feed server did not start: {line!r}")
        self.port = int(line[1])
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def url(self, feed: int) -> str:
        return f"http://127.0.0.1:{self.port}/feeds/{feed:03d}.xml"

    def control(self, what: str) -> dict[str, Any]:
        with self.opener.open(f"http://127.0.0.1:{self.port}/__{what}", timeout=10) as r:
            return json.loads(r.read())

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


# --- reading a database back --------------------------------------------------------

Row = tuple[str, str, str]  # (feed URL, guid, title)


def check_rows(rows: list[Row], urls: list[str], expected: list[dict[str, str]]) -> dict[str, Any]:
    """Compare what a database holds with what the corpus says it should hold."""
    want = {
        (urls[i], guid): title for i, items in enumerate(expected) for guid, title in items.items()
    }
    seen = Counter((url, guid) for url, guid, _ in rows)
    got = {(url, guid): " ".join(title.split()) for url, guid, title in rows}
    missing = [k for k in want if k not in seen]
    unexpected = [k for k in seen if k not in want]
    wrong_titles = [k for k, t in want.items() if k in got and got[k] != " ".join(t.split())]
    return {
        "items": len(rows),
        "expected": len(want),
        "duplicates": sum(n - 1 for n in seen.values() if n > 1),
        "missing": len(missing),
        "unexpected": len(unexpected),
        "wrong_titles": len(wrong_titles),
        "examples": [list(k) for k in (missing[:2] + unexpected[:2] + wrong_titles[:2])],
        "ok": len(rows) == len(want) and not missing and not unexpected and not wrong_titles,
    }


def read_rows(db: Path, sql: str) -> list[Row]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return [(str(a), str(b), str(c or "")) for a, b, c in conn.execute(sql)]
    finally:
        conn.close()


# --- the tools ----------------------------------------------------------------------


class Tool:
    name = ""

    def __init__(self, work: Path, urls: list[str]) -> None:
        self.work = work
        self.urls = urls
        self.urls_file = work / "urls.txt"

    def prepare(self) -> None:
        """A fresh, empty state for one run."""
        shutil.rmtree(self.work, ignore_errors=True)
        self.work.mkdir(parents=True)
        self.urls_file.write_text("".join(u + "\n" for u in self.urls))

    def command(self, phase: str) -> list[str]:
        raise NotImplementedError

    def env(self) -> dict[str, str]:
        return clean_env()

    def parse_output(self, stdout: str) -> dict[str, Any]:
        return {}

    def rows(self) -> list[Row]:
        raise NotImplementedError

    def version(self) -> str:
        raise NotImplementedError


class Newsdeck(Tool):
    name = "newsdeck"

    def __init__(self, work: Path, urls: list[str]) -> None:
        super().__init__(work, urls)
        self.exe = Path(sys.executable).parent / "newsdeck"
        self.config = work / "config.toml"
        self.db = work / "newsdeck.db"

    def prepare(self) -> None:
        super().prepare()
        from storage.defaults import DEFAULT_TOPICS

        lines = ["# written by bench_poll.py; [poll] concurrency is the default, 16", ""]
        for name, query in DEFAULT_TOPICS:
            lines += [
                "[[topics]]",
                f"name = {json.dumps(name)}",
                f"query = {json.dumps(query)}",
                "",
            ]
        for url in self.urls:
            lines += ["[[feeds]]", f"url = {json.dumps(url)}", ""]
        self.config.write_text("\n".join(lines))

    def command(self, phase: str) -> list[str]:
        return [
            str(self.exe),
            "poll",
            "--once",
            "--json",
            "--config",
            str(self.config),
            "--db",
            str(self.db),
        ]

    def env(self) -> dict[str, str]:
        # No user config or data folder may leak in.
        return clean_env(
            HOME=str(self.work), XDG_CONFIG_HOME=str(self.work), XDG_DATA_HOME=str(self.work)
        )

    def parse_output(self, stdout: str) -> dict[str, Any]:
        try:
            data = json.loads(stdout)
        except json.JSONDecodeError:
            return {"unparsed": stdout[-300:]}
        statuses = Counter(f["status"] for f in data["feeds"])
        return {
            "statuses": dict(statuses),
            "new": data["new_articles"],
            "updated": sum(f["updated"] for f in data["feeds"]),
            "errors": [f["error"] for f in data["feeds"] if f["error"]][:3],
        }

    def rows(self) -> list[Row]:
        return read_rows(
            self.db,
            "SELECT coalesce(f.config_url, f.url), a.guid, a.title"
            " FROM articles a JOIN feeds f ON f.id = a.feed_id",
        )

    def topic_counts(self) -> dict[str, int]:
        conn = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True)
        try:
            return dict(conn.execute("SELECT name, total FROM topics").fetchall())
        finally:
            conn.close()

    def version(self) -> str:
        out = subprocess.run([str(self.exe), "--version"], capture_output=True, text=True)
        return out.stdout.strip() or out.stderr.strip()


class Newsboat(Tool):
    name = "newsboat"

    def __init__(self, work: Path, urls: list[str], threads: int = 8) -> None:
        super().__init__(work, urls)
        self.threads = threads
        self.config = work / "newsboat.conf"
        self.cache = work / "cache.db"

    def prepare(self) -> None:
        super().prepare()
        self.config.write_text(f"reload-threads {self.threads}\n")

    def command(self, phase: str) -> list[str]:
        return [
            "newsboat",
            "-x",
            "reload",
            "-u",
            str(self.urls_file),
            "-c",
            str(self.cache),
            "-C",
            str(self.config),
        ]

    def env(self) -> dict[str, str]:
        return clean_env(
            HOME=str(self.work), XDG_CONFIG_HOME=str(self.work), XDG_DATA_HOME=str(self.work)
        )

    def rows(self) -> list[Row]:
        return read_rows(self.cache, "SELECT feedurl, guid, title FROM rss_item")

    def version(self) -> str:
        out = subprocess.run(["newsboat", "--version"], capture_output=True, text=True)
        return out.stdout.split("\n")[0].split(" - ")[0]


class Reader(Tool):
    name = "reader"

    def __init__(self, work: Path, urls: list[str], python: Path, workers: int = 1) -> None:
        super().__init__(work, urls)
        self.python = python
        self.workers = workers
        self.db = work / "reader.sqlite"

    def command(self, phase: str) -> list[str]:
        cmd = [
            str(self.python),
            str(HERE / "poll_reader.py"),
            "--db",
            str(self.db),
            "--urls",
            str(self.urls_file),
        ]
        cmd += ["--workers", str(self.workers)]
        return cmd + (["--add"] if phase == "cold" else [])

    def parse_output(self, stdout: str) -> dict[str, Any]:
        try:
            return json.loads(stdout.strip().splitlines()[-1])
        except (json.JSONDecodeError, IndexError):
            return {"unparsed": stdout[-300:]}

    def rows(self) -> list[Row]:
        return read_rows(self.db, "SELECT feed, id, title FROM entries")

    def version(self) -> str:
        code = (
            "import reader, feedparser, sqlite3;"
            " print(reader.__version__, feedparser.__version__, sqlite3.sqlite_version)"
        )
        out = subprocess.run([str(self.python), "-c", code], capture_output=True, text=True)
        return out.stdout.strip()


# --- the benchmark ------------------------------------------------------------------


def phases_of(tool: Tool) -> list[str]:
    return (
        ["cold", "second", "warm", "change"]
        if tool.name == "newsboat"
        else ["cold", "warm", "change"]
    )


def expected_statuses(phase: str, corpus: Corpus) -> tuple[int, int]:
    """(200s, 304s) the server should count for a well-behaved conditional client."""
    if phase == "cold":
        return corpus.feeds, 0
    if phase == "change":
        return len(corpus.changed_feeds), corpus.feeds - len(corpus.changed_feeds)
    return 0, corpus.feeds


def run_tool(
    tool: Tool, run: int, server: FeedServerProcess, corpus: Corpus, logs: Path, quiet: float
) -> list[Measurement]:
    tool.prepare()
    server.control("use/base")
    out = []
    for phase in phases_of(tool):
        if phase == "change":
            server.control("use/changed")
        server.control("reset")
        log = logs / f"{tool.name}-{run}-{phase}.stderr"
        waited = wait_until_quiet(quiet)
        busy_before, server_before = busy_seconds(), process_cpu(server.proc.pid)
        wall, rss, user, sys_s, rc, stdout = measure(
            tool.command(phase), cwd=tool.work, env=tool.env(), log=log
        )
        other = busy_seconds() - busy_before - (process_cpu(server.proc.pid) - server_before)
        other = max(0.0, other - user - sys_s)
        m = Measurement(tool.name, phase, run, wall, rss, user, sys_s, rc, other, waited)
        if isinstance(tool, Newsdeck):
            m.code = code_state()
        m.server = server.control("stats")
        m.output = tool.parse_output(stdout)
        if phase in ("cold", "change") and rc == 0:
            m.check = check_rows(
                tool.rows(), tool.urls, corpus.expected("base" if phase == "cold" else "changed")
            )
            if isinstance(tool, Newsdeck):
                m.check["topics"] = tool.topic_counts()
        ok, nm = m.server.get("status_200", 0), m.server.get("status_304", 0)
        want = expected_statuses(phase, corpus)
        note = "" if (ok, nm) == want or phase == "second" else f"  (expected 200/304 = {want})"
        check = ""
        if m.check:
            c = m.check
            check = (
                f"  items {c['items']}/{c['expected']} dup {c['duplicates']} missing {c['missing']}"
            )
            check += f" wrong-title {c['wrong_titles']}" + ("" if c["ok"] else "  CHECK FAILED")
        print(
            f"  run {run} {tool.name:8} {phase:6} {wall:6.2f} s {rss:6.1f} MB"
            f"  cpu {user + sys_s:5.2f} s  other {other:5.2f} s  rc {rc}"
            f"  200/304 {ok}/{nm}{note}{check}",
            flush=True,
        )
        out.append(m)
        if rc != 0:
            tail = log.read_text(errors="replace").strip().splitlines()[-3:]
            print(
                f"    {tool.name} exited {rc}; the rest of this run is skipped. {log}:", flush=True
            )
            print("".join(f"    | {line}\n" for line in tail), end="", flush=True)
            break
    return out


def environment(tools: list[Tool]) -> dict[str, str]:
    mem_kb = 0
    with contextlib.suppress(OSError), open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    info = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": str(os.cpu_count()),
        "ram": f"{mem_kb / 1024 / 1024:.1f} GiB",
        "kernel": platform.release(),
        "os": _os_name(),
        "python": platform.python_version(),
        "sqlite (newsdeck venv)": sqlite3.sqlite_version,
        "newsdeck source hash": code_state(),
    }
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        head = ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"]
        dirty = ["git", "-C", str(REPO), "status", "--porcelain", "--", "storage", "tui"]
        info["newsdeck git HEAD"] = subprocess.run(
            head, capture_output=True, text=True
        ).stdout.strip()
        changed = subprocess.run(dirty, capture_output=True, text=True).stdout.strip()
        info["newsdeck git HEAD"] += (
            f" (+{len(changed.splitlines())} changed files)" if changed else ""
        )
    with contextlib.suppress(ImportError):
        import feedparser
        import httpx

        info["feedparser (newsdeck venv)"] = feedparser.__version__
        info["httpx"] = httpx.__version__
    for tool in tools:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            if isinstance(tool, Reader):
                reader, fp, sq = [*tool.version().split(), "?", "?", "?"][:3]
                info["reader"] = reader
                info["feedparser (reader venv)"] = fp
                info["sqlite (reader venv)"] = sq
            else:
                info[tool.name] = tool.version()
    return info


def _os_name() -> str:
    with contextlib.suppress(OSError), open("/etc/os-release") as f:
        for line in f:
            if line.startswith("PRETTY_NAME="):
                return line.split("=", 1)[1].strip().strip('"')
    return platform.system()


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def summarize(
    results: list[Measurement], feeds: int, items: int, runs: int
) -> tuple[str, dict[str, Any]]:
    """A Markdown table of medians plus the target verdicts."""
    cells: dict[tuple[str, str], list[Measurement]] = {}
    for m in results:
        cells.setdefault((m.tool, m.phase), []).append(m)

    def cell(tool: str, phase: str) -> tuple[str, str]:
        ms = cells.get((tool, phase), [])
        if not ms:
            return "–", "–"
        walls = sorted(m.wall_s for m in ms)
        wall = f"**{_median(walls):.2f}**"
        if len(walls) > 1:
            wall += f" ({walls[0]:.2f}–{walls[-1]:.2f})"
        return wall, f"{max(m.max_rss_mb for m in ms):.1f}"

    def item_counts(tool: str) -> str:
        got = []
        for phase in ("cold", "change"):
            checks = [m.check for m in cells.get((tool, phase), [])]
            if checks:
                n = {c["items"] for c in checks}
                ok = all(c["ok"] for c in checks)
                got.append("/".join(f"{x:,}" for x in sorted(n)) + ("" if ok else " ✗"))
        return " → ".join(got)

    tools = [t for t in ("newsdeck", "newsboat", "reader") if (t, "cold") in cells]
    lines = [
        f"{feeds} feeds × {items} items; medians of {runs} run(s), wall s (min–max);"
        " RSS = the largest max RSS over the runs, MB.",
        "",
        "| tool | cold s | cold RSS | warm (all 304) s | warm RSS | change s | change RSS"
        " | items (cold → change) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for tool in tools:
        row = [tool]
        for phase in ("cold", "warm", "change"):
            row += cell(tool, phase)
        row.append(item_counts(tool))
        lines.append("| " + " | ".join(row) + " |")
    lines += [
        "",
        "CPU time of the tool's process (user + sys, median s), and the CPU other programs"
        " on the machine used while the tool ran (median s over its cells; the feed server"
        " is not counted there):",
        "",
        "| tool | cold CPU | warm CPU | change CPU | other programs' CPU |",
        "|---|---|---|---|---|",
    ]
    for tool in tools:
        row = [tool]
        for phase in ("cold", "warm", "change"):
            ms = cells.get((tool, phase), [])
            row.append(f"{_median([m.user_s + m.sys_s for m in ms]):.2f}" if ms else "–")
        others = [m.other_cpu_s for m in results if m.tool == tool]
        row.append(f"{_median(others):.2f}")
        lines.append("| " + " | ".join(row) + " |")
    if ("newsboat", "second") in cells:
        wall, rss = cell("newsboat", "second")
        lines += [
            "",
            f"newsboat 2nd reload (no validators stored by the 1st, all 200): {wall} s, {rss} MB.",
        ]

    codes = sorted({m.code for m in results if m.code})
    if len(codes) > 1:
        lines += [
            "",
            f"WARNING: newsdeck's source changed during the benchmark ({len(codes)} versions:"
            f" {', '.join(codes)}); its runs did not all measure the same code.",
        ]
    verdict: dict[str, Any] = {}
    if ("newsdeck", "cold") in cells and ("newsboat", "cold") in cells:
        phases = ("cold", "warm", "change")

        def pick(tool: str, how: Any) -> dict[str, float]:
            return {p: how([m.wall_s for m in cells.get((tool, p), [])] or [nan]) for p in phases}

        nan = float("nan")
        peak = max(m.max_rss_mb for m in results if m.tool == "newsdeck")
        yes = {True: "met", False: "MISSED"}
        lines += ["", "Targets (newsdeck against newsboat with reload-threads 8):"]
        for label, how in (("median", _median), ("best run", min)):
            nd, nb = pick("newsdeck", how), pick("newsboat", how)
            got = {
                "cold_ratio": nd["cold"] / nb["cold"],
                "cold_ok": nd["cold"] <= nb["cold"] / 2,
                "warm_ratio": nd["warm"] / nb["warm"],
                "warm_ok": nd["warm"] <= nb["warm"] / 3,
            }
            verdict[label] = got
            lines += [
                f"- {label}: cold ≤ ½ of newsboat's: {nd['cold']:.2f} s vs {nb['cold']:.2f} s"
                f" = {got['cold_ratio']:.2f}× → {yes[got['cold_ok']]}; warm ≤ ⅓:"
                f" {nd['warm']:.2f} s vs {nb['warm']:.2f} s = {got['warm_ratio']:.2f}×"
                f" → {yes[got['warm_ok']]}",
            ]
        verdict["peak_rss_mb"] = peak
        verdict["rss_ok"] = peak < 100
        lines.append(f"- peak RSS < 100 MB: {peak:.1f} MB → {yes[peak < 100]}")
    return "\n".join(lines), verdict


def profile_newsdeck(work: Path, server: FeedServerProcess, corpus: Corpus, top: int) -> None:
    """Cold, warm and change polls by poll_once in this process, profiled (poll_profile.py)."""
    from poll_profile import profile_poll, stage_costs

    tool = Newsdeck(work / "profile", [server.url(i) for i in range(corpus.feeds)])
    tool.prepare()
    stage_costs(corpus.root, tool.urls, tool.config, work)
    profile_poll(
        tool.db,
        tool.config,
        work,
        lambda which: server.control(f"use/{which}"),
        corpus.items,
        top,
    )


@contextlib.contextmanager
def serving(root: Path) -> Iterator[FeedServerProcess]:
    server = FeedServerProcess(root)
    try:
        yield server
    finally:
        server.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: 20 feeds, 1 run")
    parser.add_argument("--feeds", type=int, default=None, help="default 200 (20 with --quick)")
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--runs", type=int, default=None, help="default 3 (1 with --quick)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--tools", default="newsdeck,newsboat,reader")
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK, help=f"default {DEFAULT_WORK}")
    parser.add_argument("--reader-python", type=Path, default=DEFAULT_READER_PYTHON)
    parser.add_argument("--newsboat-threads", type=int, default=8)
    parser.add_argument("--reader-workers", type=int, default=1)
    parser.add_argument(
        "--quiet",
        type=float,
        default=20.0,
        help="before each poll, wait up to this many s for the machine to be idle (default 20)",
    )
    parser.add_argument(
        "--profile", action="store_true", help="profile newsdeck's poll_once instead"
    )
    parser.add_argument("--top", type=int, default=35, help="rows per profile listing")
    parser.add_argument(
        "--summarize", type=Path, metavar="RESULTS", help="print the tables of a results.json"
    )
    args = parser.parse_args(argv)
    if args.summarize:
        saved = json.loads(args.summarize.read_text())
        results = [Measurement(**m) for m in saved["runs"]]
        corpus_info = saved["corpus"]
        runs = max(m.run for m in results)
        print(summarize(results, corpus_info["feeds"], corpus_info["items"], runs)[0])
        return 0
    feeds = args.feeds or (20 if args.quick else 200)
    runs = args.runs or (1 if args.quick else 3)

    work: Path = args.work
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    logs = work / "logs"
    logs.mkdir()
    started = time.perf_counter()
    corpus = generate(work / "corpus", feeds=feeds, items=args.items, seed=args.seed)
    print(
        f"corpus: {feeds} feeds ({corpus.kinds.count('rss')} RSS,"
        f" {corpus.kinds.count('atom')} Atom)"
        f" × {args.items} items, {corpus.raw_bytes / 1e6:.1f} MB; change: "
        f"{len(corpus.changed_feeds)} feeds, {corpus.changed_items} items changed, "
        f"{corpus.new_items} new ({time.perf_counter() - started:.1f} s)",
        flush=True,
    )

    with serving(work / "corpus") as server:
        urls = [server.url(i) for i in range(feeds)]
        if args.profile:
            profile_newsdeck(work, server, corpus, args.top)
            return 0
        tools: list[Tool] = []
        for name in args.tools.split(","):
            if name == "newsdeck":
                tools.append(Newsdeck(work / "newsdeck", urls))
            elif name == "newsboat":
                tools.append(Newsboat(work / "newsboat", urls, args.newsboat_threads))
            elif name == "reader":
                tools.append(Reader(work / "reader", urls, args.reader_python, args.reader_workers))
            else:
                parser.error(f"unknown tool {name!r} (newsdeck, newsboat, reader)")
        pythons = []
        for tool in tools:
            if isinstance(tool, Newsdeck):
                python = Path(sys.executable)
                pythons.append((python, [REPO / "storage", REPO / "tui", site_packages(python)]))
            elif isinstance(tool, Reader):
                python = tool.python
                pythons.append((python, [HERE / "poll_reader.py", site_packages(python)]))
        started_compile = time.perf_counter()
        compile_bytecode(work / "pycache", pythons)
        print(f"bytecode compiled in {time.perf_counter() - started_compile:.1f} s", flush=True)
        env = environment(tools)
        print(json.dumps(env, indent=1), flush=True)
        results: list[Measurement] = []
        for run in range(1, runs + 1):
            for tool in tools:
                results += run_tool(tool, run, server, corpus, logs, args.quiet)
    table, verdict = summarize(results, feeds, args.items, runs)
    commands = {tool.name: " ".join(tool.command("cold")) for tool in tools}
    (work / "results.json").write_text(
        json.dumps(
            {
                "environment": env,
                "corpus": corpus.manifest(),
                "commands": commands,
                "verdict": verdict,
                "runs": [asdict(m) for m in results],
            },
            indent=1,
        )
    )
    print("\n" + table)
    print(f"\nall runs: {work / 'results.json'}; total {time.perf_counter() - started:.0f} s")
    failed = [m for m in results if m.returncode != 0 or (m.check and not m.check["ok"])]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
