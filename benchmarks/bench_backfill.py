"""A backfill at the API's pace: the real scheduler runs DAYS partitions of N conversations each.

The daily DAG runs on a local Airflow cluster (``include/genesys_cluster/cluster.py``: LocalExecutor,
or CeleryExecutor with ``--workers`` workers on the local Redis/PostgreSQL) against an emulator
process with realistic details jobs (run time drawn in ``--latency`` seconds, scaled by
``--scale`` so a run fits in minutes), the per-token rate limit on and the org's job cap. Every
task draws from one shared rate budget (``--budget``: redis = the local Redis, sql = the
warehouse database, or local = per process, the control). Each regime run prints one JSON line
(``--regime``: ``api`` = 2,000 a day at real job latency, ``cpu`` = 20,000 a day at a tenth of it,
``both``; ``custom`` = the ``--n``/``--scale`` given):

- ``api_bound_s``: the least wall time the API allows (``genesys_pipeline.plan.backfill``):
  its minimum API requests at the rate limit, or its jobs' mean scaled latency spread over the
  concurrent-job cap, whichever is longer;
- ``floor_s``: the project's floor loop (``floor.py``: bare requests, orjson, COPY) over the same
  days, measured in the same run after the backfill, jobs instant and the rate limit lifted: the
  least the CPU work allows on this machine; ``ratio_to_bound`` = wall / max(api_bound_s, floor_s);
- ``polls_per_job``: job-status requests per details job the emulator saw (the triggerer's too),
  from a cold start (the client's facts in the budget's store are cleared first: no latency
  history, no kept limits, availability or divisions);
- ``requests_by_operation``: the emulator's API requests per operation, for where they go;
- ``limits``: the rate budget and job slots the extractions ran under, and their source (the
  org's published limits or the settings);
- ``api_requests`` / ``min_api_requests``: API calls counted by the emulator / the fewest the
  work needs (per partition: submit, one status poll, one call per results page, delete);
- ``http_429``: throttled answers the emulator sent (rate limit or job cap);
- ``peak_rss_mb``: the largest resident set of any Airflow process (component or task) while
  it ran; the emulator's is left out.

The warehouse is checked against the emulator's ground truth for every day, on an org clock
pinned at the start (``org_clock``) so the org does not change under the check.

    .venv/bin/python benchmarks/bench_backfill.py --days 3 --n 2000
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parents[1]

from environment import scratch_database
from floor import run_floor
from genesys_cluster.cluster import AirflowCluster
from genesys_cluster.pipeline import (
    DAILY_DAG_ID,
    GENESYS_POOL,
    backfill_daily_dag,
    daily_dag_config,
    days_up_to_yesterday,
    pipeline_target,
    union_interval,
    warehouse_conversation_ids,
)
from genesys_emulator.testing import EmulatorControl
from genesys_pipeline.plan.backfill import BackfillLimits, plan
from task_timings import run_spans, task_timings

REDIS_BUDGET_URL = "redis://127.0.0.1:6379/15"  # a database of its own, apart from Celery's
# The two regimes real orgs are in: (conversations per day, job-latency scale).
REGIMES = {"api": (2000, 1.0), "cpu": (20000, 0.1)}
# Every measured backfill, one JSON line each: what `make plan-backfill` sets its model against.
MEASURED = ROOT / ".bench" / "backfill.jsonl"
STATUS_POLL = "get_analytics_conversations_details_job"
SUBMIT = "post_analytics_conversations_details_jobs"


class PeakRss:
    """Samples the resident set of this process's descendants (Airflow components and task
    processes, not the emulator); keeps the largest."""

    def __init__(self, interval: float = 0.5) -> None:
        self.interval = interval
        self.peak_mb = 0.0
        self.peak_process = ""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.wait(self.interval):
            for child in me.children(recursive=True):
                try:
                    command = " ".join(child.cmdline()).strip()
                    if "genesys_emulator" in command:
                        continue  # the stand-in for Genesys is not the pipeline's memory
                    rss_mb = child.memory_info().rss / 2**20
                    if rss_mb > self.peak_mb:
                        self.peak_mb, self.peak_process = rss_mb, command[:80]
                except psutil.Error:
                    continue


def requests_by_operation(stats: dict[str, dict[str, int]]) -> dict[str, int]:
    """API calls per emulator operation (token calls excluded), for where the extra requests go."""
    return {op: sum(statuses.values()) for op, statuses in sorted(stats.items()) if "token" not in op}


def api_counts(stats: dict[str, dict[str, int]]) -> tuple[int, int]:
    """(API requests, HTTP 429s) from the emulator's per-operation status counts; token calls excluded."""
    requests = throttled = 0
    for operation, statuses in stats.items():
        if "token" in operation:
            continue
        requests += sum(statuses.values())
        throttled += statuses.get("429", 0)
    return requests, throttled


