"""The daily DAG under Airflow's real scheduler: a UI-style backfill, a failed partition, its rerun.

Real components (api-server, scheduler, dag-processor, triggerer; LocalExecutor; PostgreSQL
metadata DB) from the system-test harness, the emulator as a subprocess on a free port, and a
fresh PostgreSQL warehouse. The fault is real and warehouse-side: a trigger that makes the
warehouse refuse one partition's rows, as a constraint or a full disk would; the product code
knows nothing about it. Retry delays are capped to seconds through Airflow's global
``max_task_retry_delay`` so the failing load exhausts its retries quickly. Wall time is
printed (``-s``), never asserted.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from genesys_cluster.cluster import AirflowCluster
from genesys_cluster.config import ClusterConfig
from genesys_cluster.pipeline import emulator_process as pipeline_emulator
from genesys_emulator.testing import EmulatorControl
from genesys_pipeline.report.audit import read_audit
from genesys_pipeline.warehouse import Warehouse
from tests.support.connections import EMULATOR_CLIENT, GENESYS_CLOUD_CONNECTION, genesys_connection_json
from tests.support.paths import DAGS_FOLDER

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

DAG_FILE = DAGS_FOLDER / "genesys_conversations_daily.py"
DAG_ID = "genesys_conversations_daily"
DAYS = 5
RUN_TIMEOUT = 600.0


def today() -> datetime:
    return datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def backfill_days() -> list[datetime]:
    """The five UTC days up to yesterday: the newest is the latest complete interval, so the
    scheduler's own catch-up-less run for it coincides with the backfill's and is not added."""
    return [today() - timedelta(days=offset) for offset in range(DAYS, 0, -1)]


@contextmanager
def emulator_process(log_dir: Path) -> Iterator[str]:
    """The emulator CLI on a free port. Jobs finish after two status polls, so extracts defer. The
    watermark is pinned at today's midnight: every backfilled day is available, and extraction
    and ground truth see the same conversations even if the test runs just after midnight."""
    with pipeline_emulator(log_dir, watermark=f"{today():%Y-%m-%dT%H:%M:%SZ}") as base_url:
        yield base_url


def cluster_config(tmp_path: Path, emulator_url: str, warehouse_url: str) -> ClusterConfig:
    dags = tmp_path / "dags"
    dags.mkdir()
    shutil.copy(DAG_FILE, dags)
    client_id, secret = EMULATOR_CLIENT
    env = {
        GENESYS_CLOUD_CONNECTION: genesys_connection_json(
            emulator_url,
            login=client_id,
            password=secret,
            extra={"backoff_base_seconds": 0.2, "backoff_max_seconds": 2},
        ),
        "AIRFLOW_CONN_GENESYS_WAREHOUSE": json.dumps(
            {"conn_type": "generic", "extra": {"sqlalchemy_url": warehouse_url}}
        ),
        "AIRFLOW_VAR_GENESYS_STAGING_ROOT": str(tmp_path / "staging"),
        "AIRFLOW_VAR_GENESYS_POLL_INTERVAL_SECONDS": "1",
        "AIRFLOW_VAR_GENESYS_LOOKBACK_DAYS": "0",  # the backfilled days alone, as the assertions expect
        "AIRFLOW__CORE__MAX_TASK_RETRY_DELAY": "2",
    }
    return ClusterConfig(dags_folder=dags, env_overrides=env, pools={"genesys_api": 4})


def _pg_connect(warehouse_url: str) -> psycopg.Connection:
    return psycopg.connect(warehouse_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)


@contextmanager
def warehouse_refusing(warehouse_url: str, run_id: str) -> Iterator[None]:
    """Until the block exits, inserting a ``conversations`` row loaded by run ``run_id`` raises."""
    with _pg_connect(warehouse_url) as conn:
        conn.execute(
            "CREATE FUNCTION genesys.refuse_row() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'warehouse refuses run %', NEW._run_id; END $$"
        )
        conn.execute(
            sql.SQL(
                "CREATE TRIGGER refuse_partition BEFORE INSERT ON genesys.conversations FOR EACH ROW "
                "WHEN (NEW._run_id = {run_id}) EXECUTE FUNCTION genesys.refuse_row()"
            ).format(run_id=sql.Literal(run_id))
        )
    try:
        yield
    finally:
        with _pg_connect(warehouse_url) as conn:
            conn.execute("DROP TRIGGER IF EXISTS refuse_partition ON genesys.conversations")
            conn.execute("DROP FUNCTION IF EXISTS genesys.refuse_row()")


def ground_truth_ids(emulator_url: str, days: list[datetime]) -> set[str]:
    control = EmulatorControl(emulator_url)
    ids: set[str] = set()
    for day in days:
        interval = f"{day:%Y-%m-%dT%H:%M:%S.000Z}/{day + timedelta(days=1):%Y-%m-%dT%H:%M:%S.000Z}"
        ids.update(control.ground_truth(interval)["conversation_ids"])
    return ids


def warehouse_conversations(warehouse_url: str) -> tuple[list[str], int]:
    with _pg_connect(warehouse_url) as conn:
        ids = [row[0] for row in conn.execute("SELECT conversation_id FROM genesys.conversations")]
        duplicate_sessions = conn.execute(
            "SELECT COUNT(*) - COUNT(DISTINCT session_id) FROM genesys.sessions"
        ).fetchone()[0]
    return ids, duplicate_sessions


def test_backfill_failed_partition_and_rerun_through_the_scheduler(postgres_url, tmp_path):
    days = backfill_days()
    failing_day = days[2].date().isoformat()
    started = time.monotonic()
    with emulator_process(tmp_path) as emulator_url:
        warehouse = Warehouse.from_url(postgres_url)
        warehouse.ensure_schema()  # so the fault can be armed before the first load
        warehouse.dispose()
        with AirflowCluster(cluster_config(tmp_path, emulator_url, postgres_url)) as cluster:
            healthy = time.monotonic()
            api = cluster.api
            api.wait_for_dag(DAG_ID, timeout=120, health_check=cluster.assert_running)
            api.create_backfill(DAG_ID, days[0], days[-1], max_active_runs=2)  # runs queued; the DAG is still paused
            failing_run = next(
                run["dag_run_id"] for run in api.dag_runs(DAG_ID, "backfill") if run["logical_date"][:10] == failing_day
            )
            with warehouse_refusing(postgres_url, failing_run):
                api.unpause(DAG_ID)
                runs = api.wait_for_runs(
                    DAG_ID, expected=DAYS, timeout=RUN_TIMEOUT, run_type=None, health_check=cluster.assert_running
                )
            backfilled = time.monotonic()

            assert len(runs) == DAYS and {run["run_type"] for run in runs} == {"backfill"}
            states = {run["logical_date"][:10]: run["state"] for run in runs}
            assert states == {
                day.date().isoformat(): "failed" if day.date().isoformat() == failing_day else "success" for day in days
            }
            grid = {(ti["logical_date"][:10], ti["task_id"]): ti["state"] for ti in api.task_instances(DAG_ID)}
            # the failed task and the verdict that reported it; audit and notify wait for the rerun
            assert sorted(key for key, state in grid.items() if state == "failed") == [
                (failing_day, "load"),
                (failing_day, "outcome"),
            ]
            assert grid[failing_day, "audit"] == grid[failing_day, "notify"] == "upstream_failed"
            assert {state for (day, task), state in grid.items() if task == "outcome" and day != failing_day} == {
                "skipped"
            }

            cluster.clear_failed_tasks(DAG_ID, days[2], days[2])
            rerun = api.wait_for_runs(
                DAG_ID, expected=DAYS, timeout=RUN_TIMEOUT, run_type=None, health_check=cluster.assert_running
            )
            rerun_done = time.monotonic()
            assert {run["state"] for run in rerun} == {"success"}
            load_tries = {
                ti["logical_date"][:10]: ti["try_number"]
                for ti in api.task_instances(DAG_ID)
                if ti["task_id"] == "load"
            }
            assert load_tries[failing_day] > 1 and {n for d, n in load_tries.items() if d != failing_day} == {1}
            deferred = cluster.tasks_run_by_triggerer(DAG_ID)
            assert {(run["dag_run_id"], "extract") for run in runs} <= deferred

        ids, duplicate_sessions = warehouse_conversations(postgres_url)
        assert len(ids) == len(set(ids)) and duplicate_sessions == 0
        assert set(ids) == ground_truth_ids(emulator_url, days)

    warehouse = Warehouse.from_url(postgres_url)
    try:
        audit = read_audit(warehouse.engine)
    finally:
        warehouse.dispose()
    final = {row["partition"]: row for row in audit if row["status"] != "retry"}
    assert sorted(final) == [day.date().isoformat() for day in days]
    *settled, newest = (final[day.date().isoformat()] for day in days)
    assert all(row["status"] == "success" and row["reconciliation"]["status"] == "match" for row in settled)
    # The newest day ends at the watermark: conversations still running then are in the (near real
    # time) aggregates but not yet in the details, the late data that ``incomplete`` reports.
    assert newest["status"] in ("success", "incomplete")
    assert all(mismatch["delta"] > 0 for mismatch in newest["reconciliation"]["mismatches"])
    assert [row["status"] for row in audit if row["partition"] == failing_day and row["task_id"] == "load"][
        -1
    ] == "failed"
    print(
        f"\nscheduler test: start {healthy - started:.1f}s, {DAYS}-day backfill with a failing partition "
        f"{backfilled - healthy:.1f}s, rerun {rerun_done - backfilled:.1f}s, total {time.monotonic() - started:.1f}s; "
        f"newest day {newest['status']} (conversations delta {newest['reconciliation']['conversations_delta']})"
    )
