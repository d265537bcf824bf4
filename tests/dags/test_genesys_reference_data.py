"""The reference-data DAG against the emulator: lookup snapshots, atomic replace, names in the category views."""

from __future__ import annotations

import pytest

from tests.support.emulator_day import day_window, load_day, past_day
from tests.support.fixtures_airflow import parsed_dag
from tests.support.warehouse_rows import warehouse_rows


@pytest.fixture(scope="module")
def reference_dag(airflow_db):
    return parsed_dag("genesys_reference_data")


def test_dag_is_thin_daily_and_retried(reference_dag):
    assert {task.task_id for task in reference_dag.tasks} == {"sync_users", "sync_queues", "sync_wrapup_codes"}
    assert all(task.retries >= 2 and task.owner == "data-platform" for task in reference_dag.tasks)
    assert not reference_dag.catchup and "genesys" in reference_dag.tags


def test_snapshots_include_departed_agents_and_are_replaced_not_appended(reference_dag, genesys, warehouse_connection):
    for _ in range(2):
        run = reference_dag.test()
        assert str(run.state) == "success"
    users = dict(warehouse_rows(warehouse_connection, "SELECT state, COUNT(*) FROM {s}users GROUP BY state"))
    assert {"active", "inactive", "deleted"} <= set(users)
    for table in ("users", "queues", "wrapup_codes"):
        total, distinct, unnamed = warehouse_rows(
            warehouse_connection, f"SELECT COUNT(*), COUNT(DISTINCT id), COUNT(*) - COUNT(name) FROM {{s}}{table}"
        )[0]
        assert total == distinct > 0 and unnamed == 0, table


def test_category_views_show_agent_queue_and_wrapup_names(reference_dag, genesys, warehouse_connection, tmp_path):
    assert str(reference_dag.test().state) == "success"
    load_day(warehouse_connection, day_window(past_day(2)), tmp_path / "staging")
    wrapups = warehouse_rows(
        warehouse_connection,
        "SELECT COUNT(*), COUNT(user_name), COUNT(queue_name), COUNT(wrap_up_code_name), "
        "COUNT(user_id), COUNT(queue_id) FROM {s}v_wrapups",
    )[0]
    total, user_names, queue_names, code_names, user_ids, queue_ids = wrapups
    assert total > 0 and code_names == total
    assert user_names == user_ids and queue_names == queue_ids > 0
    routing_total, routing_named = warehouse_rows(
        warehouse_connection, "SELECT COUNT(*), COUNT(queue_name) FROM {s}v_routing"
    )[0]
    assert routing_total == routing_named > 0
