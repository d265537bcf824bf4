"""Measure a backfill of the real daily DAG on a local Celery cluster with 1..N workers.

Same data for every worker count: a fresh emulator process (seed 42), a fresh PostgreSQL
warehouse and an empty staging root per run, the same days (ending yesterday), the same pool.
Prints the wall time from backfill creation to the last terminal run; nothing is asserted
(timings on a shared 2-core machine are noisy).

    .venv/bin/python benchmarks/measure_backfill.py --workers 1 2 --days 4
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from genesys_cluster.cluster import AirflowCluster
from genesys_cluster.pipeline import (
    DAILY_DAG_ID,
    GENESYS_POOL,
    backfill_daily_dag,
    daily_dag_config,
    days_up_to_yesterday,
    pipeline_target,
)


def measure(workers: int, days: int, pool_slots: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="measure-backfill-") as work_dir, pipeline_target(Path(work_dir)) as target:
        config = daily_dag_config(
            Path(work_dir), target, executor="CeleryExecutor", celery_workers=workers, pools={GENESYS_POOL: pool_slots}
        )
        started = time.monotonic()
        with AirflowCluster(config) as cluster:
            healthy = time.monotonic()
            # Parsing is the same for every worker count: keep it out of the backfill's wall time.
            cluster.api.wait_for_dag(DAILY_DAG_ID, timeout=180, health_check=cluster.assert_running)
            parsed = time.monotonic()
            runs = backfill_daily_dag(cluster, days_up_to_yesterday(days), timeout=1800)
            finished = time.monotonic()
            hosts = sorted({ti["hostname"] for ti in cluster.api.task_instances(DAILY_DAG_ID)})
    return {
        "workers": workers,
        "runs": {run["logical_date"][:10]: run["state"] for run in runs},
        "hostnames": hosts,
        "cluster_start_s": round(healthy - started, 1),
        "backfill_wall_s": round(finished - parsed, 1),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--days", type=int, default=4)
    parser.add_argument("--pool-slots", type=int, default=4)
    args = parser.parse_args(argv)
    for workers in args.workers:
        print(json.dumps(measure(workers, args.days, args.pool_slots)), flush=True)


if __name__ == "__main__":
    main()
