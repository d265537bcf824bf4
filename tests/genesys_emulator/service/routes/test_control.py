"""The /_emulator control plane: reset, configure, clock, ground truth and the webhook sink."""

from __future__ import annotations

import hashlib
import hmac
import time

import pytest
import requests

from genesys_emulator.testing import EmulatorControl, EmulatorServer
from tests.support.emulator_api import JOBS, ApiClient, day_interval, hour_interval

SECRET = "emulator-webhook-secret"


def day_ms() -> tuple[int, int]:
    from genesys_emulator.service.validation import parse_interval

    return parse_interval(day_interval())


def signed_headers(body: bytes, *, key: str = "k-1", timestamp: int | None = None, secret: str = SECRET) -> dict:
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"{stamp}.{key}.".encode() + body, hashlib.sha256).hexdigest()
    return {
        "X-Genesys-Sync-Timestamp": stamp,
        "X-Genesys-Sync-Signature": f"sha256={digest}",
        "X-Genesys-Sync-Idempotency-Key": key,
        "Content-Type": "application/json",
    }


def post_webhook(emulator, body: bytes, headers: dict) -> requests.Response:
    return requests.post(f"{emulator.base_url}/_emulator/webhooks", data=body, headers=headers, timeout=10)


def test_reset_forgets_tokens_jobs_and_faults(emulator, api: ApiClient):
    job_id = api.submit_job(day_interval())
    emulator.control.add_fault("*", "status", count=5, status=503)
    emulator.control.reset()
    assert emulator.control.faults() == []
    assert api.get("/api/v2/users").status_code == 401
    assert ApiClient(emulator.base_url).get(f"{JOBS}/{job_id}").status_code == 404


def test_reset_with_overrides_changes_the_data(emulator):
    interval = day_interval()
    default_count = emulator.control.ground_truth(interval)["count"]
    emulator.control.reset(conversations_per_day=200)
    assert emulator.control.ground_truth(interval)["count"] < default_count / 5


def test_warm_caches_a_window_sized_to_fit(emulator):
    emulator.control.reset(record_cache_size=5000)
    interval = day_interval()
    answer = emulator.control.warm(interval)
    assert answer == {"warmed": emulator.control.ground_truth(interval)["count"], "cache_size": 5000}
    assert answer["warmed"] > 0


def test_warmed_records_are_served_without_rebuilding(monkeypatch):
    from genesys_emulator.world.dataset import Dataset

    dataset = Dataset(42, 300, record_cache_size=1000)
    keys = dataset.matching(*day_ms(), semantics="overlap", available_until_ms=day_ms()[1])
    dataset.warm(keys)
    monkeypatch.setattr(dataset.generator, "_build", lambda *key: pytest.fail(f"rebuilt {key}"))
    assert all(dataset.record_bytes(key) for key in keys)


def test_a_scan_larger_than_the_record_cache_rebuilds_every_record(monkeypatch):
    """Why benchmarks size the cache to the day: an LRU scan longer than the cache never hits."""
    from genesys_emulator.world.dataset import Dataset

    dataset = Dataset(42, 300, record_cache_size=100)
    keys = dataset.matching(*day_ms(), semantics="overlap", available_until_ms=day_ms()[1])
    assert len(keys) > 100
    dataset.warm(keys)
    build = dataset.generator._build
    built = []
    monkeypatch.setattr(dataset.generator, "_build", lambda *key: (built.append(key), build(*key))[1])
    dataset.warm(keys)
    assert len(built) == len(keys)


def test_configure_rejects_unknown_settings(emulator):
    with pytest.raises(RuntimeError, match="unknown emulator settings"):
        emulator.control.configure(page_size=5)
    with pytest.raises(RuntimeError, match="job_progression"):
        emulator.control.configure(job_progression="sometimes")


def test_configure_keeps_tokens(emulator, api: ApiClient):
    emulator.control.configure(rate_limit_requests=50)
    assert api.get("/api/v2/users").headers["inin-ratelimit-allowed"] == "50"


def test_clock_moves_the_watermark(emulator):
    before = emulator.control.clock()
    after = emulator.control.advance_clock(7200)
    assert after["now"] - before["now"] >= 7200
    assert after["dataAvailabilityDate"] > before["dataAvailabilityDate"]


def test_ground_truth_semantics_and_validation(emulator):
    # Mid-morning: overlap adds the conversations that started earlier that day and were
    # still active at ten (not the previous day's: fact sheet §11).
    interval = hour_interval(hour=10)
    overlap = emulator.control.ground_truth(interval)
    start = emulator.control.ground_truth(interval, semantics="start")
    assert overlap["count"] > start["count"] > 0
    assert set(start["conversation_ids"]) <= set(overlap["conversation_ids"])
    with pytest.raises(RuntimeError):
        emulator.control.ground_truth("yesterday")


def test_webhook_valid_signature_is_stored_once(emulator):
    body = b'{"event": "window.loaded", "rows": 3}'
    first = post_webhook(emulator, body, signed_headers(body))
    again = post_webhook(emulator, body, signed_headers(body))
    assert first.status_code == again.status_code == 200
    assert again.json()["duplicate"] is True
    events = emulator.control.webhooks()
    assert len(events) == 1 and events[0]["body"] == {"event": "window.loaded", "rows": 3}


@pytest.mark.parametrize(
    "mutate, reason",
    [
        (lambda h: {k: v for k, v in h.items() if k != "X-Genesys-Sync-Signature"}, "missing signature headers"),
        (lambda h: {**h, "X-Genesys-Sync-Signature": "sha256=" + "0" * 64}, "bad signature"),
    ],
)
def test_webhook_bad_signature_is_401(emulator, mutate, reason):
    body = b'{"event": "x"}'
    response = post_webhook(emulator, body, mutate(signed_headers(body)))
    assert response.status_code == 401
    assert emulator.control.webhooks() == [
        {
            "accepted": False,
            "reason": reason,
            "idempotency_key": "k-1",
            "received_at": pytest.approx(time.time(), abs=60),
        }
    ]


def test_webhook_stale_timestamp_is_401(emulator):
    body = b'{"event": "x"}'
    response = post_webhook(emulator, body, signed_headers(body, timestamp=int(time.time()) - 301))
    assert response.status_code == 401 and response.json()["reason"] == "stale timestamp"


def test_webhook_tolerance_uses_the_emulator_clock(emulator):
    body = b'{"event": "x"}'
    emulator.control.advance_clock(3600)
    assert post_webhook(emulator, body, signed_headers(body)).status_code == 401
    assert post_webhook(emulator, body, signed_headers(body, timestamp=int(time.time()) + 3600)).status_code == 200


def test_webhook_secret_is_configurable(emulator):
    emulator.control.configure(webhook_secret="other")
    body = b"{}"
    assert post_webhook(emulator, body, signed_headers(body)).status_code == 401
    assert post_webhook(emulator, body, signed_headers(body, secret="other")).status_code == 200


def test_server_lifecycle_start_stop_and_own_state():
    with EmulatorServer() as first, EmulatorServer() as second:
        assert first.base_url != second.base_url
        first.control.configure(rate_limit_requests=1)
        assert isinstance(second.control, EmulatorControl)
        token = requests.post(
            f"{second.base_url}/oauth/token",
            auth=("emulator-client", "emulator-secret"),
            data={"grant_type": "client_credentials"},
            timeout=10,
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        assert (
            requests.get(f"{second.base_url}/api/v2/users", headers=headers, timeout=10).headers[
                "inin-ratelimit-allowed"
            ]
            == "300"
        )
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{first.base_url}/_emulator/stats", timeout=2)
