"""Fast unit tests of the emulator's state pieces, without HTTP."""
from __future__ import annotations

import pytest

from genesys_emulator.config import ClientConfig, EmulatorConfig
from genesys_emulator.service.faults import FaultBook
from genesys_emulator.service.jobs import CursorCodec, JobStore
from genesys_emulator.service.clock import Clock
from genesys_emulator.service.rate_limit import RateLimiter
from genesys_emulator.service.tokens import TokenStore
from genesys_emulator.service.webhooks import expected_signature, rejection_reason

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


def test_fault_book_consumes_in_order_and_by_route():
    book = FaultBook()
    book.add("op_a", "status", count=2, status=503)
    book.add("*", "drop")
    assert book.take("status", "op_b") is None
    assert [book.take("status", "op_a").params["status"] for _ in range(2)] == [503, 503]
    assert book.take("status", "op_a") is None
    assert book.take("drop", "op_b") is not None and book.take("drop", "op_b") is None


def test_fault_book_probability_mode_is_seeded():
    def draws(seed: int) -> list:
        book = FaultBook()
        book.set_probabilities({"503": 0.5}, seed=seed)
        return [book.draw() for _ in range(50)]

    assert draws(1) == draws(1) and set(draws(1)) == {"503", None}
    assert FaultBook().draw() is None
    with pytest.raises(ValueError):
        FaultBook().set_probabilities({"418": 1.0})


def test_rate_limiter_window_resets_on_the_clock():
    clock = Clock()
    limiter = RateLimiter(clock, 60)
    statuses = [limiter.hit("t", "default", 2) for _ in range(3)]
    assert [s.exceeded for s in statuses] == [False, False, True]
    assert statuses[-1].headers()["inin-ratelimit-count"] == "2"
    clock.advance(60)
    assert not limiter.hit("t", "default", 2).exceeded


def test_tokens_expire_by_lifetime_and_on_demand():
    clock = Clock()
    tokens = TokenStore(clock)
    token = tokens.issue(ClientConfig("c", "s", token_lifetime_seconds=300))
    assert tokens.lookup(token.value) == (token, False)
    clock.advance(300)
    assert tokens.lookup(token.value)[1] is True
    fresh = tokens.issue(ClientConfig("c", "s"))
    tokens.expire_all()
    assert tokens.lookup(fresh.value)[1] is True
    assert tokens.lookup("never") == (None, False)


def test_config_overrides_are_validated():
    config = EmulatorConfig().with_overrides(clients=[{"client_id": "x", "client_secret": "y", "roles": []}])
    assert config.client("x").roles == () and config.client("emulator-client") is None
    with pytest.raises(ValueError, match="unknown emulator settings"):
        EmulatorConfig().with_overrides(nope=1)
    with pytest.raises(ValueError, match="300..172800"):
        ClientConfig("c", "s", token_lifetime_seconds=60)


def test_webhook_rejection_reasons():
    body = b'{"a": 1}'
    good = {"x-genesys-sync-timestamp": "1000", "x-genesys-sync-idempotency-key": "key-1",
            "x-genesys-sync-signature": expected_signature("k", "1000", "key-1", body)}
    assert rejection_reason(good, body, secret="k", now=1000, tolerance_seconds=300) is None
    assert rejection_reason(good, body, secret="k", now=1301, tolerance_seconds=300) == "stale timestamp"
    assert rejection_reason(good, body + b" ", secret="k", now=1000, tolerance_seconds=300) == "bad signature"
    assert rejection_reason({**good, "x-genesys-sync-idempotency-key": "key-2"}, body, secret="k", now=1000,
                            tolerance_seconds=300) == "bad signature"
    assert rejection_reason({**good, "x-genesys-sync-timestamp": "abc"}, body, secret="k", now=1000,
                            tolerance_seconds=300) == "malformed timestamp"


def test_bad_watermark_is_rejected_when_configured():
    with pytest.raises(ValueError):
        EmulatorConfig(watermark="yesterday-ish")
