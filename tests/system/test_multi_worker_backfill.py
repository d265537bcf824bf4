"""Issue 9: the daily DAG on what docker-compose.yaml deploys, without Docker, with two Celery workers.

PostgreSQL metadata DB and Redis broker on the local servers; api-server, scheduler,
dag-processor, triggerer and two ``airflow celery worker`` processes named worker1/worker2;
the emulator as a process reached by URL; a fresh PostgreSQL warehouse; one staging root for
both workers. A four-day backfill through the REST API must succeed everywhere, spread over
both workers, leave every partition's extraction in the shared staging root, and leave the
warehouse equal to the emulator's ground truth. Wall time is printed (``-s``), never asserted.
The shared helpers' own contracts: tests/genesys_cluster/test_pipeline.py.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from genesys_cluster.pipeline import (
    DAILY_DAG_ID,
    PipelineTarget,
    backfill_daily_dag,
    daily_dag_config,
    days_up_to_yesterday,
    pipeline_target,
    staged_manifests,
    union_interval,
    warehouse_conversation_ids,
)
from genesys_emulator.testing import EmulatorControl

DAYS = 4
WORKERS = ("worker1", "worker2")
RUN_TIMEOUT = 600.0


@pytest.fixture()
def target(postgres_server_url: str, tmp_path: Path) -> Iterator[PipelineTarget]:
    """Listed before ``start_airflow_cluster`` in the test's arguments, so it is torn down after the
    cluster: no worker ever loses the emulator or the warehouse mid-task."""
    with pipeline_target(tmp_path) as pipeline:
        yield pipeline


def host_per_partition(task_instances: list[dict], task_id: str) -> dict[str, str]:
    """Partition (logical date) -> hostname of the worker that ran ``task_id`` for it."""
    return {ti["logical_date"][:10]: ti["hostname"] for ti in task_instances if ti["task_id"] == task_id}


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.redis
def test_four_day_backfill_on_two_celery_workers_with_shared_staging(target, start_airflow_cluster, tmp_path):
    days = days_up_to_yesterday(DAYS)
    partitions = {day.date().isoformat() for day in days}
    started = time.monotonic()
    cluster = start_airflow_cluster(
        daily_dag_config(tmp_path, target, executor="CeleryExecutor", celery_workers=len(WORKERS))
    )
    healthy = time.monotonic()
    runs = backfill_daily_dag(cluster, days, timeout=RUN_TIMEOUT)
    finished = time.monotonic()

    assert {run["logical_date"][:10]: (run["run_type"], run["state"]) for run in runs} == {
        partition: ("backfill", "success") for partition in partitions
    }
    task_instances = cluster.api.task_instances(DAILY_DAG_ID)
    # On a good day the run's verdict task `outcome` is skipped; every other task succeeded.
    assert Counter((ti["task_id"] == "outcome", ti["state"]) for ti in task_instances) == Counter(
        {(True, "skipped"): DAYS, (False, "success"): len(task_instances) - DAYS}
    )
    assert {ti["hostname"] for ti in task_instances} == set(WORKERS)

    emulator = EmulatorControl(target.emulator_url)
    staged = staged_manifests(target.staging_root)
    assert set(staged) == partitions
    for day in days:
        partition = day.date().isoformat()
        assert staged[partition].record_count == emulator.ground_truth(union_interval([day]))["count"], partition

    truth = emulator.ground_truth(union_interval(days))
    loaded = warehouse_conversation_ids(target.warehouse_url)
    assert len(loaded) == len(set(loaded)), "a conversation was loaded twice"
    assert len(loaded) == truth["count"]
    assert set(loaded) == set(truth["conversation_ids"])

    extracted_on, loaded_on = host_per_partition(task_instances, "extract"), host_per_partition(task_instances, "load")
    assert set(extracted_on) == set(loaded_on) == partitions
    crossed = sorted(p for p in partitions if extracted_on[p] != loaded_on[p])
    print(
        f"\nCeleryExecutor x{len(WORKERS)}: start {healthy - started:.1f}s, {DAYS}-day backfill "
        f"{finished - healthy:.1f}s, {truth['count']} conversations; tasks per worker "
        f"{dict(Counter(ti['hostname'] for ti in task_instances))}; "
        f"extracted on one worker, loaded on the other: {crossed or 'none this time'}"
    )
