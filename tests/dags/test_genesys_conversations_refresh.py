"""The refresh DAG for real (``dag.test()`` against the emulator): one mapped job per day, never past
the watermark, erasure reaching the warehouse, bad day ranges refused before any call."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from airflow.sdk.exceptions import AirflowFailException
from sqlalchemy import text

from genesys_pipeline.warehouse import Warehouse
from genesys_pipeline.warehouse.engine import qualified_name
from tests.support.daily_dag_harness import DAGS_FOLDER, params_restored, past_day

REFRESH_DAG_ID = "genesys_conversations_refresh"


@pytest.fixture(scope="module")
def refresh_dag(airflow_db):
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS_FOLDER))
    assert not bag.import_errors, bag.import_errors
    return bag.dags[REFRESH_DAG_ID]


def _run(dag, logical_date: datetime, **conf):
    with params_restored(dag):
        return dag.test(logical_date=logical_date, run_conf=conf or None)


def _mapped(run, task_id: str) -> dict[int, str]:
    return {ti.map_index: str(ti.state) for ti in run.get_task_instances() if ti.task_id == task_id}


def _ids_by_day(warehouse) -> dict[str, set[str]]:
    per_day: dict[str, set[str]] = {}
    with warehouse.engine.connect() as conn:
        for cid, day in conn.execute(
            text(f"SELECT conversation_id, conversation_date FROM {qualified_name(warehouse.engine, 'conversations')}")
        ):
            per_day.setdefault(str(day)[:10], set()).add(cid)
    return per_day


def _truth_by_day(emulator, days: list[datetime]) -> dict[str, set[str]]:
    return {
        f"{day:%Y-%m-%d}": set(
            emulator.control.ground_truth(
                f"{day:%Y-%m-%dT%H:%M:%S.000Z}/{day + timedelta(days=1):%Y-%m-%dT%H:%M:%S.000Z}", semantics="start"
            )["conversation_ids"]
        )
        for day in days
    }


def test_a_day_range_is_refreshed_day_by_day_and_erasures_reach_the_warehouse(refresh_dag, warehouse, emulator):
    days = [past_day(4), past_day(3)]
    conf = {"first_day": f"{days[0]:%Y-%m-%d}", "last_day": f"{days[1]:%Y-%m-%d}"}
    first = _run(refresh_dag, past_day(0), **conf)
    assert str(first.state) == "success"
    assert _mapped(first, "extract") == {0: "success", 1: "success"}

    emulator.control.advance_clock(12 * 86_400)  # erasures (1-10 days after the end), late evaluations...
    second = _run(refresh_dag, past_day(0), **conf)
    assert str(second.state) == "success"

    truth = _truth_by_day(emulator, days)
    stored = _ids_by_day(warehouse)
    for day, ids in truth.items():
        assert ids and stored.get(day) == ids, day
    with warehouse.engine.connect() as conn:
        rows = conn.execute(
            text(
                f'SELECT "partition", conversations_deleted FROM {qualified_name(warehouse.engine, "sync_audit")} '
                "WHERE run_id = :run AND status = 'success'"
            ),
            {"run": second.run_id},
        ).all()
    assert sorted(partition for partition, _ in rows) == sorted(truth)
    assert sum(deleted or 0 for _, deleted in rows) > 0  # 0.2 % of 4,000 conversations were erased meanwhile


def test_days_past_the_watermark_are_left_to_the_daily_run(refresh_dag, warehouse, emulator, monkeypatch):
    today = past_day(0)
    emulator.control.set_clock(
        (today + timedelta(minutes=30)).isoformat().replace("+00:00", "Z")
    )  # watermark: yesterday 23:30
    monkeypatch.setenv("AIRFLOW_VAR_GENESYS_REFRESH_DAYS", "2")
    run = _run(refresh_dag, today)
    assert str(run.state) == "success"
    plans = run.get_task_instance("plan_days").xcom_pull(task_ids="plan_days")
    assert [plan["partition"] for plan in plans] == [f"{today - timedelta(days=2):%Y-%m-%d}"]
    assert _mapped(run, "extract") == {0: "success"}


def test_a_reversed_day_range_fails_before_any_job(refresh_dag, warehouse, emulator):
    run = _run(refresh_dag, past_day(0), first_day=f"{past_day(2):%Y-%m-%d}", last_day=f"{past_day(3):%Y-%m-%d}")
    states = {ti.task_id: str(ti.state) for ti in run.get_task_instances()}
    assert states["plan_days"] == "failed"
    assert states["extract"] != "success"
    stats = emulator.control.stats()
    assert "post_analytics_conversations_details_jobs" not in stats


def test_a_failed_day_is_audited_under_its_own_partition(refresh_dag, warehouse, emulator, monkeypatch):
    """A mapped load's failure callback reads its day's plan and extraction from its own rendered
    audit_inputs: the row names that day, not the run's (empty) data interval."""
    days = [past_day(4), past_day(3)]

    def broken_load(self, *args, **options):
        raise AirflowFailException("injected load failure")  # fails the try without a retry

    monkeypatch.setattr(Warehouse, "load_batches", broken_load)
    run = _run(refresh_dag, past_day(0), first_day=f"{days[0]:%Y-%m-%d}", last_day=f"{days[1]:%Y-%m-%d}")

    assert _mapped(run, "load") == {0: "failed", 1: "failed"}
    with warehouse.engine.connect() as conn:
        rows = conn.execute(
            text(
                f'SELECT "partition", interval_start, query_hash, conversations_fetched, error '
                f"FROM {qualified_name(warehouse.engine, 'sync_audit')} WHERE run_id = :run AND status = 'failed' "
                "AND task_id = 'load'"
            ),
            {"run": run.run_id},
        ).all()
    assert sorted(row.partition for row in rows) == [f"{day:%Y-%m-%d}" for day in days]
    assert all(row.interval_start and row.query_hash and row.conversations_fetched > 0 for row in rows)
    assert all("injected load failure" in row.error for row in rows)
