"""Async details jobs as a state machine, without HTTP: cursors bound to their job, progression, ids,
scripted expiry."""

from __future__ import annotations

from genesys_emulator.config import EmulatorConfig
from genesys_emulator.service.clock import Clock
from genesys_emulator.service.jobs import CursorCodec, JobStore

KEYS = [(None, i) for i in range(10)]


def test_cursor_round_trip_and_binding():
    codec = CursorCodec(seed=1)
    cursor = codec.encode("job-a", 300)
    assert codec.decode(cursor, "job-a") == 300
    assert codec.decode(cursor, "job-b") is None
    assert CursorCodec(seed=2).decode(cursor, "job-a") is None
    assert codec.decode("", "job-a") is None and codec.decode("%%%", "job-a") is None


def test_job_progression_by_polls_with_failure():
    store = JobStore(EmulatorConfig(job_progression="polls", job_progression_polls=1), Clock())
    job = store.submit("c", KEYS, as_of_ms=0, fail=True, expire_after_pages=None)
    assert store.active_count("c") == 1
    assert store.get(job.job_id, polled=True).state == "QUEUED"
    assert store.get(job.job_id, polled=True).state == "FAILED"
    assert job.error_message and store.active_count("c") == 0


def test_job_ids_are_reproducible_per_seed():
    def ids(seed: int) -> list[str]:
        store = JobStore(EmulatorConfig(seed=seed), Clock())
        return [store.submit("c", KEYS, as_of_ms=0, fail=False, expire_after_pages=None).job_id for _ in range(2)]

    assert ids(3) == ids(3) != ids(4)
    assert len(set(ids(3))) == 2


def test_scripted_expiry_after_pages():
    store = JobStore(EmulatorConfig(), Clock())
    job = store.submit("c", KEYS, as_of_ms=0, fail=False, expire_after_pages=1)
    store.expire_if_scripted(job)
    assert job.state == "FULFILLED"
    store.record_page_served(job)
    store.expire_if_scripted(job)
    assert job.state == "EXPIRED"
