"""The hook and operator against the Genesys emulator over real HTTP, including every fault script.

Each fault test ends in one of two outcomes: the complete, duplicate-free result (checked
against the emulator's ground truth) or a clear domain error. Never silent loss.
"""

from __future__ import annotations

import math
import threading
import time
from pathlib import Path

import orjson
import pytest
from urllib3.connection import HTTPConnection

from genesys_cloud.api.exceptions import (
    GenesysApiError,
    GenesysJobFailed,
    GenesysRateLimitExceeded,
    GenesysTransientError,
)
from genesys_cloud.hook import GenesysCloudHook
from genesys_cloud.operators.details_job import GenesysDetailsJobOperator
from genesys_pipeline.staging.area import StagingArea
from tests.support.connections import emulator_hook, set_connection

DAY = "2024-05-01T00:00:00.000Z/2024-05-02T00:00:00.000Z"
RESULTS = "get_analytics_conversations_details_job_results"
SUBMIT = "post_analytics_conversations_details_jobs"


@pytest.fixture()
def hook(emulator, monkeypatch) -> GenesysCloudHook:
    return emulator_hook(monkeypatch, emulator.base_url)


def job_ids(hook: GenesysCloudHook, job_id: str, page_size: int | None = None) -> list[str]:
    ids = []
    for page in hook.iter_details_job_pages(job_id, page_size):
        ids.extend(c["conversationId"] for c in orjson.loads(page.raw)["conversations"])
    return ids


def extract_day(hook: GenesysCloudHook, page_size: int | None = None) -> list[str]:
    job_id = hook.submit_details_job({"interval": DAY})
    assert hook.get_details_job(job_id)["state"].value == "FULFILLED"
    ids = job_ids(hook, job_id, page_size)
    hook.delete_details_job(job_id)
    return ids


def assert_complete(ids: list[str], emulator, interval: str = DAY) -> None:
    truth = emulator.control.ground_truth(interval)
    assert len(ids) == len(set(ids)), "duplicates"
    assert set(ids) == set(truth["conversation_ids"]), "missing or extra conversations"


def test_job_with_5000_conversations_paged_by_cursor(hook, emulator):
    emulator.control.reset(conversations_per_day=5000)
    ids = extract_day(hook)
    assert len(ids) >= 5000
    assert_complete(ids, emulator)
    assert emulator.control.stats()[RESULTS] == {"200": math.ceil(len(ids) / 1000)}


def test_429_storm_with_retry_after_is_waited_out(hook, emulator):
    emulator.control.add_fault(RESULTS, "status", count=3, status=429, retry_after=1)
    ids = extract_day(hook)
    assert_complete(ids, emulator)
    assert hook.stats.throttled == 3 and hook.stats.retries == 3


def test_503_burst_is_retried(hook, emulator):
    emulator.control.add_fault(RESULTS, "status", count=4, status=503)
    emulator.control.add_fault(SUBMIT, "status", count=1, status=502)
    assert_complete(extract_day(hook), emulator)
    assert hook.stats.retries == 5


def test_persistent_503_fails_clearly(hook, emulator):
    emulator.control.add_fault(RESULTS, "status", count=50, status=503)
    with pytest.raises(GenesysTransientError, match="kept failing with HTTP 503 after the retry budget"):
        extract_day(hook)


@pytest.mark.parametrize("kind", ["drop", "truncate"])
def test_broken_body_mid_pagination_is_refetched(hook, emulator, kind):
    emulator.control.add_fault(RESULTS, kind, count=2)
    ids = extract_day(hook, page_size=500)
    assert_complete(ids, emulator)
    assert hook.stats.retries == 2


def test_token_expiry_mid_pagination(hook, emulator):
    job_id = hook.submit_details_job({"interval": DAY})
    ids = []
    for number, page in enumerate(hook.iter_details_job_pages(job_id, 500)):
        ids.extend(c["conversationId"] for c in orjson.loads(page.raw)["conversations"])
        if number == 1:
            assert emulator.control.expire_tokens() >= 1
    assert_complete(ids, emulator)
    assert hook.stats.token_requests == 2


def test_concurrent_job_cap_fails_clearly_after_the_configured_wait(emulator, monkeypatch):
    set_connection(
        monkeypatch,
        emulator.base_url,
        {"backoff_base_seconds": 0.05, "job_cap_wait_seconds": 0},
        login="emulator-client",
        password="emulator-secret",
    )
    hook = GenesysCloudHook()
    emulator.control.reset(job_progression="polls", job_progression_polls=100, job_max_active_per_client=2)
    first = hook.submit_details_job({"interval": DAY})
    hook.submit_details_job({"interval": DAY})
    hook.client.retry_policy.max_attempts = 2  # one retry is enough to show it does not loop forever
    with pytest.raises(GenesysRateLimitExceeded, match="HTTP 429.*concurrent-job cap.*job_cap_wait_seconds"):
        hook.submit_details_job({"interval": DAY})
    hook.delete_details_job(first)
    assert hook.submit_details_job({"interval": DAY})


