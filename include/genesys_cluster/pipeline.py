"""The real daily DAG on a local Airflow cluster: emulator, fresh warehouse, shared staging, backfill.

Shared by the system tests, ``measure_backfill.py`` and the operations scheduler test, so each
only states what it varies (executor, worker count, faults) and what it checks. The emulator
runs as its own process on a free port and every Airflow component reaches it by URL, as a
real deployment reaches Genesys; its jobs finish after two status polls, so ``extract`` defers
to the triggerer. Connections and settings go in as ``AIRFLOW_CONN_*`` / ``AIRFLOW_VAR_*``,
the way docker-compose.yaml's ``.env`` sets them.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests

from genesys_cluster.cluster import AirflowCluster
from genesys_cluster.config import PROJECT_ROOT, ClusterConfig, free_ports
from genesys_cluster.local_servers import postgres_sqlalchemy_url, temporary_postgres_database
from genesys_cluster.polling import poll_until
from genesys_cluster.processes import ManagedProcess
from genesys_emulator.config import DEFAULT_CLIENT, EmulatorConfig
from genesys_pipeline.staging.area import DATASET, MANIFEST_NAME, Manifest
from genesys_pipeline.warehouse import Warehouse
from genesys_pipeline.warehouse.engine import schema_for

DAILY_DAG_ID = "genesys_conversations_daily"
DAILY_DAG_FILE = PROJECT_ROOT / "dags" / f"{DAILY_DAG_ID}.py"
GENESYS_POOL = "genesys_api"


# This emulator's jobs finish after two status polls, not after seconds: a cold start's first
# timed poll at the product default (10 s) would only add 10 s to every extract
# (bench_backfill.py takes it out, to measure the default).
EMULATOR_FIRST_POLL_SECONDS = 0.5


@dataclass(frozen=True)
class PipelineTarget:
    """Where the DAG under test reads from and writes to: all of it private to one test."""

    emulator_url: str
    warehouse_url: str  # SQLAlchemy URL (psycopg 3) of a fresh PostgreSQL database
    staging_root: Path

    def airflow_env(self) -> dict[str, str]:
        """Connections ``genesys_cloud_default`` / ``genesys_warehouse`` / ``genesys_sync_webhook``
        and the ``genesys_*`` Variables every component must see identically."""
        genesys = {
            "conn_type": "http",
            "host": self.emulator_url,
            "login": DEFAULT_CLIENT.client_id,
            "password": DEFAULT_CLIENT.client_secret,
            "extra": {
                "backoff_base_seconds": 0.2,
                "backoff_max_seconds": 2,
                "job_first_poll_seconds": EMULATOR_FIRST_POLL_SECONDS,
            },
        }
        webhook = {
            "conn_type": "http",
            "host": f"{self.emulator_url}/_emulator/webhooks",
            "password": EmulatorConfig().webhook_secret,
        }
        warehouse = {"conn_type": "generic", "extra": {"sqlalchemy_url": self.warehouse_url}}
        return {
            "AIRFLOW_CONN_GENESYS_CLOUD_DEFAULT": json.dumps(genesys),
            "AIRFLOW_CONN_GENESYS_SYNC_WEBHOOK": json.dumps(webhook),
            "AIRFLOW_CONN_GENESYS_WAREHOUSE": json.dumps(warehouse),
            "AIRFLOW_VAR_GENESYS_STAGING_ROOT": str(self.staging_root),
            "AIRFLOW_VAR_GENESYS_POLL_INTERVAL_SECONDS": "1",
            "AIRFLOW_VAR_GENESYS_LOOKBACK_DAYS": "0",  # each partition's staged count is judged alone
        }


@contextmanager
def emulator_process(log_dir: Path, *extra_args: str, watermark: str | None = None) -> Iterator[str]:
    """``python -m genesys_emulator`` on a free port (seed 42); yields its base URL, stops it after.

    The watermark lag is 0 so yesterday is already complete whatever the time of day, unless a
    fixed ``watermark`` instant is given (then data is available exactly up to it).
    """
    port = free_ports(1)[0]
    availability = ["--watermark", watermark] if watermark else ["--watermark-lag-seconds", "0"]
    argv = [
        sys.executable,
        "-m",
        "genesys_emulator",
        "--port",
        str(port),
        *availability,
        "--job-progression",
        "polls",
        "--log-level",
        "warning",
        *extra_args,
    ]
    process = ManagedProcess("emulator", argv, {"PATH": "/usr/bin:/bin"}, log_dir / "emulator.log")
    process.start()
    base_url = f"http://127.0.0.1:{port}"

    def still_running() -> None:
        if process.exit_code() is not None:
            raise AssertionError(f"emulator exited {process.exit_code()}:\n{process.log_tail()}")

    try:
        poll_until(
            lambda: requests.get(f"{base_url}/_emulator/clock", timeout=2).ok or None,
            timeout=30,
            what="the emulator",
            health_check=still_running,
        )
        yield base_url
    finally:
        process.stop(timeout=10)


@contextmanager
def pipeline_target(work_dir: Path, *emulator_args: str) -> Iterator[PipelineTarget]:
    """A fresh emulator process, a fresh PostgreSQL warehouse database and an empty staging root."""
    staging_root = work_dir / "staging"
    staging_root.mkdir(parents=True, exist_ok=True)
    with (
        emulator_process(work_dir, *emulator_args) as emulator_url,
        temporary_postgres_database("genesys_warehouse") as warehouse_db,
    ):
        yield PipelineTarget(emulator_url, postgres_sqlalchemy_url(warehouse_db, "psycopg"), staging_root)


def daily_dag_config(work_dir: Path, target: PipelineTarget, **cluster_options: Any) -> ClusterConfig:
    """A cluster that parses only the daily DAG (its own dags folder, with the module of defaults
    it imports) and has the ``genesys_api`` pool.

    ``cluster_options`` are ClusterConfig fields (executor, celery_workers, ...); an
    ``env_overrides`` entry is added on top of the target's connections and Variables.
    """
    dags_folder = work_dir / "dags"
    dags_folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(DAILY_DAG_FILE, dags_folder)
    env = {**target.airflow_env(), **cluster_options.pop("env_overrides", {})}
    pools = cluster_options.pop("pools", {GENESYS_POOL: 4})
    return ClusterConfig(dags_folder=dags_folder, env_overrides=env, pools=pools, **cluster_options)


def days_up_to_yesterday(count: int) -> list[datetime]:
    """The ``count`` UTC days ending yesterday, oldest first.

    The newest is the latest complete interval, so the run the scheduler itself creates when the
    DAG is unpaused (catchup=False) coincides with the backfill's and is not added: the
    warehouse then holds exactly the backfilled days.
    """
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return [today - timedelta(days=offset) for offset in range(count, 0, -1)]


def backfill_daily_dag(cluster: AirflowCluster, days: list[datetime], *, timeout: float) -> list[dict]:
    """Backfill ``days`` through the REST API as the UI does, one run per day at once; wait for all."""
    api = cluster.api
    assert api is not None, "the cluster is not started"
    api.wait_for_dag(DAILY_DAG_ID, timeout=180, health_check=cluster.assert_running)
    api.create_backfill(DAILY_DAG_ID, days[0], days[-1], max_active_runs=len(days))
    api.unpause(DAILY_DAG_ID)
    return api.wait_for_runs(
        DAILY_DAG_ID, expected=len(days), timeout=timeout, run_type=None, health_check=cluster.assert_running
    )


def union_interval(days: list[datetime]) -> str:
    """The Genesys interval string covering every day in ``days`` (contiguous, oldest first)."""
    end = days[-1] + timedelta(days=1)
    return f"{days[0]:%Y-%m-%dT%H:%M:%S.000Z}/{end:%Y-%m-%dT%H:%M:%S.000Z}"


def staged_manifests(staging_root: Path) -> dict[str, Manifest]:
    """Every complete details-job extraction under the staging root, by partition (one window query per
    partition); the open-conversation follow-up's by-id extractions (no interval) are left out."""
    manifests = (Manifest.from_bytes(path.read_bytes()) for path in staging_root.glob(f"{DATASET}/*/*/{MANIFEST_NAME}"))
    return {
        manifest.partition: manifest for manifest in manifests if manifest.complete and "interval" in manifest.query
    }


def warehouse_conversation_ids(warehouse_url: str) -> list[str]:
    """Every ``conversations`` row's id, duplicates kept so a caller can assert there are none."""
    warehouse = Warehouse.from_url(warehouse_url)
    try:
        schema = schema_for(warehouse.engine)
        table = f'"{schema}".conversations' if schema else "conversations"
        with warehouse.engine.connect() as conn:
            return [row[0] for row in conn.exec_driver_sql(f"SELECT conversation_id FROM {table}")]
    finally:
        warehouse.dispose()
