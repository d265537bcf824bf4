"""The daily DAG and divisions: a scoped client fails before any write naming what it cannot read;
a declared subset loads exactly that subset (and never erases); a client reading every division
erases what a complete re-extraction of a finished day no longer returns.

The oracle is the official Genesys SDK (``require_module``: skipped without it, a failure under CI),
so these runs have a module of their own: a missing SDK must not skip the rest of the daily DAG's tests."""

from __future__ import annotations

import json

from sqlalchemy import inspect, text

from genesys_pipeline.report.audit import read_audit
from tests.support.connections import set_genesys_cloud_connection
from tests.support.daily_dag_harness import data_snapshot, day_interval, past_day, run_day, task_states
from tests.support.emulator_api import require_module

PureCloud = require_module("PureCloudPlatformClientV2")  # the oracle: fails, never skips, under CI

SCOPED = ("scoped-client", "scoped-secret")


def full_sdk(emulator):
    return PureCloud.ApiClient(host=emulator.base_url).get_client_credentials_token(
        "emulator-client", "emulator-secret"
    )


def use_scoped_client(emulator, monkeypatch, division_ids: list[str]) -> None:
    emulator.control.add_client(*SCOPED, divisions=division_ids)
    set_genesys_cloud_connection(
        monkeypatch,
        emulator.base_url,
        login=SCOPED[0],
        password=SCOPED[1],
        extra={"backoff_base_seconds": 0.1, "backoff_max_seconds": 1},
    )


def ids_in_divisions(sdk, ids: list[str], divisions: set[str]) -> set[str]:
    """The oracle: the day's conversations (ground truth) whose own ``divisionIds`` meet ``divisions``,
    read by id with the official SDK as a client that sees every division."""
    analytics = PureCloud.AnalyticsApi(sdk)
    kept: set[str] = set()
    for start in range(0, len(ids), 100):
        listing = analytics.get_analytics_conversations_details(id=ids[start : start + 100])
        kept |= {c.conversation_id for c in listing.conversations or [] if set(c.division_ids or []) & divisions}
    return kept


def test_a_client_missing_divisions_fails_at_once_naming_them(daily_dag, warehouse, emulator, monkeypatch):
    every = PureCloud.AuthorizationApi(full_sdk(emulator)).get_authorization_divisions().entities
    readable, missing = every[1], [d for d in every if d.id != every[1].id]
    use_scoped_client(emulator, monkeypatch, [readable.id])

    dag_run = run_day(daily_dag, past_day())

    [authenticate] = [ti for ti in dag_run.get_task_instances() if ti.task_id == "authenticate"]
    assert str(authenticate.state) == "failed" and authenticate.try_number == 1
    assert task_states(dag_run)["extract"] != "success"
    assert "conversations" not in inspect(warehouse.engine).get_table_names(schema=warehouse.schema)
    [audit] = read_audit(warehouse.engine)
    assert (audit["status"], audit["task_id"]) == ("failed", "authenticate")
    for division in missing:
        assert f"{division.name} ({division.id})" in audit["error"]
    assert f"({readable.id})" not in audit["error"]


def test_declared_divisions_load_exactly_that_subset_and_never_erase(daily_dag, warehouse, emulator, monkeypatch):
    sdk = full_sdk(emulator)
    every = PureCloud.AuthorizationApi(sdk).get_authorization_divisions().entities
    subset = [every[1].id]
    use_scoped_client(emulator, monkeypatch, subset)
    monkeypatch.setenv("AIRFLOW_VAR_GENESYS_EXPECTED_DIVISIONS", json.dumps(subset))
    day = past_day()

    dag_run = run_day(daily_dag, day)

    assert str(dag_run.state) == "success", task_states(dag_run)
    truth = emulator.control.ground_truth(day_interval(day))["conversation_ids"]
    expected = ids_in_divisions(sdk, truth, set(subset))
    assert 0 < len(expected) < len(truth)
    assert {row[0] for row in data_snapshot(warehouse)["conversations"]} == expected
    [audit] = read_audit(warehouse.engine)
    assert audit["divisions_read"] == subset
    assert audit["conversations_deleted"] == 0


def test_a_complete_reextraction_erases_what_genesys_no_longer_returns(daily_dag, warehouse, emulator):
    day = past_day()
    assert str(run_day(daily_dag, day).state) == "success"
    columns = [c["name"] for c in inspect(warehouse.engine).get_columns("conversations", schema=warehouse.schema)]
    target = f'"{warehouse.schema}".conversations' if warehouse.schema else "conversations"
    names = ", ".join(f'"{name}"' for name in columns)
    copied = ", ".join("'ghost-conversation'" if name == "conversation_id" else f'"{name}"' for name in columns)
    with warehouse.engine.begin() as conn:  # a conversation of that day Genesys has since erased
        conn.execute(
            text(
                f"INSERT INTO {target} ({names}) SELECT {copied} FROM {target} "
                f"WHERE conversation_date = '{day:%Y-%m-%d}' LIMIT 1"
            )
        )

    dag_run = run_day(daily_dag, day, force_extract=True)

    assert str(dag_run.state) == "success", task_states(dag_run)
    truth = set(emulator.control.ground_truth(day_interval(day))["conversation_ids"])
    assert {row[0] for row in data_snapshot(warehouse)["conversations"]} == truth
    latest = read_audit(warehouse.engine)[-1]
    assert latest["conversations_deleted"] == 1 and len(latest["deleted_id_hashes"]) == 1
    assert "ghost-conversation" not in json.dumps(latest, default=str)
    assert latest["conversations_unchanged"] == len(truth)
    every = PureCloud.AuthorizationApi(full_sdk(emulator)).get_authorization_divisions().entities
    assert latest["divisions_read"] == sorted(d.id for d in every)
    assert latest["open_conversations"] is not None
