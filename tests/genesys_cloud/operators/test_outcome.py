"""``outcome``: the run's verdict and the report of a try that failed for good, against a real SQLite
warehouse and the emulator's webhook receiver. The failed row is written by the real failure callback
(``record_failed_attempt_for_audit``); the run's task states are what the API server would answer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException
from sqlalchemy import create_engine, inspect

from genesys_cloud.operators.audit import record_failed_attempt_for_audit
from genesys_cloud.operators.outcome import add_outcome
from genesys_pipeline.report import webhook
from tests.genesys_cloud.operators.operator_support import DAG_ID, RUN_ID, RecordingTaskInstance, make_context
from tests.genesys_cloud.operators.test_audit import (
    DAY,
    PARTITION,
    PLAN,
    audit_rows,
    callback_context,
    set_emulator_webhook,
)


class RunStatesTaskInstance(RecordingTaskInstance):
    """A task instance that also answers ``get_task_states`` (asked of the API server in a real run)."""

    def __init__(self, states: dict[str, str]) -> None:
        super().__init__(task_id="outcome")
        self.dag_id, self.run_id, self.states = DAG_ID, RUN_ID, states

    def get_task_states(self, dag_id: str, run_ids: list[str]) -> dict[str, dict[str, str]]:
        assert (dag_id, run_ids) == (DAG_ID, [RUN_ID])
        return {RUN_ID: self.states}


def run_outcome(states: dict[str, str], started: datetime | None = None) -> None:
    """``outcome`` as the DAGs wire it (downstream of every task), in a run whose tasks are in ``states``
    and whose current attempt started at ``started``."""
    from airflow.providers.standard.operators.empty import EmptyOperator
    from airflow.sdk import DAG

    with DAG(DAG_ID, schedule=None) as dag:
        EmptyOperator(task_id="load") >> EmptyOperator(task_id="audit") >> EmptyOperator(task_id="notify")
        outcome = add_outcome(dag.tasks, plan=PLAN)
    context = make_context(DAY, task_id="outcome")
    context["ti"] = RunStatesTaskInstance(states)
    context["dag_run"].start_date = started
    outcome.execute(context)


def written_rows(url: str) -> list[dict]:
    """The ``sync_audit`` rows, none when nothing created the table."""
    engine = create_engine(url)
    try:
        exists = inspect(engine).has_table("sync_audit", schema=engine.dialect.default_schema_name)
    finally:
        engine.dispose()
    return audit_rows(url) if exists else []


def failure_events(genesys) -> list[dict]:
    return [
        event["body"]
        for event in genesys.control.webhooks()
        if event["accepted"] and event["body"]["type"] == webhook.EVENT_FAILED
    ]


FAILED_LOAD = {"load": "failed", "audit": "upstream_failed", "notify": "upstream_failed", "outcome": "running"}


def test_a_failed_task_is_reported_from_its_callbacks_row_once_and_fails_the_run(
    sqlite_warehouse, monkeypatch, genesys
):
    set_emulator_webhook(monkeypatch, genesys)
    record_failed_attempt_for_audit(callback_context({"plan": PLAN}, RuntimeError("disk full"), try_number=3))
    assert failure_events(genesys) == []  # the callback leaves the webhook to outcome

    with pytest.raises(
        AirflowFailException, match=r"^load failed for good\. load \(partition .*, try 3\): RuntimeError"
    ):
        run_outcome(FAILED_LOAD)

    [row] = audit_rows(sqlite_warehouse)  # the callback's: outcome added none
    [event] = failure_events(genesys)
    assert (event["task_id"], event["try_number"], event["error"]) == ("load", 3, row["error"])
    assert event["partition"] == PARTITION


def test_a_failure_no_callback_recorded_gets_its_row_and_webhook_from_outcome(sqlite_warehouse, monkeypatch, genesys):
    set_emulator_webhook(monkeypatch, genesys)

    with pytest.raises(AirflowFailException, match="no error on record"):
        run_outcome(FAILED_LOAD)

    [row] = audit_rows(sqlite_warehouse)
    assert (row["status"], row["task_id"], row["partition"]) == ("failed", "load", PARTITION)
    [event] = failure_events(genesys)
    assert event["error"] == row["error"] and "its failure callback did not run" in row["error"]


def test_an_earlier_attempts_row_is_not_reported_for_the_rerun(sqlite_warehouse, monkeypatch, genesys):
    """A cleared run keeps its run id: the first attempt's failed row is older than the rerun's start."""
    set_emulator_webhook(monkeypatch, genesys)
    record_failed_attempt_for_audit(callback_context({"plan": PLAN}, RuntimeError("first attempt"), try_number=3))

    with pytest.raises(AirflowFailException, match="no error on record"):
        run_outcome(FAILED_LOAD, started=datetime.now(UTC) + timedelta(seconds=1))

    first, second = audit_rows(sqlite_warehouse)
    [event] = failure_events(genesys)
    assert "first attempt" in first["error"] and event["error"] == second["error"] != first["error"]


def test_a_good_day_is_skipped_and_reports_nothing(sqlite_warehouse, monkeypatch, genesys):
    set_emulator_webhook(monkeypatch, genesys)

    with pytest.raises(AirflowSkipException):
        run_outcome({"load": "success", "audit": "success", "notify": "skipped", "outcome": "running"})

    assert written_rows(sqlite_warehouse) == [] and genesys.control.webhooks() == []


def test_a_failed_notify_fails_the_run_without_a_failure_webhook(sqlite_warehouse, monkeypatch, genesys):
    set_emulator_webhook(monkeypatch, genesys)

    with pytest.raises(AirflowFailException, match="notify: the day is loaded and audited"):
        run_outcome({"load": "success", "audit": "success", "notify": "failed", "outcome": "running"})

    assert written_rows(sqlite_warehouse) == [] and genesys.control.webhooks() == []
