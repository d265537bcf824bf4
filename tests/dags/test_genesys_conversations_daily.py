"""The daily DAG end to end with ``dag.test()`` against the emulator over HTTP, on SQLite and PostgreSQL:
a clean day, idempotent reruns, failures and retries, overlapping days, asset events, reconciliation and
lookback. (Divisions, judged by the official SDK: test_genesys_conversations_daily_sdk.py.)"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import column, inspect, select, table

from genesys_pipeline.report import aggregates
from genesys_pipeline.report.audit import read_audit
from genesys_pipeline.report.webhook import EVENT_SYNCED
from genesys_pipeline.tables import CONVERSATION_TABLES
from genesys_pipeline.warehouse import Warehouse
from tests.support.daily_dag_harness import (
    data_snapshot,
    day_interval,
    details_job_calls,
    free_port_url,
    past_day,
    run_day,
    task_states,
)
from tests.support.emulator_day import day_window

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

    def broken_load(self, *args, **options):
        raise RuntimeError("injected load failure")

    with monkeypatch.context() as patch:
        patch.setattr(Warehouse, "load_batches", broken_load)
        failed = run_day(daily_dag, day)
    assert str(failed.state) == "failed"
    states = task_states(failed)
    assert (states["load"], states["extract"], states["reconcile"]) == ("failed", "success", "upstream_failed")
    # outcome reported the failure and failed the run; audit and notify have no completion to report and
    # wait in a state that Clear with "Only failed" (the README's rerun) selects, so that rerun writes the
    # settled row and sends partition_synced (a green audit would be left as it is)
    assert (states["audit"], states["notify"], states["outcome"]) == ("upstream_failed", "upstream_failed", "failed")
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
    events = [delivery["body"] for delivery in emulator.control.webhooks() if delivery["accepted"]]
    assert [event["type"] for event in events] == ["genesys.conversations.partition_failed", EVENT_SYNCED]
    # sent once, by outcome, from the callback's row: the same error and try
    assert (events[0]["task_id"], events[0]["error"]) == ("load", failed_row["error"])
    assert events[0]["try_number"] == failed_row["try_number"]


def test_pii_config_variable_hashes_columns(daily_dag, warehouse, emulator, monkeypatch):
    monkeypatch.setenv("AIRFLOW_VAR_GENESYS_PII_CONFIG", '{"hash": ["ani"]}')
    monkeypatch.setenv("AIRFLOW_VAR_GENESYS_PII_SECRET", "pepper")

    dag_run = run_day(daily_dag, past_day())

    assert str(dag_run.state) == "success", task_states(dag_run)
    sessions = table("sessions", column("ani"), schema=warehouse.schema)
    with warehouse.engine.connect() as conn:
        values = list(conn.execute(select(sessions.c.ani).where(sessions.c.ani.is_not(None))).scalars())
    assert values and all(len(value) == 64 and int(value, 16) >= 0 for value in values)
    plan = [ti for ti in dag_run.get_task_instances() if ti.task_id == "validate_window"][0].xcom_pull(
        task_ids="validate_window"
    )
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

    def flaky_load(self, *args, **options):
        calls.append(args)
        if len(calls) == 1:
            raise ConnectionError("warehouse briefly unavailable")
        return real_load(self, *args, **options)

    monkeypatch.setattr(Warehouse, "load_batches", flaky_load)

    dag_run = run_day(daily_dag, past_day())

    assert str(dag_run.state) == "success", task_states(dag_run)
    retry_row, success_row = read_audit(warehouse.engine)
    assert (retry_row["status"], retry_row["task_id"], retry_row["try_number"]) == ("retry", "load", 1)
    assert "briefly unavailable" in retry_row["error"]
    assert retry_row["partition"] == success_row["partition"] and retry_row["conversations_fetched"] > 0
    assert success_row["status"] == "success" and success_row["conversations_loaded"] > 0
    assert [d["body"]["type"] for d in emulator.control.webhooks()] == [EVENT_SYNCED]  # no failure event for a retry


# --- when things go wrong: webhook outage or absence, rejected credentials, a bad window ----------


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
        json.dumps(
            {"conn_type": "http", "host": emulator.base_url, "login": "emulator-client", "password": "wrong-secret"}
        ),
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
    emulator.control.reset(
        clients=[{"client_id": "no-analytics", "client_secret": "s3cret", "roles": ["routing:queue:view"]}]
    )
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
def test_unusable_warehouse_connection_fails_before_extracting(
    daily_dag, emulator, monkeypatch, pipeline_env, connection, message
):
    monkeypatch.setenv("AIRFLOW_CONN_GENESYS_WAREHOUSE", json.dumps(connection))

    dag_run = run_day(daily_dag, past_day())

    [validate] = [ti for ti in dag_run.get_task_instances() if ti.task_id == "validate_window"]
    assert str(validate.state) == "failed" and validate.try_number == 1
    assert task_states(dag_run)["extract"] != "success"
    assert details_job_calls(emulator.control.stats()) == 0


# --- adjacent days on the SQLite default, the later day loaded over an earlier extraction -------
# The earlier day's conversations that run past midnight are also in the later day's extraction.
# When the later day's (fresher) copy is already loaded, the earlier day's load keeps it ("skipped
# as older"); those conversations are in the warehouse, so they count as loaded: complete, not 0.97.


def test_an_earlier_day_loaded_after_the_later_one_is_complete_on_the_first_try(
    daily_dag, pipeline_env, sqlite_url, emulator
):
    pipeline_env(sqlite_url)
    later = past_day(2)
    earlier = later - timedelta(days=1)
    # The earlier day is extracted first (its cached extraction is the older one), then the later day
    # loads, then the earlier day's run loads its extraction over it: the order overlapping runs produce.
    runs = [run_day(daily_dag, earlier), run_day(daily_dag, later), run_day(daily_dag, earlier)]

    assert [str(dag_run.state) for dag_run in runs] == ["success"] * 3, [task_states(run) for run in runs]
    warehouse = Warehouse.from_url(sqlite_url)
    try:
        audit = read_audit(warehouse.engine)
    finally:
        warehouse.dispose()
    reloaded = audit[-1]
    assert reloaded["cache_hit"] is True and reloaded["partition"] == f"{earlier:%Y-%m-%d}"
    assert reloaded["conversations_skipped_older"] > 0, "the days share conversations spanning midnight"
    assert (
        reloaded["conversations_loaded"] + reloaded["conversations_skipped_older"] == reloaded["conversations_fetched"]
    )
    assert [row["status"] for row in audit] == ["success"] * 3  # every failed or retried try would have a row
    assert [row["completeness_rate"] for row in audit] == [1.0] * 3


# --- what a run reports about its data: the synced day on each table's asset event --------------


def test_each_table_asset_event_names_the_synced_day(daily_dag, pipeline_env, sqlite_url, emulator):
    from airflow.models.asset import AssetEvent
    from airflow.utils.session import create_session

    pipeline_env(sqlite_url)
    day = past_day()
    dag_run = run_day(daily_dag, day)

    assert str(dag_run.state) == "success", task_states(dag_run)
    with create_session() as session:
        events = session.query(AssetEvent).filter(AssetEvent.source_run_id == dag_run.run_id).all()
        extras = {event.asset.uri: dict(event.extra) for event in events if event.source_task_id == "load"}
    assert set(extras) == {f"genesys://warehouse/{spec.name}" for spec in CONVERSATION_TABLES}
    assert {extra["partition"] for extra in extras.values()} == {f"{day:%Y-%m-%d}"}
    assert all(extra["conversations_loaded"] > 0 for extra in extras.values())


# --- aggregates, reconcile and lookback --------------------------------------------------------
# ``genesys`` after ``warehouse`` in the tests' arguments: the Genesys connection in force is the
# ``genesys`` fixture's (tests/support/fixtures_airflow.py), set after ``pipeline_env``'s.

HIDDEN = 3


def run_past_day(dag, **conf):
    """Run the DAG for ``past_day()`` and require it to succeed."""
    dag_run = run_day(dag, past_day(), **conf)
    states = {ti.task_id: str(ti.state) for ti in dag_run.get_task_instances()}
    assert str(dag_run.state) == "success", states
    return dag_run


def conversation_count(warehouse: Warehouse) -> int:
    return warehouse.table_counts()["conversations"]


def test_a_clean_day_reconciles_and_says_so_in_audit_and_webhook(daily_dag, warehouse, genesys):
    run_past_day(daily_dag)
    [audit] = read_audit(warehouse.engine)
    assert audit["status"] == "success"
    assert audit["reconciliation"]["status"] == "match" and audit["reconciliation"]["mismatches"] == []
    assert aggregates.read_partition(warehouse.engine, audit["partition"])
    # every half-hour queue cell compared, none differing; the aggregates task's 3 requests on record
    cells = audit["reconciliation"]["cells"]
    assert cells["cells_compared"] > 1000 and cells["cells_differing"] == 0
    assert audit["reconciliation"]["aggregates_requests"] == 3
    [delivery] = genesys.control.webhooks()
    assert delivery["body"]["type"] == EVENT_SYNCED and delivery["body"]["reconciliation"]["status"] == "match"


def test_hidden_conversations_mark_the_partition_incomplete_without_deleting_data(daily_dag, warehouse, genesys):
    genesys.control.add_fault("*", "hide_conversations", n=HIDDEN)
    run_past_day(daily_dag)
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
    run_past_day(daily_dag, lookback_days=1)
    day = day_window(past_day())
    two_days = f"{day.start - timedelta(days=1):%Y-%m-%dT%H:%M:%S.000Z}/{day.end:%Y-%m-%dT%H:%M:%S.000Z}"
    truth = genesys.control.ground_truth(two_days)
    assert conversation_count(warehouse) == truth["count"] > genesys.control.ground_truth(day.interval)["count"]
    [audit] = read_audit(warehouse.engine)
    assert audit["partition"] == day.partition and audit["conversations_fetched"] == truth["count"]
    assert audit["reconciliation"]["status"] == "match"
