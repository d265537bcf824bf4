"""Details-job slot leases in each shared store (real Redis, real SQLite and PostgreSQL): the cap
under concurrent takers, hand-over to the job id, renewal, release, and expiry of a lease whose
holder died without releasing it."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable

import pytest

from genesys_cloud.api.job_slots import NO_JOB_SLOTS, JobSlots, RedisJobSlots, SqlJobSlots, job_slots
from genesys_cloud.api.rate_budget import RedisRateBudget, SqlRateBudget

LEASE = 60.0


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["redis", "sqlite", "postgres"])
def store(request, tmp_path) -> tuple[JobSlots, Callable[[float], None]]:
    """The slots of one store, and how to let time pass for its leases."""
    if request.param == "redis":
        url = request.getfixturevalue("redis_server")
        slots = RedisJobSlots(RedisRateBudget(url, prefix=f"test-job-slots-{uuid.uuid4()}:"))
        return slots, lambda seconds: time.sleep(seconds)  # the server's clock: real time
    url = f"sqlite:///{tmp_path / 'slots.db'}" if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    clock = FakeClock()

    def advance(seconds: float) -> None:
        clock.now += seconds

    return SqlJobSlots(SqlRateBudget(url), clock=clock), advance


def test_the_cap_is_a_ceiling_and_a_release_frees_a_slot(store):
    slots, _ = store
    assert slots.acquire("client", 2, "a", LEASE) and slots.acquire("client", 2, "b", LEASE)
    assert not slots.acquire("client", 2, "c", LEASE)
    assert slots.acquire("other-client", 2, "c", LEASE), "each client has its own slots"
    assert slots.acquire("client", 2, "a", LEASE), "a holder asking again keeps (renews) its slot"
    slots.release("client", "a")
    assert slots.acquire("client", 2, "c", LEASE)
    assert not slots.acquire("client", 2, "a", LEASE)


def test_a_slot_handed_to_the_job_id_stays_taken_and_is_released_by_it(store):
    slots, _ = store
    assert slots.acquire("client", 1, "submission-1", LEASE)
    assert slots.transfer("client", "submission-1", "job-1", LEASE)
    assert not slots.acquire("client", 1, "submission-2", LEASE)
    assert not slots.transfer("client", "submission-1", "job-x", LEASE), "a slot is handed over once"
    assert slots.renew("client", "job-1", LEASE)
    assert not slots.renew("client", "submission-1", LEASE)
    slots.release("client", "job-1")
    assert slots.acquire("client", 1, "submission-2", LEASE)


def test_a_dead_holders_lease_expires_and_renewal_keeps_a_live_one(store):
    slots, let_pass = store
    lease = 1.0
    assert slots.acquire("client", 2, "crashed-task", lease)  # never released, never renewed
    assert slots.acquire("client", 2, "live-task", lease)
    assert not slots.acquire("client", 2, "newcomer", lease)
    let_pass(0.6)
    assert slots.renew("client", "live-task", lease)
    let_pass(0.6)  # the crashed task's lease is over; the live one was renewed 0.6 s ago
    assert slots.acquire("client", 2, "newcomer", lease)
    assert not slots.acquire("client", 2, "another", lease)
    assert not slots.renew("client", "crashed-task", lease), "an expired lease cannot be revived"


def test_concurrent_takers_never_hold_more_than_the_cap(store):
    slots, _ = store
    cap, takers = 3, 12
    held, peak, lock = set(), [0], threading.Lock()
    errors: list[BaseException] = []

    def take_and_release(name: str) -> None:
        try:
            deadline = time.monotonic() + 30
            while not slots.acquire("client", cap, name, LEASE):
                assert time.monotonic() < deadline, "a slot never freed"
                time.sleep(0.005)
            with lock:
                held.add(name)
                peak[0] = max(peak[0], len(held))
            time.sleep(0.05)
            with lock:
                held.discard(name)
            slots.release("client", name)
        except BaseException as error:  # surfaced below: a thread's assertion must fail the test
            errors.append(error)

    threads = [threading.Thread(target=take_and_release, args=(f"t{i}",)) for i in range(takers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert 1 <= peak[0] <= cap  # the takers wanted 12 at once


def test_the_local_backend_coordinates_nothing_and_the_shared_ones_share_the_budget_store(redis_server):
    assert job_slots("local", None) is NO_JOB_SLOTS
    assert all(NO_JOB_SLOTS.acquire("client", 1, f"h{i}", LEASE) for i in range(3))
    assert isinstance(job_slots("redis", redis_server), RedisJobSlots)