def polls_per_job(before: dict[str, dict[str, int]], after: dict[str, dict[str, int]]) -> float | None:
    """Job-status requests per details job accepted (202), from the emulator's counts."""

    def count(stats: dict[str, dict[str, int]], operation: str, status: str | None = None) -> int:
        statuses = stats.get(operation) or {}
        return statuses.get(status, 0) if status else sum(statuses.values())

    jobs = count(after, SUBMIT, "202") - count(before, SUBMIT, "202")
    polls = count(after, STATUS_POLL) - count(before, STATUS_POLL)
    return round(polls / jobs, 2) if jobs else None


def extraction_limits(cluster: AirflowCluster, runs: list[dict]) -> list[dict[str, Any]]:
    """The distinct limits the runs' extractions reported (``extract``'s summary, sync_audit.api_limits)."""
    seen: list[dict[str, Any]] = []
    for run in runs:
        limits = (cluster.api.xcom_value(DAILY_DAG_ID, run["dag_run_id"], "extract") or {}).get("limits")
        if limits and limits not in seen:
            seen.append(limits)
    return seen


def floor_seconds(control: EmulatorControl, base_url: str, days: list) -> dict[str, Any]:
    """The floor loop over the same days, each into a fresh database (a day's job also returns the
    conversations running into it from the day before, and the floor does no de-duplication), jobs
    instant and no rate limit: it measures the CPU work; the API's share is ``api_bound_s``."""
    control.configure(job_latency_seconds_min=0.0, job_latency_seconds_max=0.0, rate_limit_requests=1_000_000)
    seconds = conversations = 0.0
    for day in days:
        with scratch_database("floor") as db_url:
            result = run_floor(base_url, union_interval([day]), db_url)
        seconds += result["seconds"]
        conversations += result["conversations"]
    return {"floor_s": round(seconds, 1), "floor_conversations": int(conversations)}


def forget_client_facts(budget: str, warehouse_url: str) -> None:
    """Start cold, as a new deployment does: no job latency history, no kept limits, availability
    or divisions (``client_facts.py``). The emulator may come back on the port of an earlier run,
    and the facts are keyed by its URL, so a second run would otherwise start from the first's."""
    if budget == "redis":
        import redis

        store = redis.Redis.from_url(REDIS_BUDGET_URL)
        stale = list(store.scan_iter("genesys:rate-budget:facts:*"))
        if stale:
            store.delete(*stale)
    elif budget == "sql":
        import sqlalchemy as sa

        engine = sa.create_engine(warehouse_url)
        with engine.begin() as conn:
            if sa.inspect(conn).has_table("genesys_client_facts"):
                conn.execute(sa.text("DELETE FROM genesys_client_facts"))
        engine.dispose()


def genesys_connection(
    base_env: dict[str, str], budget: str, rate_per_minute: int, job_cap: int, warehouse_url: str
) -> dict[str, str]:
    conn = json.loads(base_env["AIRFLOW_CONN_GENESYS_CLOUD_DEFAULT"])
    # the product's cold-start poll schedule, not the harness's quick first poll (pipeline.py)
    extra = {key: value for key, value in conn["extra"].items() if key != "job_first_poll_seconds"}
    extra = {
        **extra,
        "rate_budget_backend": budget,
        "rate_budget_per_minute": rate_per_minute,
        "max_concurrent_jobs": job_cap,
    }
    if budget != "local":
        extra["rate_budget_url"] = REDIS_BUDGET_URL if budget == "redis" else warehouse_url
    return {"AIRFLOW_CONN_GENESYS_CLOUD_DEFAULT": json.dumps({**conn, "extra": extra})}


