"""GenesysDetailsJobOperator: defer/resume, staging, cache hits, job failures, resubmission, on_kill, and the
deferred wait for a details-job slot when the concurrent-job cap is full.

(The same operator under ``airflow dags test``: test_details_job_airflow.py.)"""

from __future__ import annotations

import asyncio
import gzip
import time
import uuid
from pathlib import Path

import pytest
import requests_mock as rm
from airflow.sdk.exceptions import TaskDeferred

from genesys_cloud.api.exceptions import GenesysError, GenesysJobFailed
from genesys_cloud.api.job_slots import job_slots
from genesys_cloud.api.rate_budget import budget_key
from genesys_cloud.hook import GenesysCloudHook
from genesys_cloud.operators.details_job import GenesysDetailsJobOperator
from genesys_cloud.triggers import SLOT_TAKEN, GenesysDetailsJobTrigger, GenesysJobSlotTrigger
from genesys_pipeline.staging.area import StagingArea
from tests.genesys_cloud.genesys_responses import JOBS_URL, TOKEN_URL, conversations, error_body, token_ok
from tests.support.connections import set_connection

INTERVAL = "2024-05-01T00:00:00.000Z/2024-05-02T00:00:00.000Z"
JOB_URL = f"{JOBS_URL}/job-1"
RESULTS_URL = f"{JOB_URL}/results"
SLOT_INTERVAL = "2024-05-01T00:00:00.000Z/2024-05-01T02:00:00.000Z"


class RecordingTaskInstance:
    def __init__(self) -> None:
        self.xcom: dict[str, object] = {}

    def xcom_push(self, key: str, value: object) -> None:
        self.xcom[key] = value


@pytest.fixture()
def context():
    return {"ti": RecordingTaskInstance()}


@pytest.fixture()
def operator(fake_connection, tmp_path: Path):
    return GenesysDetailsJobOperator(
        task_id="extract",
        interval=INTERVAL,
        staging_root=str(tmp_path),
        partition="2024-05-01",
        query_overrides={"order": "asc"},
        page_size=2,
        poll_interval=1,
        timeout=60,
    )


def result_pages(total: int, page_size: int = 2) -> list[dict]:
    pages = []
    for start in range(0, total, page_size):
        body = {
            "conversations": conversations(start, min(page_size, total - start)),
            "dataAvailabilityDate": "2024-05-03T00:00:00Z",
        }
        if start + page_size < total:
            body["cursor"] = f"cur-{start + page_size}"
        pages.append({"json": body})
    return pages


def test_submits_pushes_job_id_then_defers(operator, context):
    with rm.Mocker() as m:
        m.post(TOKEN_URL, **token_ok())
        m.post(JOBS_URL, status_code=202, json={"jobId": "job-1"})
        m.get(JOB_URL, status_code=202, json={"state": "QUEUED"})
        with pytest.raises(TaskDeferred) as deferred:
            operator.execute(context)
        submitted = m.request_history[1].json()
    assert submitted == {"interval": INTERVAL, "order": "asc"}
    assert context["ti"].xcom == {"job_id": "job-1"}
    trigger = deferred.value.trigger
    assert isinstance(trigger, GenesysDetailsJobTrigger) and trigger.job_id == "job-1"
    assert deferred.value.method_name == "execute_complete"
    assert deferred.value.kwargs == {"resubmitted": False}


def test_execute_complete_stages_pages_deletes_job_and_returns_small_summary(operator, context, tmp_path):
    with rm.Mocker() as m:
        m.post(TOKEN_URL, **token_ok())
        m.get(RESULTS_URL, result_pages(5))
        m.delete(JOB_URL, status_code=204)
        summary = operator.execute_complete(context, {"status": "FULFILLED", "job_id": "job-1", "message": ""})
        assert m.request_history[-1].method == "DELETE"
    assert {k: summary[k] for k in ("partition", "pages", "records", "job_id", "cache_hit")} == {
        "partition": "2024-05-01",
        "pages": 3,
        "records": 5,
        "job_id": "job-1",
        "cache_hit": False,
    }
    assert summary["api"]["requests"] == 5  # token, 3 pages, delete
    staging = StagingArea(tmp_path)
    manifest = staging.read_manifest("2024-05-01", summary["query_hash"])
    assert manifest.record_count == 5 and Path(summary["staging_path"]).is_dir()
    assert b"c-00004" in gzip.decompress((Path(summary["staging_path"]) / "page-00003.json.gz").read_bytes())