def test_a_full_job_cap_is_waited_out_while_other_jobs_finish(hook, emulator):
    """In a backfill the cap is a queue: the submission waits until another partition's job is
    deleted instead of failing the run."""
    emulator.control.reset(job_progression="polls", job_progression_polls=100, job_max_active_per_client=1)
    first = hook.submit_details_job({"interval": DAY})
    hook.client.sleep = lambda seconds: time.sleep(0.05)  # Retry-After 5 s, shortened
    finisher = threading.Timer(0.5, hook.delete_details_job, args=(first,))
    finisher.start()
    started = time.monotonic()
    assert hook.submit_details_job({"interval": DAY})
    finisher.join()
    assert 0.4 < time.monotonic() - started < 10
    assert emulator.control.stats()[SUBMIT]["429"] >= 2


def test_retry_after_a_long_wait_opens_a_fresh_connection(hook, emulator, monkeypatch):
    """uvicorn (like most servers and load balancers) closes keep-alive connections idle for 5 s;
    a request sent on one just as it closes dies with a reset. So after waiting a second or more
    the hook reconnects instead of reusing the pooled connection."""
    hook.get_data_availability()
    emulator.control.add_fault(SUBMIT, "status", status=429, retry_after=2)
    hook.client.sleep = lambda seconds: None
    opened: list[HTTPConnection] = []
    connect = HTTPConnection.connect
    monkeypatch.setattr(HTTPConnection, "connect", lambda self: (opened.append(self), connect(self))[1])
    assert hook.submit_details_job({"interval": DAY})
    assert len(opened) == 1, "the retry after Retry-After: 2 reused the idle connection"
    assert emulator.control.stats()[SUBMIT] == {"429": 1, "202": 1}


def make_operator(tmp_path: Path) -> GenesysDetailsJobOperator:
    return GenesysDetailsJobOperator(
        task_id="extract", interval=DAY, staging_root=str(tmp_path), partition="2024-05-01", page_size=500
    )


class RecordingTaskInstance:
    def xcom_push(self, key: str, value: object) -> None:
        self.pushed = (key, value)


def staged_ids(tmp_path: Path, summary: dict) -> list[str]:
    staging = StagingArea(tmp_path)
    manifest = staging.read_manifest(summary["partition"], summary["query_hash"])
    return [c["conversationId"] for raw in staging.iter_pages(manifest) for c in orjson.loads(raw)["conversations"]]


def test_operator_job_failed_raises_with_error_message(hook, emulator, tmp_path):
    emulator.control.add_fault(SUBMIT, "fail_job")
    with pytest.raises(GenesysJobFailed, match="FAILED") as caught:
        make_operator(tmp_path).execute({"ti": RecordingTaskInstance()})
    assert caught.value.error_message


def test_operator_job_expiring_mid_read_resubmits_and_stages_everything_once(hook, emulator, tmp_path):
    emulator.control.add_fault(SUBMIT, "expire_job", after_pages=2)
    summary = make_operator(tmp_path).execute({"ti": RecordingTaskInstance()})
    ids = staged_ids(tmp_path, summary)
    assert_complete(ids, emulator)
    assert summary["records"] == len(ids)
    assert emulator.control.stats()[SUBMIT] == {"202": 2}


def test_pacing_keeps_a_busy_run_under_the_rate_limit(hook, emulator):
    emulator.control.reset(rate_limit_requests=8, rate_limit_window_seconds=2)
    ids = extract_day(hook, page_size=100)  # about 25 calls against 8 per 2 s
    assert_complete(ids, emulator)
    assert hook.stats.throttled == 0 and hook.stats.paced_seconds > 0
    assert all("429" not in statuses for statuses in emulator.control.stats().values())


def test_random_fault_soak_still_yields_every_conversation_once(hook, emulator):
    emulator.control.set_fault_probabilities(
        {"500": 0.05, "502": 0.05, "503": 0.05, "drop": 0.05, "truncate": 0.05}, seed=7
    )
    hook.client.retry_policy.max_attempts = 10
    ids = extract_day(hook, page_size=200)
    assert_complete(ids, emulator)
    assert hook.stats.retries > 0


def test_rejected_cursor_fails_clearly(hook, emulator):
    emulator.control.add_fault(RESULTS, "reject_cursor")
    with pytest.raises(GenesysApiError, match="HTTP 400"):
        extract_day(hook, page_size=500)


def test_client_without_roles_gets_the_missing_permission_named(emulator, monkeypatch):
    emulator.control.reset(clients=[{"client_id": "no-roles", "client_secret": "no-roles-secret", "roles": []}])
    set_connection(monkeypatch, emulator.base_url, login="no-roles", password="no-roles-secret")
    ok, message = GenesysCloudHook().test_connection()
    assert not ok and "analytics:conversationDetail:view" in message


def test_wrong_secret_fails_fast_with_the_oauth_text(emulator, monkeypatch):
    set_connection(monkeypatch, emulator.base_url, login="emulator-client", password="not-the-secret")
    ok, message = GenesysCloudHook().test_connection()
    assert not ok and "invalid_client" in message
    assert emulator.control.stats()["post_token"] == {"401": 1}
