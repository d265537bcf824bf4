"""The daily DAG end to end with ``dag.test()`` against the emulator over HTTP, on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import column, select, table

from tests.support.daily_dag_harness import data_snapshot, day_interval, details_job_calls, past_day, run_day, task_states
from genesys_pipeline.report.audit import read_audit
from genesys_pipeline.warehouse import Warehouse
from genesys_pipeline.report.webhook import EVENT_SYNCED

DETAILS_JOB_OPERATIONS = ("details", "job")


def conversation_ids(warehouse: Warehouse) -> set[str]:
    target = table("conversations", column("conversation_id"), schema=warehouse.schema)
    with warehouse.engine.connect() as conn:
        return set(conn.execute(select(target.c.conversation_id)).scalars())


def test_clean_day_equals_ground_truth(daily_dag, warehouse, emulator):
    day = past_day()
    dag_run = run_day(daily_dag, day)

    assert str(dag_run.state) == "success", task_states(dag_run)
    truth = emulator.control.ground_truth(day_interval(day))
    assert truth["count"] > 0
    assert conversation_ids(warehouse) == set(truth["conversation_ids"])
    [audit] = read_audit(warehouse.engine)
    assert audit["status"] == "success" and audit["partition"] == f"{day:%Y-%m-%d}"
    assert audit["conversations_fetched"] == audit["conversations_loaded"] == truth["count"]
    assert audit["completeness_rate"] == 1.0 and audit["cache_hit"] is False
    assert audit["api_requests"] > 0 and audit["job_id"]
    assert audit["rows_per_table"]["conversations"] == truth["count"]
    [delivery] = emulator.control.webhooks()
    assert delivery["accepted"] and delivery["body"]["type"] == EVENT_SYNCED
    assert delivery["body"]["conversations_loaded"] == truth["count"]


def test_same_day_twice_is_idempotent(daily_dag, warehouse, emulator):
    day = past_day()
    first = run_day(daily_dag, day)
    snapshot, checksums = data_snapshot(warehouse), warehouse.table_checksums()
    second = run_day(daily_dag, day)

    assert str(first.state) == str(second.state) == "success"
    assert first.run_id != second.run_id
    assert data_snapshot(warehouse) == snapshot
    assert warehouse.table_checksums() == checksums  # the rerun reused the extraction: same _extracted_at
    assert sum(map(len, snapshot.values())) > 0
    audits = read_audit(warehouse.engine)
    assert [row["status"] for row in audits] == ["success", "success"]
    assert [row["run_id"] for row in audits] == [first.run_id, second.run_id]
    assert audits[0]["conversations_loaded"] == audits[1]["conversations_loaded"] > 0


def test_failed_load_reruns_from_the_cache(daily_dag, warehouse, emulator, monkeypatch):
    day = past_day()
    load_task = daily_dag.get_task("load")
    monkeypatch.setattr(load_task, "retries", 0)

    def broken_load(self, batches, run_id, progress=None, finish=None, own_days=()):
        raise RuntimeError("injected load failure")

    with monkeypatch.context() as patch:
        patch.setattr(Warehouse, "load_batches", broken_load)
        failed = run_day(daily_dag, day)
    assert str(failed.state) == "failed"
    assert task_states(failed)["load"] == "failed" and task_states(failed)["extract"] == "success"
    calls_before = details_job_calls(emulator.control.stats())

    rerun = run_day(daily_dag, day)

    assert str(rerun.state) == "success", task_states(rerun)
    assert details_job_calls(emulator.control.stats()) == calls_before  # extract served from the cache
    truth = emulator.control.ground_truth(day_interval(day))
    assert conversation_ids(warehouse) == set(truth["conversation_ids"])
    failed_row, success_row = read_audit(warehouse.engine)
    assert (failed_row["status"], failed_row["task_id"]) == ("failed", "load")
    assert "injected load failure" in failed_row["error"]
    # the load's audit_inputs: the plan (the day), the extraction's figures, the divisions read
    assert (failed_row["partition"], failed_row["interval_start"]) == (f"{day:%Y-%m-%d}", success_row["interval_start"])
    assert failed_row["query_hash"] == success_row["query_hash"] and failed_row["conversations_fetched"] > 0
    assert failed_row["divisions_read"] and failed_row["conversations_loaded"] is None
    assert success_row["status"] == "success" and success_row["cache_hit"] is True
    assert success_row["api_requests"] == 0
    events = [delivery["body"]["type"] for delivery in emulator.control.webhooks() if delivery["accepted"]]
    assert events == ["genesys.conversations.partition_failed", EVENT_SYNCED]


def test_pii_config_variable_hashes_columns(daily_dag, warehouse, emulator, monkeypatch):
    monkeypatch.setenv("AIRFLOW_VAR_GENESYS_PII_CONFIG", '{"hash": ["ani"]}')
    monkeypatch.setenv("AIRFLOW_VAR_GENESYS_PII_SECRET", "pepper")

    dag_run = run_day(daily_dag, past_day())

    assert str(dag_run.state) == "success", task_states(dag_run)
    sessions = table("sessions", column("ani"), schema=warehouse.schema)
    with warehouse.engine.connect() as conn:
        values = list(conn.execute(select(sessions.c.ani).where(sessions.c.ani.is_not(None))).scalars())
    assert values and all(len(value) == 64 and int(value, 16) >= 0 for value in values)
    plan = [ti for ti in dag_run.get_task_instances() if ti.task_id == "validate_window"][0].xcom_pull(task_ids="validate_window")
    assert plan["partition"] and "pepper" not in str(plan)


def test_extract_defers_while_the_job_runs(daily_dag, warehouse, emulator):
    emulator.control.reset(job_progression="polls", job_progression_polls=3)
    day = past_day()

    dag_run = run_day(daily_dag, day)

    assert str(dag_run.state) == "success", task_states(dag_run)
    truth = emulator.control.ground_truth(day_interval(day))
    assert conversation_ids(warehouse) == set(truth["conversation_ids"])
    status_polls = emulator.control.stats()["get_analytics_conversations_details_job"]
    assert sum(status_polls.values()) >= 3  # the operator's own check, then the trigger's polls
    [audit] = read_audit(warehouse.engine)
    assert audit["stage_latency_seconds"]["extract"] >= 1  # measured across the deferral


def test_a_retried_try_gets_its_own_audit_row(daily_dag, warehouse, emulator, monkeypatch):
    load_task = daily_dag.get_task("load")
    monkeypatch.setattr(load_task, "retry_delay", timedelta(0))
    monkeypatch.setattr(load_task, "retry_exponential_backoff", False)
    real_load = Warehouse.load_batches
    calls = []

    def flaky_load(self, batches, run_id, progress=None, finish=None, own_days=()):
        calls.append(run_id)
        if len(calls) == 1:
            raise ConnectionError("warehouse briefly unavailable")
        return real_load(self, batches, run_id, progress, finish, own_days)

    monkeypatch.setattr(Warehouse, "load_batches", flaky_load)

    dag_run = run_day(daily_dag, past_day())

    assert str(dag_run.state) == "success", task_states(dag_run)
    retry_row, success_row = read_audit(warehouse.engine)
    assert (retry_row["status"], retry_row["task_id"], retry_row["try_number"]) == ("retry", "load", 1)
    assert "briefly unavailable" in retry_row["error"]
    assert retry_row["partition"] == success_row["partition"] and retry_row["conversations_fetched"] > 0
    assert success_row["status"] == "success" and success_row["conversations_loaded"] > 0
    assert [d["body"]["type"] for d in emulator.control.webhooks()] == [EVENT_SYNCED]  # no failure event for a retry