def test_fresh_staged_copy_means_no_api_calls(operator, context):
    with rm.Mocker() as m:
        m.post(TOKEN_URL, **token_ok())
        m.get(RESULTS_URL, result_pages(3))
        m.delete(JOB_URL, status_code=204)
        first = operator.execute_complete(context, {"status": "FULFILLED", "job_id": "job-1", "message": ""})
    operator.cache_ttl_seconds = 3600
    with rm.Mocker() as m:  # any request would fail with NoMockAddress
        summary = operator.execute(context)
        assert m.call_count == 0
    assert summary["cache_hit"] and summary["records"] == 3 and summary["query_hash"] == first["query_hash"]


@pytest.mark.parametrize("state", ["FAILED", "EXPIRED", "CANCELLED"])
def test_failed_job_raises_domain_error_with_its_message(operator, context, state):
    with pytest.raises(GenesysJobFailed, match=f"job-1 ended {state}: boom") as caught:
        operator.execute_complete(context, {"status": state, "job_id": "job-1", "message": "boom"})
    assert caught.value.state == state


def test_trigger_timeout_deletes_job_and_fails(operator, context):
    with rm.Mocker() as m:
        m.post(TOKEN_URL, **token_ok())
        m.delete(JOB_URL, status_code=204)
        with pytest.raises(GenesysError, match="timeout"):
            operator.execute_complete(context, {"status": "timeout", "job_id": "job-1", "message": "gave up"})
        assert m.request_history[-1].method == "DELETE"


def test_results_expiring_mid_read_resubmits_once(operator, context):
    gone = error_body(404, "not.found", "The requested resource was not found.")
    with rm.Mocker() as m:
        m.post(TOKEN_URL, **token_ok())
        m.get(RESULTS_URL, [result_pages(5)[0], gone])
        m.delete(JOB_URL, status_code=204)
        m.post(JOBS_URL, status_code=202, json={"jobId": "job-2"})
        m.get(f"{JOBS_URL}/job-2", status_code=202, json={"state": "PENDING"})
        with pytest.raises(TaskDeferred) as deferred:
            operator.execute_complete(context, {"status": "FULFILLED", "job_id": "job-1", "message": ""})
    assert deferred.value.kwargs == {"resubmitted": True}
    assert deferred.value.trigger.job_id == "job-2"
    with rm.Mocker() as m:
        m.post(TOKEN_URL, **token_ok())
        m.get(f"{JOBS_URL}/job-2/results", **gone)
        m.delete(f"{JOBS_URL}/job-2", status_code=204)
        with pytest.raises(GenesysJobFailed, match="after one resubmission"):
            operator.execute_complete(
                context, {"status": "FULFILLED", "job_id": "job-2", "message": ""}, resubmitted=True
            )


def test_on_kill_deletes_the_remote_job(operator, context):
    with rm.Mocker() as m:
        m.post(TOKEN_URL, **token_ok())
        m.post(JOBS_URL, status_code=202, json={"jobId": "job-1"})
        m.get(JOB_URL, status_code=202, json={"state": "PENDING"})
        m.delete(JOB_URL, status_code=204)
        with pytest.raises(TaskDeferred):
            operator.execute(context)
        operator.on_kill()
        assert [r.method for r in m.request_history][-1] == "DELETE"


def test_interval_in_overrides_is_refused(fake_connection, tmp_path):
    op = GenesysDetailsJobOperator(
        task_id="x", interval=INTERVAL, staging_root=str(tmp_path), partition="p", query_overrides={"interval": "other"}
    )
    with pytest.raises(ValueError, match="must not contain 'interval'"):
        op.job_body()


def test_object_storage_root_with_a_scheme(fake_connection, tmp_path, context):
    op = GenesysDetailsJobOperator(
        task_id="x", interval=INTERVAL, staging_root=f"file://{tmp_path}/store", partition="p", page_size=2
    )
    with rm.Mocker() as m:
        m.post(TOKEN_URL, **token_ok())
        m.get(RESULTS_URL, result_pages(3))
        m.delete(JOB_URL, status_code=204)
        summary = op.execute_complete(context, {"status": "FULFILLED", "job_id": "job-1", "message": ""})
    assert summary["records"] == 3
    assert (tmp_path / "store" / "conversation_details" / "p" / summary["query_hash"] / "_manifest.json").exists()