def warehouse_connection(base_env: dict[str, str], normalize_worker: bool) -> dict[str, str]:
    """The warehouse connection with ``extra.normalize_worker`` set (the worker A/B)."""
    conn = json.loads(base_env["AIRFLOW_CONN_GENESYS_WAREHOUSE"])
    extra = {**conn["extra"], "normalize_worker": normalize_worker}
    return {"AIRFLOW_CONN_GENESYS_WAREHOUSE": json.dumps({**conn, "extra": extra})}


def load_lock_seconds(cluster: AirflowCluster, runs: list[dict]) -> dict[str, float]:
    """Loads wait on per-day PostgreSQL advisory locks: total seconds waited for them and spent loading after."""
    waited = held = 0.0
    for run in runs:
        timings = cluster.api.xcom_value(DAILY_DAG_ID, run["dag_run_id"], "load")["timings"]
        waited += timings["lock_wait_s"]
        held += timings["total_s"] - timings["lock_wait_s"]
    return {"waited_s": round(waited, 1), "held_s": round(held, 1)}


def check_warehouse(control: EmulatorControl, days: list, warehouse_url: str) -> None:
    """Every day's ground truth is in the warehouse, nothing else is, and nothing twice."""
    ids = warehouse_conversation_ids(warehouse_url)
    duplicates = [cid for cid, seen in Counter(ids).items() if seen > 1]
    if duplicates:
        raise AssertionError(f"{len(duplicates)} conversations loaded twice, e.g. {duplicates[:3]}")
    loaded, expected = set(ids), set()
    for day in days:
        truth = set(control.ground_truth(union_interval([day]))["conversation_ids"])
        missing = truth - loaded
        if missing:
            raise AssertionError(
                f"{day:%Y-%m-%d}: {len(missing)} of {len(truth)} conversations missing from the warehouse"
            )
        expected |= truth
    if loaded - expected:
        raise AssertionError(f"{len(loaded - expected)} conversations in the warehouse outside the backfilled days")


