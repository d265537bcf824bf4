"""Backfills from the UI's dialog, under the real scheduler, on the embedded SQLite warehouse.

1. Two adjacent days backfilled backwards (the later day first) with max active runs 2: the runs
   overlap on one SQLite file, and both succeed on their first try with completeness 1.0 and no
   "database is locked" anywhere in the task logs.
2. The same days again with "All Runs" and ``force_extract`` in the run parameters: every day
   is extracted again from Genesys, not served from the staging cache.
3. A backfill given a window (``interval_start``/``interval_end``): every run fails in
   ``validate_window``, saying windows belong to single manual runs.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from genesys_pipeline.report.audit import read_audit
from genesys_pipeline.warehouse import Warehouse
from tests.operations.test_scheduler_backfill import (
    DAG_ID,
    RUN_TIMEOUT,
    AirflowCluster,
    cluster_config,
    emulator_process,
    today,
)

pytestmark = [pytest.mark.slow]

DAYS = 2


def audit_rows(warehouse_url: str) -> list[dict]:
    warehouse = Warehouse.from_url(warehouse_url)
    try:
        return read_audit(warehouse.engine)
    finally:
        warehouse.dispose()


def test_backfills_on_sqlite_overlap_cleanly_force_extract_reextracts_and_windows_are_refused(tmp_path):
    days = [today() - timedelta(days=offset) for offset in range(DAYS, 0, -1)]
    warehouse_url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    partitions = sorted(day.date().isoformat() for day in days)
    with (
        emulator_process(tmp_path) as emulator_url,
        AirflowCluster(cluster_config(tmp_path, emulator_url, warehouse_url), work_dir=tmp_path / "airflow") as cluster,
    ):
        api = cluster.api
        api.wait_for_dag(DAG_ID, timeout=120, health_check=cluster.assert_running)
        backfill = api.create_backfill(DAG_ID, days[0], days[-1], max_active_runs=2, run_backwards=True)
        api.unpause(DAG_ID)
        poll_backfill_done(api, backfill["id"], cluster)
        runs = api.wait_for_runs(DAG_ID, expected=DAYS, timeout=RUN_TIMEOUT, health_check=cluster.assert_running)
        assert {run["state"] for run in runs} == {"success"}
        audit = audit_rows(warehouse_url)
        # Every task that touches the warehouse succeeded on its first try (a failed or retried try writes a
        # row). ``extract`` may show a retry row without an error: when a details job finishes within seconds
        # of the deferral, this machine's LocalExecutor sometimes reports the deferring process's exit after
        # the trigger has re-queued the task, and the scheduler marks it up_for_retry (Airflow, not SQLite).
        retried = [(row["task_id"], row["error"]) for row in audit if row["status"] in ("retry", "failed")]
        assert [entry for entry in retried if entry != ("extract", None)] == []
        first_pass = [row for row in audit if row["task_id"] == "audit"]
        # The newest day ends at the watermark, so it may reconcile as incomplete (late data).
        assert {row["status"] for row in first_pass} <= {"success", "incomplete"}
        assert sorted(row["partition"] for row in first_pass) == partitions
        assert {row["completeness_rate"] for row in first_pass} == {1.0}
        task_logs = list((cluster.home / "logs").rglob("*.log"))
        assert task_logs and not [
            path for path in task_logs if "database is locked" in path.read_text(errors="replace")
        ]

        # "All Runs" with Force extract ticked (and "Override parameters on existing runs", which is what
        # makes the UI send the parameters): the existing runs are cleared and rerun with the new conf.
        backfill = api.create_backfill(
            DAG_ID,
            days[0],
            days[-1],
            max_active_runs=2,
            reprocess_behavior="completed",
            dag_run_conf={"force_extract": True},
        )
        poll_backfill_done(api, backfill["id"], cluster)
        runs = api.wait_for_runs(DAG_ID, expected=DAYS, timeout=RUN_TIMEOUT, health_check=cluster.assert_running)
        assert {run["state"] for run in runs} == {"success"}
        forced = [row for row in audit_rows(warehouse_url)[len(audit) :] if row["task_id"] == "audit"]
        assert sorted(row["partition"] for row in forced) == partitions
        assert [row["cache_hit"] for row in forced] == [False] * DAYS
        assert all(row["api_requests"] > 0 for row in forced)
        seen = len(audit_rows(warehouse_url))

        window = {"interval_start": days[0].isoformat(), "interval_end": days[-1].isoformat()}
        backfill = api.create_backfill(
            DAG_ID, days[0], days[-1], max_active_runs=2, reprocess_behavior="completed", dag_run_conf=window
        )
        poll_backfill_done(api, backfill["id"], cluster)
        runs = api.wait_for_runs(DAG_ID, expected=DAYS, timeout=RUN_TIMEOUT, health_check=cluster.assert_running)
        assert {run["state"] for run in runs} == {"failed"}
        failed = [
            (ti["logical_date"][:10], ti["task_id"]) for ti in api.task_instances(DAG_ID) if ti["state"] == "failed"
        ]
        # each run: the refused task, and the verdict that reported it (outcome writes no second row)
        assert sorted(task for _, task in failed) == ["outcome"] * DAYS + ["validate_window"] * DAYS
        refused = audit_rows(warehouse_url)[seen:]
        assert [row["status"] for row in refused] == ["failed"] * DAYS
        assert all("belong to single manual runs" in row["error"] for row in refused)


def poll_backfill_done(api, backfill_id: int, cluster: AirflowCluster) -> None:
    """Wait until the backfill has completed (its runs were cleared and reran), bounded by RUN_TIMEOUT."""
    deadline = time.monotonic() + RUN_TIMEOUT
    while time.monotonic() < deadline:
        cluster.assert_running()
        if api.get_backfill(backfill_id).get("completed_at"):
            return
        time.sleep(2)
    raise AssertionError(f"backfill {backfill_id} did not complete within {RUN_TIMEOUT:.0f} s")
