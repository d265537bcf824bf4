"""GenesysAuditOperator and the failure callbacks: the ``sync_audit`` row, read back with plain SQL and
compared field by field with the inputs the DAG passes in."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from genesys_cloud.operators.audit import GenesysAuditOperator, record_failed_attempt, record_retried_attempt
from genesys_cloud.operators.audited import AuditedOperator
from tests.genesys_cloud.operators.operator_support import (
    DAG_ID,
    EMULATOR_WEBHOOK_SECRET,
    RUN_ID,
    RecordingTaskInstance,
    iso,
    make_context,
    past_day,
    qualified,
    select_rows,
)

DAY = past_day(2)
PARTITION = DAY.strftime("%Y-%m-%d")
PLAN = {"interval_start": iso(DAY), "interval_end": iso(DAY + timedelta(days=1)), "partition": PARTITION}
EXTRACTION = {
    "partition": PARTITION,
    "query_hash": "abc123",
    "staging_path": "/staging/x",
    "pages": 7,
    "records": 309,
    "job_id": "job-9",
    "cache_hit": False,
    "seconds": 1.23456,
    "api": {"requests": 12, "retries": 2, "throttled": 1, "failed_correlation_ids": ["corr-1"]},
}
LOAD = {
    "conversations_loaded": 300,
    "conversations_rejected": 9,
    "rows_per_table": {"conversations": 300},
    "drift": {"unknown_fields": 0},
    "seconds": 0.5,
}
MATCH = {"status": "match", "tolerance": 0.0, "mismatches": [], "conversations_delta": 0}
INCOMPLETE = {
    "status": "incomplete",
    "tolerance": 0.0,
    "conversations_delta": 4,
    "mismatches": [{"check": "conversations", "key": "voice", "details": 190, "aggregates": 194, "delta": 4}],
}


def audit_rows(url: str) -> list[dict]:
    return select_rows(url, f"SELECT * FROM {qualified(url, 'sync_audit')} ORDER BY id")


def decoded(value):
    """A JSON column as stored (text on SQLite; text or json on PostgreSQL)."""
    return json.loads(value) if isinstance(value, str) else value


def run_audit(reconciliation, plan=PLAN, extraction=EXTRACTION, load=LOAD, day=DAY) -> dict:
    operator = GenesysAuditOperator(
        task_id="audit", plan=plan, extraction=extraction, load=load, reconciliation=reconciliation
    )
    return operator.execute(make_context(day, task_id="audit"))


def test_success_row_holds_every_input(any_warehouse):
    summary = run_audit(MATCH)

    [row] = audit_rows(any_warehouse)
    assert (row["dag_id"], row["run_id"], row["try_number"], row["task_id"]) == (DAG_ID, RUN_ID, 1, "audit")
    assert (row["partition"], row["interval_start"], row["interval_end"]) == (
        PARTITION,
        PLAN["interval_start"],
        PLAN["interval_end"],
    )
    assert row["status"] == "success" and row["error"] is None
    assert (row["query_hash"], row["job_id"], row["pages"], row["conversations_fetched"]) == ("abc123", "job-9", 7, 309)
    assert (row["api_requests"], row["api_retries"], row["api_throttled"]) == (12, 2, 1)
    assert (row["conversations_loaded"], row["conversations_rejected"]) == (300, 9)
    assert bool(row["cache_hit"]) is False
    assert row["completeness_rate"] == pytest.approx(300 / 309, abs=1e-6)
    assert decoded(row["rows_per_table"]) == {"conversations": 300}
    assert decoded(row["drift_summary"]) == {"unknown_fields": 0}
    assert decoded(row["failed_correlation_ids"]) == ["corr-1"]
    assert decoded(row["stage_latency_seconds"]) == {"extract": 1.235, "load": 0.5}
    assert decoded(row["reconciliation"]) == MATCH
    assert row["recorded_at"] is not None
    assert summary["status"] == "success" and summary["partition"] == PARTITION
    assert summary["completeness_rate"] == pytest.approx(row["completeness_rate"])


def test_an_incomplete_reconciliation_marks_the_row_incomplete(sqlite_warehouse):
    summary = run_audit(INCOMPLETE)

    [row] = audit_rows(sqlite_warehouse)
    assert row["status"] == summary["status"] == "incomplete"
    assert decoded(row["reconciliation"])["conversations_delta"] == 4


def test_each_attempt_adds_a_row(sqlite_warehouse):
    run_audit(MATCH)
    run_audit(MATCH)

    assert [row["status"] for row in audit_rows(sqlite_warehouse)] == ["success", "success"]


def test_an_empty_day_is_complete(sqlite_warehouse):
    run_audit(None, extraction={**EXTRACTION, "records": 0}, load={**LOAD, "conversations_loaded": 0})

    [row] = audit_rows(sqlite_warehouse)
    assert row["completeness_rate"] == 1.0 and decoded(row["reconciliation"]) == {}


FOLLOW_UP = {
    "requested": 7,
    "returned": 6,
    "ended": 5,
    "still_open": 1,
    "not_returned": 1,
    "requests": 3,
    "conversations_changed": 5,
    "api": {"requests": 4},
    "seconds": 0.2,
}
FOLLOW_UP_COLUMNS = (
    "followup_requested",
    "followup_returned",
    "followup_ended",
    "followup_still_open",
    "followup_not_returned",
    "followup_requests",
)


def test_the_follow_up_counts_have_their_own_columns(any_warehouse):
    operator = GenesysAuditOperator(
        task_id="audit", plan=PLAN, extraction=EXTRACTION, load=LOAD, reconciliation=MATCH, follow_up=FOLLOW_UP
    )
    summary = operator.execute(make_context(DAY, task_id="audit"))

    [row] = audit_rows(any_warehouse)
    assert tuple(row[name] for name in FOLLOW_UP_COLUMNS) == (7, 6, 5, 1, 1, 3)
    assert row["api_requests"] == 12  # the extract's; the follow-up's are apart
    assert summary["followup_requests"] == 3


def test_a_run_that_failed_after_the_follow_up_records_its_counts(sqlite_warehouse):
    inputs = {"plan": PLAN, "extraction": EXTRACTION, "load": LOAD, "follow_up": FOLLOW_UP}
    record_failed_attempt(callback_context(inputs, RuntimeError("boom"), task_id="reconcile", try_number=3))

    [row] = audit_rows(sqlite_warehouse)
    assert row["status"] == "failed" and tuple(row[name] for name in FOLLOW_UP_COLUMNS) == (7, 6, 5, 1, 1, 3)


def test_missing_warehouse_connection_fails_the_task(monkeypatch):
    from airflow.sdk.exceptions import AirflowNotFoundException

    monkeypatch.delenv("AIRFLOW_CONN_GENESYS_WAREHOUSE", raising=False)
    with pytest.raises(AirflowNotFoundException):
        run_audit(MATCH)


def callback_context(inputs: Any, error: Exception, task_id: str = "load", try_number: int = 2) -> dict:
    """A callback's context: the failing task as the task runner rendered it, its ``audit_inputs`` the
    upstream results its DAG file handed it. The task instance refuses any pull of another task's result."""
    context = make_context(DAY, task_id=task_id, exception=error)
    context["ti"] = RecordingTaskInstance(task_id=task_id, try_number=try_number)
    context["ti"].task = rendered_task(task_id, inputs)
    return context


