"""Acceptance: two worker processes sharing one OAuth client never exceed the budget together.

The requests are counted where Genesys would count them, at the emulator, per rolling window
across both processes' tokens. The window is shrunk from a minute to 3 s (the emulator's and
the budget's alike) so the test runs in seconds; the budget's jitter guard stays at its floor
(0.5 s), since a loaded host delays a granted request by absolute, not window-scaled, time. The
control run with per-process budgets shows the count can fail: there the two processes together
go well over.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from genesys_cloud.api.rate_budget import guarded_span
from tests.genesys_cloud.api.test_rate_budget import max_in_window

pytestmark = pytest.mark.slow

WINDOW = 3.0
PER_WINDOW = 60
SECONDS = 7.0
WORKER = Path(__file__).with_name("budget_worker.py")


def run_two_workers(base_url: str, backend: str, store_url: str) -> list[int]:
    workers = [
        subprocess.Popen(
            [sys.executable, str(WORKER), base_url, backend, store_url, str(WINDOW), str(PER_WINDOW), str(SECONDS)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    sent = []
    for worker in workers:
        out, err = worker.communicate(timeout=SECONDS + 60)
        assert worker.returncode == 0, err[-2000:]
        sent.append(int(out.strip().splitlines()[-1]))
    return sent


@pytest.fixture()
def small_limit_emulator(emulator):
    emulator.control.configure(rate_limit_requests=PER_WINDOW, rate_limit_window_seconds=int(WINDOW))
    return emulator


@pytest.mark.parametrize("backend", ["redis", "sql"])
def test_two_processes_share_one_budget(small_limit_emulator, backend, request):
    store_url = request.getfixturevalue("redis_server" if backend == "redis" else "postgres_url")
    sent = run_two_workers(small_limit_emulator.base_url, backend, store_url)
    times = small_limit_emulator.control.request_times("emulator-client")
    assert len(times) == sum(sent)
    assert min(sent) > 0, "one process was starved"
    assert max_in_window(times, WINDOW) <= PER_WINDOW
    sustained = PER_WINDOW * SECONDS / guarded_span(WINDOW)  # the pace the budget means to keep
    assert len(times) >= 0.8 * sustained, "the shared budget was left mostly unused"


def test_per_process_budgets_together_exceed_it(small_limit_emulator):
    run_two_workers(small_limit_emulator.base_url, "local", "")
    times = small_limit_emulator.control.request_times("emulator-client")
    assert max_in_window(times, WINDOW) > PER_WINDOW
