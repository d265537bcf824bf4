"""The harness runs real Airflow components end to end: backfill, deferral, worker spread, rerun.

Uses a throwaway DAG (probe_dags/harness_probe.py) so the harness is proven independently of
the pipeline DAG. Start-up plus backfill wall time is printed (``-s`` shows it), never asserted.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest

from genesys_cluster.cluster import AirflowCluster
from genesys_cluster.config import ClusterConfig
from genesys_cluster.local_servers import PG_HOST, PG_PORT, PG_USER

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

PROBE_DAG = Path(__file__).with_name("probe_dags") / "harness_probe.py"
DAG_ID = "harness_probe"
FIRST_DAY = datetime(2024, 1, 1, tzinfo=UTC)
LAST_DAY = datetime(2024, 1, 3, tzinfo=UTC)
FAILING_DAY = datetime(2024, 1, 2, tzinfo=UTC)
RUN_TIMEOUT = 600.0


def probe_config(tmp_path: Path, **overrides) -> ClusterConfig:
    dags = tmp_path / "dags"
    dags.mkdir()
    shutil.copy(PROBE_DAG, dags)
    env = {"HARNESS_PROBE_RELEASE_FILE": str(tmp_path / "release"), **overrides.pop("env_overrides", {})}
    return ClusterConfig(dags_folder=dags, env_overrides=env, **overrides)


def backfill_probe(cluster: AirflowCluster) -> list[dict]:
    """Backfill the three probe days exactly as the UI does and wait for every run to finish."""
    cluster.api.wait_for_dag(DAG_ID, timeout=120, health_check=cluster.assert_running)
    cluster.api.unpause(DAG_ID)
    cluster.api.create_backfill(DAG_ID, FIRST_DAY, LAST_DAY, max_active_runs=3, reprocess_behavior="none")
    return cluster.api.wait_for_runs(DAG_ID, expected=3, timeout=RUN_TIMEOUT, health_check=cluster.assert_running)


def backfill_task_instances(cluster: AirflowCluster, runs: list[dict]) -> list[dict]:
    """Task instances of the backfill's runs only (unpausing also schedules the latest day)."""
    run_ids = {run["dag_run_id"] for run in runs}
    return [ti for ti in cluster.api.task_instances(DAG_ID) if ti["dag_run_id"] in run_ids]


def database_exists(name: str) -> bool:
    with psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres") as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None


def assert_triggerer_ran_the_deferrals(cluster: AirflowCluster, runs: list[dict]) -> None:
    expected = {(run["dag_run_id"], "wait_on_triggerer") for run in runs}
    assert expected <= cluster.tasks_run_by_triggerer(DAG_ID)


def assert_stopped_everything(cluster: AirflowCluster, database: str) -> None:
    assert not [name for name, p in cluster.processes.items() if p.is_running()]
    assert not database_exists(database), f"metadata database {database} was not dropped"


@pytest.fixture()
def bystander():
    """A process the harness did not start: stopping the cluster must leave it alone."""
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(900)"])
    yield process
    process.kill()
    process.wait()


@pytest.mark.redis
def test_celery_backfill_spreads_over_two_workers_reruns_a_failed_partition_and_stops_cleanly(
    redis_server, postgres_server_url, tmp_path, bystander
):
    """One cluster for every harness duty (two runs of their own took 158 s of the suite): the
    context manager directly, so it can also check what stopping leaves behind. The pipeline's
    own LocalExecutor backfill and rerun are tests/operations/test_scheduler_backfill.py."""
    config = probe_config(
        tmp_path,
        executor="CeleryExecutor",
        celery_workers=2,
        celery_worker_concurrency=1,
        env_overrides={
            "HARNESS_PROBE_FAIL_DATE": FAILING_DAY.date().isoformat(),
            "HARNESS_PROBE_RENDEZVOUS_DIR": str(tmp_path / "rendezvous"),
        },
    )
    started = time.monotonic()
    with AirflowCluster(config) as cluster:
        healthy = time.monotonic()
        database = cluster.env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].rsplit("/", 1)[1]
        runs = backfill_probe(cluster)
        finished = time.monotonic()

        states = {run["logical_date"][:10]: run["state"] for run in runs}
        assert states == {"2024-01-01": "success", "2024-01-02": "failed", "2024-01-03": "success"}
        task_instances = backfill_task_instances(cluster, runs)
        assert len(task_instances) == 6
        assert [ti["task_id"] for ti in task_instances if ti["state"] == "failed"] == ["record_partition"]
        assert {ti["hostname"] for ti in task_instances} == {"worker1", "worker2"}
        assert_triggerer_ran_the_deferrals(cluster, runs)

        (tmp_path / "release").touch()
        cluster.clear_failed_tasks(DAG_ID, FAILING_DAY, FAILING_DAY)
        rerun = cluster.api.wait_for_runs(DAG_ID, expected=3, timeout=RUN_TIMEOUT, health_check=cluster.assert_running)
        assert {run["state"] for run in rerun} == {"success"}
        tries = {
            ti["logical_date"][:10]: ti["try_number"]
            for ti in backfill_task_instances(cluster, rerun)
            if ti["task_id"] == "record_partition"
        }
        assert tries == {"2024-01-01": 1, "2024-01-02": 2, "2024-01-03": 1}
        stopping = time.monotonic()
    assert_stopped_everything(cluster, database)
    assert bystander.poll() is None, "stopping the cluster killed a process it did not start"
    print(
        f"\nCeleryExecutor x2: start {healthy - started:.1f}s, 3-day backfill, one failing {finished - healthy:.1f}s, "
        f"stop {time.monotonic() - stopping:.1f}s"
    )
