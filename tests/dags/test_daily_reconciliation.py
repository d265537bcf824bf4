"""The daily DAG's aggregates, reconcile and lookback steps with ``dag.test()`` against the emulator."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest

from genesys_pipeline.report import aggregates
from genesys_pipeline.report.audit import read_audit
from genesys_pipeline.warehouse import Warehouse
from genesys_pipeline.report.webhook import EVENT_SYNCED

from tests.support.emulator_day import day_window, past_day

WEBHOOK_SECRET = "emulator-webhook-secret"
HIDDEN = 3


@pytest.fixture()
def warehouse(monkeypatch, genesys, warehouse_connection, tmp_path):
    monkeypatch.setenv("AIRFLOW_CONN_GENESYS_SYNC_WEBHOOK", json.dumps(
        {"conn_type": "http", "host": f"{genesys.base_url}/_emulator/webhooks", "password": WEBHOOK_SECRET}))
    monkeypatch.setenv("AIRFLOW_VAR_GENESYS_STAGING_ROOT", str(tmp_path / "staging"))
    monkeypatch.setenv("AIRFLOW_VAR_GENESYS_POLL_INTERVAL_SECONDS", "1")
    monkeypatch.setenv("AIRFLOW_VAR_GENESYS_LOOKBACK_DAYS", "0")  # one day alone; lookback is passed explicitly
    warehouse = Warehouse.from_url(warehouse_connection)
    yield warehouse
    warehouse.dispose()


def run_day(dag, **conf):
    """Run the DAG for ``past_day()``: a manual run at D+1 has the data interval [D, D+1)."""
    dag_run = dag.test(logical_date=past_day() + timedelta(days=1), run_conf=conf or None)
    states = {ti.task_id: str(ti.state) for ti in dag_run.get_task_instances()}
    assert str(dag_run.state) == "success", states
    return dag_run


def conversation_count(warehouse: Warehouse) -> int:
    return warehouse.table_counts()["conversations"]


def test_a_clean_day_reconciles_and_says_so_in_audit_and_webhook(daily_dag, warehouse, genesys):
    run_day(daily_dag)
    [audit] = read_audit(warehouse.engine)
    assert audit["status"] == "success"
    assert audit["reconciliation"]["status"] == "match" and audit["reconciliation"]["mismatches"] == []
    assert aggregates.read_partition(warehouse.engine, audit["partition"])
    [delivery] = genesys.control.webhooks()
    assert delivery["body"]["type"] == EVENT_SYNCED and delivery["body"]["reconciliation"]["status"] == "match"


def test_hidden_conversations_mark_the_partition_incomplete_without_deleting_data(daily_dag, warehouse, genesys):
    genesys.control.add_fault("*", "hide_conversations", n=HIDDEN)
    run_day(daily_dag)
    truth = genesys.control.ground_truth(day_window(past_day()).interval)["count"]
    assert conversation_count(warehouse) == truth - HIDDEN
    [audit] = read_audit(warehouse.engine)
    assert audit["status"] == "incomplete"
    assert audit["reconciliation"]["status"] == "incomplete"
    assert audit["reconciliation"]["conversations_delta"] == HIDDEN
    [delivery] = genesys.control.webhooks()
    assert delivery["accepted"] and delivery["body"]["status"] == "incomplete"
    assert delivery["body"]["reconciliation"]["conversations_delta"] == HIDDEN


def test_lookback_days_reextracts_the_previous_days_in_the_same_run(daily_dag, warehouse, genesys):
    run_day(daily_dag, lookback_days=1)
    day = day_window(past_day())
    two_days = f"{day.start - timedelta(days=1):%Y-%m-%dT%H:%M:%S.000Z}/{day.end:%Y-%m-%dT%H:%M:%S.000Z}"
    truth = genesys.control.ground_truth(two_days)
    assert conversation_count(warehouse) == truth["count"] > genesys.control.ground_truth(day.interval)["count"]
    [audit] = read_audit(warehouse.engine)
    assert audit["partition"] == day.partition and audit["conversations_fetched"] == truth["count"]
    assert audit["reconciliation"]["status"] == "match"
