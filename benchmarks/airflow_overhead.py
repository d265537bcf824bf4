"""Airflow overhead: one ``airflow dags test`` of the daily DAG against the same work done without Airflow.

    .venv/bin/python benchmarks/airflow_overhead.py --n 100000

Starts the emulator with N conversations per day (the day generated and cached before any
clock starts), then, into one scratch PostgreSQL database, the core pipeline (``ours``: extract
+ ``load_extraction``) followed by the DAG's other work with the same library calls
(``rollup``: the aggregates queries and the reconciliation), then ``airflow dags test
genesys_conversations_daily`` for the same UTC day into another (every task: authenticate,
window, wait for data, extract, load, aggregates, reconcile, audit, notify), timed around the
command. The metadata DB migration is set-up, outside the clock. Prints JSON lines; the last
one is ``{"summary": true, "core_s", "same_work_s", "airflow_s", "overhead_ratio", ...}``:
``overhead_ratio`` = airflow_s / same_work_s (what Airflow adds to the same work), and
``ratio_to_core`` = airflow_s / core_s (the whole DAG against extract + load alone).
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path

from environment import ROOT, bench_emulator, bench_interval, emit, rate, scratch_database
from genesys_pipeline.warehouse import Warehouse
from local_env import airflow_env, migrate_metadata_db, run_airflow
from ours import run_ours
from rollup import run_rollup

DAG_ID = "genesys_conversations_daily"
DEFAULT_HOME = ROOT / ".bench" / "airflow-overhead"


def dags_test_seconds(home: Path, base_url: str, interval: str, db_url: str) -> float:
    """Wall time of ``airflow dags test`` for the day ``interval`` (a manual run at D+1 syncs [D, D+1))."""
    shutil.rmtree(home / "staging", ignore_errors=True)  # no cached extraction from an earlier run
    env = airflow_env(home / "airflow", base_url, home / "unused.db", home / "staging")
    env["AIRFLOW_CONN_GENESYS_WAREHOUSE"] = json.dumps({"conn_type": "generic", "extra": {"sqlalchemy_url": db_url}})
    env["AIRFLOW_VAR_GENESYS_LOOKBACK_DAYS"] = "0"  # the same one day as the core pipeline, no lookback days
    migrate_metadata_db(env)
    logical_date = interval.split("/")[1].replace(".000Z", "+00:00")
    started = time.perf_counter()
    run_airflow(env, "dags", "test", DAG_ID, logical_date, log_path=home / "dags-test.log")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--home", type=Path, default=DEFAULT_HOME, help="Airflow home, staging and the run's log")
    args = parser.parse_args()
    interval = bench_interval()
    with bench_emulator(args.n, interval) as emulator:
        with scratch_database("core") as db_url, tempfile.TemporaryDirectory(prefix="genesys-bench-") as workdir:
            core = run_ours(emulator.base_url, interval, db_url, Path(workdir))
            rollup = run_rollup(emulator.base_url, interval, db_url)
        emit(core)
        emit(rollup)
        with scratch_database("airflow") as db_url:
            airflow_s = dags_test_seconds(args.home, emulator.base_url, interval, db_url)
            warehouse = Warehouse.from_url(db_url)
            loaded = warehouse.table_counts()["conversations"]
            warehouse.dispose()
    same_work_s = core["seconds"] + rollup["seconds"]
    emit(
        {
            "summary": True,
            "conversations": core["conversations"],
            "core_s": core["seconds"],
            "same_work_s": round(same_work_s, 3),
            "airflow_s": round(airflow_s, 3),
            "airflow_conv_per_s": rate(core["conversations"], airflow_s),
            "overhead_ratio": round(airflow_s / same_work_s, 3),
            "ratio_to_core": round(airflow_s / core["seconds"], 3),
            "airflow_table_conversations": loaded,  # the DAG run loaded the same day
            "dags_test_log": str(args.home / "dags-test.log"),
        }
    )


if __name__ == "__main__":
    main()
