"""What every benchmark shares: databases, timing, percentiles, the machine and the table.

Benchmarks measure; they never fail on a time. Each result is a ratio against a baseline
measured in the same run on the same database, plus the absolute numbers, so a slow machine
shows up in both and the ratio still says what our code costs.
"""

from __future__ import annotations

import asyncio
import base64
import os
import platform
import shutil
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib import metadata
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

# A fixed instant inside school hours on a Tuesday in term, so quiet hours never hold a
# message back and the sweeps and digests see a school day.
NOW = datetime(2026, 11, 24, 10, 15, tzinfo=UTC)


def ensure_encryption_key() -> None:
    """A throwaway key for the benchmark databases, never one from the environment's .env."""
    key = base64.urlsafe_b64encode(os.urandom(32)).decode()
    os.environ["SENDBOT_ENCRYPTION_KEYS"] = key
    os.environ.pop("SENDBOT_ENCRYPTION_KEY_FILE", None)


@dataclass
class Row:
    """One line of the results table."""

    benchmark: str
    backend: str
    metric: str
    ours: float | None
    baseline: float | None
    unit: str
    goal: str = ""
    met: bool | None = None
    note: str = ""
    lower_is_better: bool = True

    @property
    def ratio(self) -> float | None:
        if self.ours is None or self.baseline in (None, 0):
            return None
        assert self.baseline is not None
        return self.ours / self.baseline


@dataclass
class Results:
    rows: list[Row] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def add(self, row: Row) -> Row:
        self.rows.append(row)
        return row


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile; enough for a few hundred samples."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


@contextmanager
def timer() -> Iterator[Callable[[], float]]:
    start = time.perf_counter()
    elapsed: list[float] = []
    yield lambda: elapsed[0] if elapsed else time.perf_counter() - start
    elapsed.append(time.perf_counter() - start)


def best_of(fn: Callable[[], object], repeat: int) -> tuple[float, list[float]]:
    """The fastest of `repeat` runs in seconds (and all of them): the least disturbed run."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times), times


# --- databases -----------------------------------------------------------------------------


class Databases:
    """Fresh databases for each benchmark: SQLite files in a temporary folder, and databases
    on one throwaway PostgreSQL server (the tests' `TemporaryPostgres`), all removed after."""

    def __init__(self, backends: list[str]) -> None:
        self.backends = backends
        self.root = Path(tempfile.mkdtemp(prefix="sendbot-bench-"))
        self._pg: Any = None
        self.pg_url: str | None = os.environ.get("SENDBOT_BENCH_POSTGRES_URL")
        if "postgresql" in backends and not self.pg_url:
            from tests.pg import TemporaryPostgres, find_bin_dir

            bin_dir = find_bin_dir()
            if bin_dir is None:
                raise SystemExit("no PostgreSQL server binaries here: use --backend sqlite")
            self._pg = TemporaryPostgres(bin_dir)
            self.pg_url = self._pg.start()

    def fresh(self, backend: str, name: str) -> str:
        """A new, migrated, empty database."""
        from sendbot.store.db import upgrade

        if backend == "sqlite":
            url = f"sqlite:///{self.root / (name + '-' + uuid.uuid4().hex[:6] + '.db')}"
        else:
            assert self.pg_url
            db = f"bench_{name}_{uuid.uuid4().hex[:6]}"
            admin = create_engine(self.pg_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{db}"'))
            admin.dispose()
            url = make_url(self.pg_url).set(database=db).render_as_string(hide_password=False)
        upgrade(url)
        return url

    def server_version(self) -> str | None:
        if not self.pg_url:
            return None
        eng = create_engine(self.pg_url)
        with eng.connect() as conn:
            version = str(conn.execute(text("SHOW server_version")).scalar())
        eng.dispose()
        return f"PostgreSQL {version} (fsync=off, synchronous_commit=off, as the test server)"

    def close(self) -> None:
        if self._pg is not None:
            self._pg.stop()
        shutil.rmtree(self.root, ignore_errors=True)


# --- the machine ---------------------------------------------------------------------------


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return None


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine(databases: Databases | None) -> dict[str, str]:
    """What the numbers were measured on: no host names, no paths."""
    import sqlite3

    memory = _memory_gib()
    info = {
        "CPU": _cpu_model(),
        "cores": str(os.cpu_count()),
        "memory": f"{memory:.1f} GiB" if memory else "unknown",
        "OS": f"{platform.system()} {platform.release().split('-')[0]}",
        "Python": platform.python_version(),
        "SQLite": sqlite3.sqlite_version,
        "libraries": ", ".join(
            f"{n} {_version(n)}"
            for n in ("sqlalchemy", "psycopg", "python-telegram-bot", "slack-bolt", "aiohttp")
        ),
    }
    if databases is not None and (version := databases.server_version()):
        info["PostgreSQL"] = version
    return info


# --- the table -----------------------------------------------------------------------------


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit in ("count",):
        return f"{value:,.0f}"
    if abs(value) >= 100:
        return f"{value:,.0f} {unit}"
    if abs(value) >= 10:
        return f"{value:.1f} {unit}"
    return f"{value:.2f} {unit}"


def table(results: Results, info: dict[str, str], sizes: str) -> str:
    """A Markdown table, so a run can be pasted into BENCHMARKS.md as it is."""
    lines = ["## Machine", ""]
    lines += [f"- {k}: {v}" for k, v in info.items()]
    lines += ["", f"Sizes: {sizes}", "", "## Results", ""]
    lines.append("| benchmark | db | metric | ours | baseline | ratio | goal | met |")
    lines.append("|---|---|---|---|---|---|---|---|")
    for r in results.rows:
        ratio = r.ratio
        met = "" if r.met is None else ("yes" if r.met else "**no**")
        lines.append(
            f"| {r.benchmark} | {r.backend} | {r.metric} | {_fmt(r.ours, r.unit)} | "
            f"{_fmt(r.baseline, r.unit)} | {'-' if ratio is None else f'{ratio:.2f}x'} | "
            f"{r.goal} | {met} |"
        )
    notes = [f"- {r.benchmark}/{r.backend}/{r.metric}: {r.note}" for r in results.rows if r.note]
    if notes:
        lines += ["", "Notes:", "", *notes]
    return "\n".join(lines)


# Each message moves the clock a second, so each person sends about five a minute.
PACE = timedelta(seconds=1)
Script = list[Callable[[], dict[str, Any]]]


async def drive_chats(
    send: Callable[[dict[str, Any]], Awaitable[None]],
    scripts: list[Script],
    total: int,
    clock: Any,
) -> tuple[float, list[float]]:
    """Every chat runs its script in a loop, all chats at once, until `total` messages.

    The clock (a `FrozenClock`) moves one second for each message, so each person sends
    about five messages a minute, as people type: at a frozen time every chat would pass
    the per-sender limit of 30 a minute within its first 30 messages, and the run would
    time the "please slow down" reply instead of the work. Returns the wall time and each
    message's latency.
    """
    latencies: list[float] = []
    remaining = [total]

    async def chat(script: Script) -> None:
        step = 0
        while remaining[0] > 0:
            remaining[0] -= 1
            payload = script[step % len(script)]()
            step += 1
            clock.advance(PACE)
            start = time.perf_counter()
            await send(payload)
            latencies.append(time.perf_counter() - start)

    start = time.perf_counter()
    await asyncio.gather(*(chat(s) for s in scripts))
    return time.perf_counter() - start, latencies
