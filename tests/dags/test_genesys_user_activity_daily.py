"""The agent-activity DAG: its wiring read from the parsed DAG (the generic extract with the
users dataset, nothing written before authenticate and validate_window), and one real
``dag.test()`` day on SQLite judged by the official SDK and the users aggregates."""

from __future__ import annotations

import pytest

from genesys_pipeline.report.audit import read_audit
from tests.support.daily_dag_harness import past_day, run_day, task_states
from tests.support.fixtures_airflow import parsed_dag
from tests.support.user_activity_truth import sdk_truth, stored

DAG_ID = "genesys_user_activity_daily"
EVENT = "genesys.users.partition_synced"


@pytest.fixture(scope="module")
def users_dag(airflow_db):
    return parsed_dag(DAG_ID)


def test_wiring_reuses_the_generic_tasks_and_writes_nothing_before_the_checks(users_dag):
    order = [task.task_id for task in users_dag.topological_sort()]
    assert order[:3] == ["authenticate", "validate_window", "wait_for_data"]
    assert set(order[3:-1]) == {"presence_definitions", "extract", "load", "reconcile", "audit", "notify"}
    assert order[-1] == "outcome"
    assert users_dag.get_task("extract").dataset.name == "users"
    assert type(users_dag.get_task("extract")).__name__ == "GenesysExtractOperator"
    assert users_dag.get_task("notify").event_type == EVENT
    for writer in ("presence_definitions", "load"):
        assert "authenticate" in users_dag.get_task(writer).get_flat_relative_ids(upstream=True)


@pytest.mark.slow
def test_a_day_equals_the_sdk_truth_reconciles_and_is_audited(users_dag, pipeline_env, sqlite_url, emulator):
    emulator.control.reset(clock=emulator.control.clock()["nowIso"], conversations_per_day=100)
    pipeline_env(sqlite_url)
    day = past_day()
    dag_run = run_day(users_dag, day)
    assert str(dag_run.state) == "success", task_states(dag_run)
    assert stored(sqlite_url, day) == sdk_truth(emulator.base_url, day)
    from sqlalchemy import create_engine

    engine = create_engine(sqlite_url)
    [audit] = read_audit(engine)
    engine.dispose()
    assert audit["status"] == "success" and audit["dag_id"] == DAG_ID
    assert audit["reconciliation"]["status"] == "match" and audit["reconciliation"]["users"] == 50
    assert audit["conversations_fetched"] == 50 and audit["api_requests"] > 0
    [delivery] = emulator.control.webhooks()
    assert delivery["accepted"] and delivery["body"]["type"] == EVENT
