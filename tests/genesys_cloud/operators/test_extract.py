"""GenesysExtractOperator against the emulator: deferral and resume, cache hit vs forced, job FAILED/EXPIRED,
trigger errors. The staged pages are judged against the emulator's ground truth for the window."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from airflow.sdk.exceptions import TaskDeferred

from genesys_cloud.api.exceptions import GenesysError, GenesysJobFailed
from genesys_cloud.operators.extract import STARTED_AT_KEY, GenesysExtractOperator
from genesys_cloud.triggers import ERROR, TIMEOUT
from tests.genesys_cloud.operators.operator_support import day_interval, make_context, past_day, staged_conversations

SUBMIT = "post_analytics_conversations_details_jobs"
DAY = past_day(2)
INTERVAL = day_interval(DAY)
PARTITION = DAY.strftime("%Y-%m-%d")


def extract_operator(staging_root: Path, **kwargs) -> GenesysExtractOperator:
    # As the DAG passes them: the plan's values, resolved and typed by validate_window.
    settings = {"cache_ttl_seconds": 0, "force_extract": False, "poll_interval": 0.2, "timeout": 30, **kwargs}
    return GenesysExtractOperator(
        task_id="extract", interval=INTERVAL, partition=PARTITION, staging_root=str(staging_root), **settings
    )


def submissions(emulator) -> int:
    return sum(emulator.control.stats().get(SUBMIT, {}).values())


def resume_with_trigger(deferred: TaskDeferred) -> dict:
    """The first event of the real trigger (it polls the emulator until the job is terminal)."""

    async def first_event():
        async for event in deferred.trigger.run():
            return event.payload

    return asyncio.run(asyncio.wait_for(first_event(), timeout=20))


def assert_staged_as_ground_truth(emulator, result: dict) -> None:
    staged = staged_conversations(result["staging_path"])
    ids = [conversation["conversationId"] for conversation in staged]
    truth = emulator.control.ground_truth(INTERVAL)
    assert len(ids) == len(set(ids)) == truth["count"] > 0
    assert set(ids) == set(truth["conversation_ids"])
    assert result["records"] == len(ids)
    assert result["pages"] == len(list(Path(result["staging_path"]).glob("page-*.json.gz")))


@pytest.mark.timeout(60)
def test_immediate_job_stages_the_window_and_deletes_the_job(genesys, tmp_path):
    context = make_context(DAY, task_id="extract")

    result = extract_operator(tmp_path, page_size=100).execute(context)

    assert_staged_as_ground_truth(genesys, result)
    assert result["cache_hit"] is False and result["partition"] == PARTITION
    assert context["ti"].xcom["job_id"] == result["job_id"]
    assert isinstance(context["ti"].xcom[STARTED_AT_KEY], float) and result["seconds"] >= 0
    assert genesys.control.stats()["delete_analytics_conversations_details_job"] == {"204": 1}


@pytest.mark.timeout(60)
def test_defers_while_the_job_runs_then_resumes(genesys, tmp_path):
    genesys.control.configure(job_progression="polls", job_progression_polls=3)
    context = make_context(DAY, task_id="extract")
    operator = extract_operator(tmp_path)

    with pytest.raises(TaskDeferred) as deferred:
        operator.execute(context)
    assert deferred.value.method_name == "execute_complete"
    assert deferred.value.trigger.job_id == context["ti"].xcom["job_id"]
    event = resume_with_trigger(deferred.value)
    assert event["status"] == "FULFILLED"

    resumed = extract_operator(tmp_path)  # a fresh instance, as after a real deferral
    result = resumed.execute_complete(context, event, **deferred.value.kwargs)

    assert_staged_as_ground_truth(genesys, result)
    assert result["job_id"] == event["job_id"]
    assert "seconds" in result  # from the start time pushed before deferring


@pytest.mark.timeout(60)
def test_fresh_staged_copy_is_reused_unless_forced(genesys, tmp_path):
    first = extract_operator(tmp_path, cache_ttl_seconds=3600).execute(make_context(DAY))
    assert submissions(genesys) == 1

    cached = extract_operator(tmp_path, cache_ttl_seconds=3600).execute(make_context(DAY))
    assert cached["cache_hit"] is True and cached["api"]["requests"] == 0
    assert submissions(genesys) == 1  # no Genesys call at all
    assert (cached["staging_path"], cached["query_hash"], cached["records"]) == (
        first["staging_path"],
        first["query_hash"],
        first["records"],
    )

    forced = extract_operator(tmp_path, cache_ttl_seconds=3600, force_extract=True).execute(make_context(DAY))
    assert forced["cache_hit"] is False and forced["job_id"] != first["job_id"]
    assert submissions(genesys) == 2
    assert_staged_as_ground_truth(genesys, forced)


@pytest.mark.timeout(60)
def test_zero_ttl_never_reuses(genesys, tmp_path):
    extract_operator(tmp_path).execute(make_context(DAY))
    again = extract_operator(tmp_path).execute(make_context(DAY))

    assert again["cache_hit"] is False and submissions(genesys) == 2


@pytest.mark.timeout(60)
def test_failed_job_raises_with_its_message_and_stages_nothing(genesys, tmp_path):
    genesys.control.add_fault(SUBMIT, "fail_job")

    with pytest.raises(GenesysJobFailed, match="FAILED"):
        extract_operator(tmp_path).execute(make_context(DAY))

    assert not list(tmp_path.rglob("_manifest.json"))


@pytest.mark.timeout(60)
def test_results_expired_mid_read_are_resubmitted_once(genesys, tmp_path):
    genesys.control.add_fault(SUBMIT, "expire_job", count=1, after_pages=1)

    result = extract_operator(tmp_path, page_size=25).execute(make_context(DAY))

    assert submissions(genesys) == 2
    assert_staged_as_ground_truth(genesys, result)  # the partial first read left nothing behind


@pytest.mark.timeout(60)
def test_results_expired_twice_fail_as_expired(genesys, tmp_path):
    genesys.control.add_fault(SUBMIT, "expire_job", count=2, after_pages=0)

    with pytest.raises(GenesysJobFailed, match="EXPIRED"):
        extract_operator(tmp_path).execute(make_context(DAY))

    assert submissions(genesys) == 2
    assert not list(tmp_path.rglob("_manifest.json"))


@pytest.mark.parametrize("status", [TIMEOUT, ERROR])
@pytest.mark.timeout(60)
def test_trigger_timeout_or_error_fails_and_deletes_the_job(genesys, tmp_path, status):
    genesys.control.configure(job_progression="polls", job_progression_polls=50)
    context = make_context(DAY)
    with pytest.raises(TaskDeferred):
        extract_operator(tmp_path).execute(context)
    job_id = context["ti"].xcom["job_id"]

    with pytest.raises(GenesysError, match=f"failed \\({status}\\): gave up"):
        extract_operator(tmp_path).execute_complete(context, {"status": status, "job_id": job_id, "message": "gave up"})

    assert genesys.control.stats()["delete_analytics_conversations_details_job"] == {"204": 1}


def test_query_overrides_must_not_carry_the_interval(genesys, tmp_path):
    operator = extract_operator(tmp_path, query_overrides={"interval": "2024-01-01/2024-01-02"})

    with pytest.raises(ValueError, match="must not contain 'interval'"):
        operator.execute(make_context(DAY))
    assert submissions(genesys) == 0
