"""The daily DAG when things go wrong: webhook outage or absence, rejected credentials, a bad window."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import inspect

from tests.support.daily_dag_harness import data_snapshot, day_interval, details_job_calls, free_port_url, past_day, run_day, task_states
from genesys_pipeline.report.audit import read_audit


def test_webhook_outage_leaves_the_data_alone(daily_dag, warehouse, emulator, monkeypatch):
    notify = daily_dag.get_task("notify")
    monkeypatch.setattr(notify, "retries", 0)
    monkeypatch.setattr(notify, "attempts", 2)
    monkeypatch.setenv(
        "AIRFLOW_CONN_GENESYS_SYNC_WEBHOOK",
        json.dumps({"conn_type": "http", "host": free_port_url("/hook"), "password": "unused"}),
    )
    day = past_day()

    dag_run = run_day(daily_dag, day)

    states = task_states(dag_run)
    assert states["notify"] == "failed"
    assert {states[task] for task in ("extract", "load", "audit")} == {"success"}
    truth = emulator.control.ground_truth(day_interval(day))
    assert len(data_snapshot(warehouse)["conversations"]) == truth["count"]
    [audit] = read_audit(warehouse.engine)
    assert audit["status"] == "success" and audit["conversations_loaded"] == truth["count"]


def test_webhook_is_skipped_without_its_connection(daily_dag, warehouse, emulator, monkeypatch):
    monkeypatch.delenv("AIRFLOW_CONN_GENESYS_SYNC_WEBHOOK")

    dag_run = run_day(daily_dag, past_day())

    assert str(dag_run.state) == "success"
    assert task_states(dag_run)["notify"] == "skipped"
    assert emulator.control.webhooks() == []


def test_rejected_credentials_fail_fast_without_retries(daily_dag, warehouse, emulator, monkeypatch):
    monkeypatch.setenv(
        "AIRFLOW_CONN_GENESYS_CLOUD_DEFAULT",
        json.dumps({"conn_type": "http", "host": emulator.base_url, "login": "emulator-client", "password": "wrong-secret"}),
    )

    dag_run = run_day(daily_dag, past_day())

    [authenticate] = [ti for ti in dag_run.get_task_instances() if ti.task_id == "authenticate"]
    assert str(authenticate.state) == "failed" and authenticate.try_number == 1
    [audit] = read_audit(warehouse.engine)
    assert (audit["status"], audit["task_id"]) == ("failed", "authenticate")
    assert "authentication failed" in audit["error"].lower()
    assert "wrong-secret" not in audit["error"]
    [event] = emulator.control.webhooks()
    assert event["accepted"] and event["body"]["type"] == "genesys.conversations.partition_failed"


def test_missing_permission_is_named_and_not_retried(daily_dag, warehouse, emulator, monkeypatch):
    emulator.control.reset(clients=[{"client_id": "no-analytics", "client_secret": "s3cret", "roles": ["routing:queue:view"]}])
    monkeypatch.setenv(
        "AIRFLOW_CONN_GENESYS_CLOUD_DEFAULT",
        json.dumps({"conn_type": "http", "host": emulator.base_url, "login": "no-analytics", "password": "s3cret"}),
    )

    dag_run = run_day(daily_dag, past_day())

    [authenticate] = [ti for ti in dag_run.get_task_instances() if ti.task_id == "authenticate"]
    assert str(authenticate.state) == "failed" and authenticate.try_number == 1
    [audit] = read_audit(warehouse.engine)
    assert "analytics:conversationDetail:view" in audit["error"]


def test_reversed_window_fails_before_any_write(daily_dag, warehouse, emulator):
    dag_run = run_day(daily_dag, past_day(), interval_start="2024-05-02T00:00:00Z", interval_end="2024-05-01T00:00:00Z")

    assert task_states(dag_run)["validate_window"] == "failed"
    [audit] = read_audit(warehouse.engine)
    assert audit["task_id"] == "validate_window" and "interval_end" in audit["error"]
    assert "conversations" not in inspect(warehouse.engine).get_table_names(schema=warehouse.schema)


@pytest.mark.parametrize(
    ("connection", "message"),
    [
        ({"conn_type": "generic", "extra": {"sqlalchemy_url": "mysql://loader:pw@db/warehouse"}}, "unsupported"),
        ({"conn_type": "generic", "extra": {"sqlalchemy_url": "not a url"}}, "not a valid URL"),
        ({"conn_type": "oracle", "host": "db"}, "not supported"),
    ],
)
def test_unusable_warehouse_connection_fails_before_extracting(daily_dag, emulator, monkeypatch, pipeline_env, connection, message):
    monkeypatch.setenv("AIRFLOW_CONN_GENESYS_WAREHOUSE", json.dumps(connection))

    dag_run = run_day(daily_dag, past_day())

    [validate] = [ti for ti in dag_run.get_task_instances() if ti.task_id == "validate_window"]
    assert str(validate.state) == "failed" and validate.try_number == 1
    assert task_states(dag_run)["extract"] != "success"
    assert details_job_calls(emulator.control.stats()) == 0