# --- a full details-job cap: the extract waits deferred, not in its worker ----------------------
# Blocking in the task would hold a worker and a pool slot that the extracts holding the job slots may
# need to resume, read their results and give the slots back: a backfill then stalls (seen in a 14-day
# backfill with a pool of 4 and a cap of 5). Real emulator over HTTP, real Redis.


async def first_event(trigger: GenesysJobSlotTrigger, timeout: float) -> dict:
    async def first() -> dict:
        async for event in trigger.run():
            return event.payload
        raise AssertionError("the trigger ended without an event")

    return await asyncio.wait_for(first(), timeout)


def test_a_full_cap_defers_until_a_slot_frees_then_submits_under_it(emulator, redis_server, monkeypatch, tmp_path):
    client_id = f"slot-client-{uuid.uuid4().hex[:8]}"  # its own slots, whatever earlier tests left
    emulator.control.add_client(client_id, "slot-secret")
    set_connection(
        monkeypatch,
        emulator.base_url,
        {"rate_budget_backend": "redis", "rate_budget_url": redis_server, "max_concurrent_jobs": 1},
        login=client_id,
        password="slot-secret",
    )
    hook = GenesysCloudHook()
    slots, key = job_slots("redis", redis_server), budget_key(hook.client.urls.login, client_id)
    assert slots.acquire(key, 1, "another-partition", 60)
    operator = GenesysDetailsJobOperator(
        task_id="extract",
        interval=SLOT_INTERVAL,
        staging_root=str(tmp_path),
        partition="2024-05-01",
        poll_interval=0.2,
        timeout=60,
    )
    context = {"ti": RecordingTaskInstance()}

    with pytest.raises(TaskDeferred) as deferred:
        operator.execute(context)
    trigger = deferred.value.trigger
    assert isinstance(trigger, GenesysJobSlotTrigger) and deferred.value.method_name == "execute_with_slot"
    assert emulator.control.stats().get("post_analytics_conversations_details_jobs") is None, "nothing submitted yet"

    async def free_the_slot_later() -> dict:
        releaser = asyncio.get_running_loop().call_later(0.5, slots.release, key, "another-partition")
        try:
            return await first_event(trigger, timeout=10)
        finally:
            releaser.cancel()

    event = asyncio.run(free_the_slot_later())
    assert event["status"] == SLOT_TAKEN and event["holder"] == trigger.holder
    assert not slots.acquire(key, 1, "a-third-partition", 60), "the trigger holds the slot for the task"

    summary = operator.execute_with_slot(context, event, **deferred.value.kwargs)  # the job finishes at once
    assert summary["records"] == len(emulator.control.ground_truth(SLOT_INTERVAL)["conversation_ids"])
    assert slots.acquire(key, 1, "a-third-partition", 60), "deleting the job gave the slot back"
    slots.release(key, "a-third-partition")


def test_once_jobs_are_known_to_be_slow_the_task_defers_without_a_status_check(operator, context):
    """Jobs of this client took 40-60 s: a check right after submitting could only say "running",
    so the task defers at once, and the trigger starts on the schedule with the submission time."""
    history = operator.hook.latency_history()
    for seconds in (40.0, 50.0, 60.0):
        history.record(seconds, seconds)
    with rm.Mocker() as m:
        m.post(TOKEN_URL, **token_ok())
        m.post(JOBS_URL, status_code=202, json={"jobId": "job-1"})
        before = time.time()
        with pytest.raises(TaskDeferred) as deferred:
            operator.execute(context)
        methods = [request.method for request in m.request_history]
    assert methods == ["POST", "POST"]  # the token and the submission, no status GET
    trigger = deferred.value.trigger
    assert trigger.running_at is None and before <= trigger.submitted_at <= time.time()
    assert trigger.serialize()[1]["submitted_at"] == trigger.submitted_at


def test_the_triggerers_requests_and_polls_count_in_the_summary(operator, context):
    with rm.Mocker() as m:
        m.post(TOKEN_URL, **token_ok())
        m.get(RESULTS_URL, result_pages(1))
        m.delete(JOB_URL, status_code=204)
        event = {"status": "FULFILLED", "job_id": "job-1", "message": "", "polls": 3, "requests": 4}
        summary = operator.execute_complete(context, event)
    assert summary["api"]["requests"] == 3 + 4  # token, page, delete here; the trigger's four
    assert summary["api"]["job_polls"] == 3
    assert summary["limits"]["source"] == "settings"  # the local budget reads no org limits