def run(args: argparse.Namespace) -> dict[str, Any]:
    latency = (args.latency[0] * args.scale, args.latency[1] * args.scale)
    days = days_up_to_yesterday(args.days)
    # The org's clock stands still for the run: nothing ends, changes or is erased between a
    # day's load and the ground-truth check (one real-time 14-day run differed by one conversation).
    org_clock = datetime.now(UTC).replace(microsecond=0).isoformat()
    emulator_args = (
        "--conversations-per-day",
        str(args.n),
        "--rate-limit",
        str(args.rate_limit),
        "--record-cache",
        str(2 * args.n),
        "--clock",
        org_clock,
    )
    with (
        tempfile.TemporaryDirectory(prefix="bench-backfill-") as work_dir,
        pipeline_target(Path(work_dir), *emulator_args) as target,
    ):
        # warming a day of 20,000 takes longer than the default 30 s on a loaded machine
        control = EmulatorControl(target.emulator_url, timeout=600.0)
        control.configure(
            job_latency_seconds_min=latency[0],
            job_latency_seconds_max=latency[1],
            job_max_active_per_client=args.job_cap,
        )
        day_counts = [control.warm(union_interval([day]))["warmed"] for day in days]
        config = daily_dag_config(
            Path(work_dir),
            target,
            executor=args.executor,
            celery_workers=args.workers,
            celery_worker_concurrency=args.worker_concurrency,
            pools={GENESYS_POOL: args.pool_slots},
            parallelism=args.parallelism,
            env_overrides={
                **genesys_connection(
                    target.airflow_env(), args.budget, args.rate_limit, args.job_cap, target.warehouse_url
                ),
                **warehouse_connection(target.airflow_env(), normalize_worker=not args.no_worker),
            },
        )
        forget_client_facts(args.budget, target.warehouse_url)
        with PeakRss() as rss, AirflowCluster(config) as cluster:
            cluster.api.wait_for_dag("genesys_conversations_daily", timeout=180, health_check=cluster.assert_running)
            first_stats = control.stats()
            before = api_counts(first_stats)
            started = time.monotonic()
            runs = backfill_daily_dag(cluster, days, timeout=args.timeout)
            wall = time.monotonic() - started
            timings = task_timings(cluster.api.task_instances(DAILY_DAG_ID))
            loads = load_lock_seconds(cluster, runs)
            limits = extraction_limits(cluster, runs)
        failed = [run["logical_date"][:10] for run in runs if run["state"] != "success"]
        if failed:
            raise AssertionError(f"backfill runs not successful: {failed}")
        final_stats = control.stats()
        requests, throttled = (after - first for after, first in zip(api_counts(final_stats), before, strict=True))
        try:  # the figures are printed either way; the line says whether the data was right
            check_warehouse(control, days, target.warehouse_url)
            equal: bool | str = True
        except AssertionError as mismatch:
            equal = f"no: {mismatch}"
        floor = floor_seconds(control, target.emulator_url, days)
    least = plan(
        day_counts,
        BackfillLimits(requests_per_minute=args.rate_limit, job_latency_seconds=sum(latency) / 2, job_cap=args.job_cap),
    )
    bound = max(least.wall_s, floor["floor_s"])
    return {
        "regime": args.regime,
        "executor": args.executor,
        "workers": args.workers if args.executor == "CeleryExecutor" else None,
        "worker_concurrency": args.worker_concurrency if args.executor == "CeleryExecutor" else None,
        "budget": args.budget,
        "normalize_worker": not args.no_worker,
        "pool_slots": args.pool_slots,
        "parallelism": args.parallelism,
        "job_latency_s": [round(x, 2) for x in latency],
        "rate_limit_per_min": args.rate_limit,
        "job_cap": args.job_cap,
        "org_clock": org_clock,
        "days": args.days,
        "conversations": sum(day_counts),
        "wall_s": round(wall, 1),
        "api_bound_s": least.wall_s,
        **floor,
        "ratio_to_bound": round(wall / bound, 2),
        "ratio_to_api_bound": round(wall / least.wall_s, 2),
        "polls_per_job": polls_per_job(first_stats, final_stats),
        "limits": limits,
        "http_429": throttled,
        "api_requests": requests,
        "min_api_requests": least.api_requests,
        "peak_rss_mb": round(rss.peak_mb, 1),
        "peak_rss_process": rss.peak_process,
        "warehouse_equals_ground_truth": equal,
        "requests_by_operation": {
            op: count - requests_by_operation(first_stats).get(op, 0)
            for op, count in requests_by_operation(final_stats).items()
        },
        "runs": run_spans(runs),
        "load_lock": loads,
        "tasks": timings,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument(
        "--regime",
        choices=("api", "cpu", "both", "custom"),
        default="custom",
        help="api: 2,000/day at real job latency; cpu: 20,000/day at a tenth; custom: --n and --scale",
    )
    parser.add_argument("--n", type=int, default=2000, help="conversations per day (--regime custom)")
    parser.add_argument("--executor", choices=("LocalExecutor", "CeleryExecutor"), default="LocalExecutor")
    parser.add_argument("--workers", type=int, default=2, help="Celery workers (CeleryExecutor)")
    parser.add_argument("--budget", choices=("redis", "sql", "local"), default="redis")
    parser.add_argument("--rate-limit", type=int, default=300, help="requests per token per minute (emulator)")
    parser.add_argument("--latency", type=float, nargs=2, default=(20.0, 90.0), help="job run time range, s")
    parser.add_argument("--scale", type=float, default=0.1, help="factor applied to the job latency (--regime custom)")
    parser.add_argument("--job-cap", type=int, default=5, help="concurrent jobs per client (emulator)")
    parser.add_argument("--pool-slots", type=int, default=4)
    parser.add_argument("--worker-concurrency", type=int, default=2, help="task slots per Celery worker")
    parser.add_argument(
        "--parallelism",
        type=int,
        default=6,
        help="[core] parallelism: task processes at once (LocalExecutor: per scheduler)",
    )
    parser.add_argument("--timeout", type=float, default=3600.0)
    parser.add_argument(
        "--no-worker",
        action="store_true",
        help="warehouse extra.normalize_worker=false: loads normalize in the task's process",
    )
    args = parser.parse_args(argv)
    for regime in ("api", "cpu") if args.regime == "both" else (args.regime,):
        if regime in REGIMES:
            args.n, args.scale = REGIMES[regime]
        line = json.dumps(run(argparse.Namespace(**{**vars(args), "regime": regime})))
        MEASURED.parent.mkdir(exist_ok=True)
        with MEASURED.open("a") as measured:
            measured.write(line + "\n")
        print(line, flush=True)


if __name__ == "__main__":
    main()