def rendered_task(task_id: str, inputs: Any) -> AuditedOperator:
    task = AuditedOperator(task_id=task_id)
    task.audit_inputs = inputs  # what rendering left there, a mapping or not
    return task


def test_retry_callback_records_a_retry_row_with_the_error(sqlite_warehouse):
    record_retried_attempt(callback_context({"plan": PLAN, "extraction": EXTRACTION}, RuntimeError("boom")))

    [row] = audit_rows(sqlite_warehouse)
    assert (row["status"], row["task_id"], row["try_number"]) == ("retry", "load", 2)
    assert row["error"] == "RuntimeError: boom"
    assert row["conversations_fetched"] == 309 and row["conversations_loaded"] is None


OTHER_DAY = past_day(5)
OTHER_PLAN = {
    "interval_start": iso(OTHER_DAY),
    "interval_end": iso(OTHER_DAY + timedelta(days=1)),
    "partition": OTHER_DAY.strftime("%Y-%m-%d"),
}


def test_failure_callback_builds_the_row_from_the_tasks_rendered_inputs(sqlite_warehouse):
    """A refresh day's failed load: the row is that day's (the plan's partition, not the run's data interval),
    with the extraction's and the load's figures."""
    inputs = {"plan": OTHER_PLAN, "extraction": EXTRACTION, "load": LOAD, "authentication": {"division_ids": ["d1"]}}
    record_failed_attempt(callback_context(inputs, RuntimeError("boom"), task_id="follow_up_open"))

    [row] = audit_rows(sqlite_warehouse)
    assert (row["status"], row["task_id"], row["partition"]) == ("failed", "follow_up_open", OTHER_PLAN["partition"])
    assert (row["interval_start"], row["interval_end"]) == (OTHER_PLAN["interval_start"], OTHER_PLAN["interval_end"])
    assert (row["conversations_fetched"], row["conversations_loaded"], row["api_requests"]) == (309, 300, 12)
    assert decoded(row["stage_latency_seconds"]) == {"extract": 1.235, "load": 0.5}


