"""What every benchmark phase shares: the emulator process, scratch databases, the window, output.

The emulator runs as its own process (``scripts/local_env.EmulatorProcess``, the one the demo
uses), so its CPU and memory never count towards the pipeline's figures, and each phase
gets a PostgreSQL database of its own that is dropped afterwards.
"""

from __future__ import annotations

import math
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from genesys_emulator.control_client import EmulatorControl
from local_env import EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET, EmulatorProcess, free_port

SERVER_DSN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
MAX_PAGE_SIZE = 1000  # the async results endpoint's maximum (reference 4.3), asked for by every phase
JOB_PATH = "/api/v2/analytics/conversations/details/jobs"

__all__ = [
    "EMULATOR_CLIENT_ID",
    "EMULATOR_CLIENT_SECRET",
    "JOB_PATH",
    "MAX_PAGE_SIZE",
    "EmulatorProcess",
    "bench_emulator",
    "bench_interval",
    "emit",
    "free_port",
    "min_api_requests",
    "rate",
    "scratch_database",
]


def emit(line: dict[str, Any]) -> None:
    """One JSON object per line on stdout: the benchmark's only output format."""
    print(orjson.dumps(line).decode(), flush=True)


def rate(count: int, seconds: float) -> float:
    return round(count / seconds, 1) if seconds > 0 else 0.0


def bench_interval(now: datetime | None = None) -> str:
    """The UTC day two days back: wholly before the emulator's watermark (now minus one hour)."""
    today = (now or datetime.now(UTC)).replace(hour=0, minute=0, second=0, microsecond=0)
    start = today - timedelta(days=2)
    return f"{start:%Y-%m-%dT%H:%M:%S.000Z}/{start + timedelta(days=1):%Y-%m-%dT%H:%M:%S.000Z}"


def min_api_requests(conversations: int) -> int:
    """Fewest detail API calls for one job: submit, one status poll, every full page, delete."""
    return math.ceil(conversations / MAX_PAGE_SIZE) + 3


@contextmanager
def bench_emulator(conversations_per_day: int, interval: str, seed: int = 42) -> Iterator[EmulatorProcess]:
    """The emulator, its org clock pinned, with every record of ``interval`` generated and cached
    before any phase's clock starts.

    Genesys serves job results from storage; generating them here must not count against
    whichever phase happens to ask first. The cache is sized to the window (async jobs select
    by overlap, a few percent over N), since an LRU scan longer than the cache never hits.
    """
    cache = int(conversations_per_day * 1.1) + 1000
    with EmulatorProcess(free_port(), conversations_per_day, seed, record_cache_size=cache) as emulator:
        # The org's clock stands still from here: every phase reads the same org (a real-time org
        # erases, re-opens and corrects conversations between the phases).
        EmulatorControl(emulator.base_url).set_clock(datetime.now(UTC).replace(microsecond=0).isoformat())
        started = time.perf_counter()
        # generating a 100k day takes ~30 s on a quiet machine, minutes on a loaded one
        warmed = EmulatorControl(emulator.base_url, timeout=900).warm(interval)
        emit({"phase": "emulator_warm", **warmed, "seconds": round(time.perf_counter() - started, 3)})
        yield emulator


@contextmanager
def scratch_database(label: str) -> Iterator[str]:
    """A fresh PostgreSQL database (SQLAlchemy URL), dropped on exit even if the phase failed."""
    name = f"genesys_bench_{label}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(SERVER_DSN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(SERVER_DSN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
