"""Acceptance: two worker processes sharing one OAuth client never exceed the concurrent-job cap together.

Judged where Genesys judges it: the emulator answers 429 to any submission while the client
already has ``CAP`` jobs running, and counts its answers. Each process runs three threads of
details jobs at once (six wanted at a time against a cap of two); with the job slots in the
shared store (Redis, PostgreSQL) the emulator refuses none and every job completes. The control
run with per-process (``local``) slots shows the count can fail: there the emulator refuses some.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.connections import GENESYS_CLOUD_CONNECTION, genesys_connection_json

pytestmark = pytest.mark.slow

CAP = 2
THREADS = 3
JOBS_PER_THREAD = 2
SUBMIT = "post_analytics_conversations_details_jobs"
WORKER = Path(__file__).with_name("job_cap_worker.py")


def run_two_workers(base_url: str, backend: str, store_url: str | None) -> list[dict[str, int]]:
    extra = {
        "rate_budget_backend": backend,
        "max_concurrent_jobs": CAP,
        "max_attempts": 1,
        "job_cap_wait_seconds": 0 if backend == "local" else 60,
        "job_slot_lease_seconds": 30,
    }
    if store_url:
        extra["rate_budget_url"] = store_url
    conn = genesys_connection_json(base_url, login="emulator-client", password="emulator-secret", extra=extra)
    env = {**os.environ, GENESYS_CLOUD_CONNECTION: conn}
    workers = [
        subprocess.Popen(
            [sys.executable, str(WORKER), str(THREADS), str(JOBS_PER_THREAD)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = []
    for worker in workers:
        out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err[-3000:]
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


@pytest.fixture()
def capped_emulator(emulator):
    emulator.control.configure(
        job_max_active_per_client=CAP,
        job_latency_seconds_min=0.4,
        job_latency_seconds_max=1.0,
        conversations_per_day=100,
    )
    return emulator


def submissions(emulator) -> dict[str, int]:
    return emulator.control.stats().get(SUBMIT, {})


@pytest.mark.parametrize("backend", ["redis", "sql"])
def test_two_processes_stay_within_the_job_cap_together(capped_emulator, backend, request):
    store_url = request.getfixturevalue("redis_server" if backend == "redis" else "postgres_url")
    results = run_two_workers(capped_emulator.base_url, backend, store_url)
    statuses = submissions(capped_emulator)
    assert statuses.get("429", 0) == 0, statuses
    assert statuses.get("202", 0) == 2 * THREADS * JOBS_PER_THREAD, statuses
    assert [r["completed"] for r in results] == [THREADS * JOBS_PER_THREAD] * 2


def test_per_process_slots_together_exceed_the_cap(capped_emulator):
    run_two_workers(capped_emulator.base_url, "local", None)
    assert submissions(capped_emulator).get("429", 0) > 0