def test_inputs_that_are_not_rendered_results_count_as_missing(sqlite_warehouse):
    """Rendering failed, or the callback ran on a task whose fields are still XCom references: no figures,
    the data interval's day, and no error out of the callback."""
    from airflow.sdk import DAG

    with DAG("refs"):  # an XCom reference only exists between tasks of one DAG
        upstream = AuditedOperator(task_id="validate_window").output
        record_failed_attempt(callback_context(upstream, RuntimeError("boom")))
        retried = {"plan": upstream, "extraction": "not a result"}
        record_retried_attempt(callback_context(retried, RuntimeError("boom"), task_id="extract"))

    rows = audit_rows(sqlite_warehouse)
    assert [(row["status"], row["partition"]) for row in rows] == [("failed", PARTITION), ("retry", PARTITION)]
    assert all(row["interval_start"] is None and row["conversations_fetched"] is None for row in rows)


def test_failure_before_validation_uses_the_data_interval_day(sqlite_warehouse, monkeypatch, genesys):
    set_emulator_webhook(monkeypatch, genesys)

    record_failed_attempt(callback_context({}, ValueError("bad window"), task_id="validate_window", try_number=1))

    [row] = audit_rows(sqlite_warehouse)
    assert (row["status"], row["partition"], row["interval_start"]) == ("failed", PARTITION, None)
    [event] = genesys.control.webhooks()
    assert event["accepted"] is True
    assert event["body"]["status"] == "failed" and event["body"]["partition"] == PARTITION
    assert event["body"]["error"] == "ValueError: bad window"


def test_callbacks_never_raise_on_a_broken_warehouse(monkeypatch, tmp_path):
    monkeypatch.setenv("AIRFLOW_CONN_GENESYS_WAREHOUSE", json.dumps({"conn_type": "mysql", "host": "db"}))
    monkeypatch.delenv("AIRFLOW_CONN_GENESYS_SYNC_WEBHOOK", raising=False)

    record_failed_attempt(callback_context({"plan": PLAN}, RuntimeError("boom")))
    record_retried_attempt(callback_context({"plan": PLAN}, RuntimeError("boom")))


def set_emulator_webhook(monkeypatch, genesys) -> None:
    monkeypatch.setenv(
        "AIRFLOW_CONN_GENESYS_SYNC_WEBHOOK",
        json.dumps(
            {"conn_type": "http", "host": f"{genesys.base_url}/_emulator/webhooks", "password": EMULATOR_WEBHOOK_SECRET}
        ),
    )


def test_a_reported_tasks_callback_writes_the_row_and_leaves_the_webhook_to_outcome(
    sqlite_warehouse, monkeypatch, genesys
):
    from genesys_cloud.operators.audit import record_failed_attempt_for_audit

    set_emulator_webhook(monkeypatch, genesys)
    record_failed_attempt_for_audit(callback_context({"plan": PLAN}, RuntimeError("boom")))

    [row] = audit_rows(sqlite_warehouse)
    assert (row["status"], row["error"]) == ("failed", "RuntimeError: boom")
    assert genesys.control.webhooks() == []


def test_a_reported_tasks_callback_sends_the_webhook_when_the_warehouse_refused_the_row(monkeypatch, genesys):
    from genesys_cloud.operators.audit import record_failed_attempt_for_audit

    monkeypatch.setenv("AIRFLOW_CONN_GENESYS_WAREHOUSE", json.dumps({"conn_type": "mysql", "host": "db"}))
    set_emulator_webhook(monkeypatch, genesys)
    record_failed_attempt_for_audit(callback_context({"plan": PLAN}, RuntimeError("boom")))

    [event] = genesys.control.webhooks()
    assert event["accepted"] and event["body"]["type"] == "genesys.conversations.partition_failed"
    assert event["body"]["error"] == "RuntimeError: boom"
