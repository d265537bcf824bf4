"""`make demo`: the daily DAG end to end against the local emulator, for two consecutive days.

Starts the emulator (a living org: records keep changing after their day) on a free port and
pins its clock at the real "now", so the org holds still while the demo judges it. Runs
``airflow dags test genesys_conversations_daily`` for the two most recent complete days before
the emulator's data-availability watermark (SQLite metadata in ``.demo/airflow``, SQLite
warehouse ``.demo/warehouse.db``; each run also re-extracts the ``genesys_lookback_days`` days
before its own), prints per-table row counts per day, the audit rows and the received webhooks,
checks that the conversations of each synced day equal the emulator's ground truth at the demo's
clock, runs ``genesys_user_activity_daily`` for the same days and prints the agent tables' rows
per day with a small per-agent KPI sample, and stops the emulator. The warehouse is rebuilt on
each run (the days move with the clock) and kept afterwards for you to query.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import column, create_engine, func, inspect, select, table

from genesys_pipeline.plan.window import Window
from genesys_pipeline.report.agent_report import kpi_sample, rows_per_day
from genesys_pipeline.report.audit import read_audit
from genesys_pipeline.report.queue_report import queue_report
from genesys_pipeline.tables import CONVERSATION_TABLES
from local_env import ROOT, EmulatorProcess, airflow_env, free_port, migrate_metadata_db, run_airflow

DEFAULT_DIR = ROOT / ".demo"
DAG_ID = "genesys_conversations_daily"
USER_DAG_ID = "genesys_user_activity_daily"


def demo_days(watermark: datetime, count: int = 2) -> list[Window]:
    """The ``count`` most recent whole UTC days that end at or before the watermark, oldest first."""
    last_end = watermark.replace(hour=0, minute=0, second=0, microsecond=0)
    return [Window(last_end - timedelta(days=n), last_end - timedelta(days=n - 1)) for n in range(count, 0, -1)]


def table_counts(engine) -> dict[str, int]:
    present = set(inspect(engine).get_table_names())
    with engine.connect() as conn:
        return {
            spec.name: conn.execute(select(func.count()).select_from(table(spec.name))).scalar_one()
            for spec in CONVERSATION_TABLES
            if spec.name in present
        }


def warehouse_ids_per_day(engine) -> dict[str, set[str]]:
    """Stored conversation ids by ``conversation_date`` (the UTC day the conversation started)."""
    per_day: dict[str, set[str]] = {}
    query = select(column("conversation_id"), column("conversation_date")).select_from(table("conversations"))
    with engine.connect() as conn:
        for conversation_id, day in conn.execute(query):
            per_day.setdefault(str(day)[:10], set()).add(conversation_id)
    return per_day


def print_table(title: str, header: list[str], rows: list[list[object]]) -> None:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]
    print(f"\n{title}")
    for line in [header, ["-" * width for width in widths], *rows]:
        print("  " + "  ".join(str(cell).rjust(width) for cell, width in zip(line, widths, strict=True)))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", type=int, default=2, help="consecutive days to sync (default 2)")
    parser.add_argument("--conversations-per-day", type=int, default=2000, help="emulator volume (default 2000)")
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="where metadata, staging and warehouse go")
    return parser.parse_args()


def fresh_demo_dir(directory: Path) -> Path:
    """Create the demo directory, dropping the previous warehouse and staging (the days move with the clock)."""
    directory.mkdir(parents=True, exist_ok=True)
    for stale in (directory / "warehouse.db", directory / "staging"):
        if stale.is_dir():
            shutil.rmtree(stale)
        elif stale.exists():
            stale.unlink()
    return directory


def sync_days(emulator: EmulatorProcess, demo_dir: Path, day_count: int) -> tuple[dict[str, set[str]], list[dict]]:
    """Run the DAG once per day; returns each day's ground-truth ids and the webhooks the sink received."""
    env = airflow_env(demo_dir / "airflow", emulator.base_url, demo_dir / "warehouse.db", demo_dir / "staging")
    print(f"Emulator at {emulator.base_url}; Airflow home {demo_dir / 'airflow'}")
    migrate_metadata_db(env)
    now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    clock = emulator.control("POST", "clock", json={"now": now})  # the living org holds still from here
    watermark = datetime.fromisoformat(clock["dataAvailabilityDate"].replace("Z", "+00:00"))
    print(f"Org clock pinned at {now}; data available until {clock['dataAvailabilityDate']}")
    windows = demo_days(watermark, day_count)
    for window in windows:
        logical_date = window.end.strftime("%Y-%m-%dT%H:%M:%S+00:00")  # a manual run at D+1 syncs [D, D+1)
        print(f"Syncing {window.partition}: airflow dags test {DAG_ID} {logical_date} ...", flush=True)
        run_started = time.monotonic()
        for dag_id in (DAG_ID, USER_DAG_ID):
            log = demo_dir / f"dags-test-{dag_id}-{window.partition}.log"
            run_airflow(env, "dags", "test", dag_id, logical_date, log_path=log)
            print(f"  {dag_id} done at {time.monotonic() - run_started:.1f} s", flush=True)
    return started_per_day(emulator, windows), emulator.control("GET", "webhooks")


def started_per_day(emulator: EmulatorProcess, windows: list[Window]) -> dict[str, set[str]]:
    """Ground truth at the pinned clock: the ids of the conversations that started on each day."""
    return {
        window.partition: set(
            emulator.control("GET", "ground-truth", params={"interval": window.interval, "semantics": "start"})[
                "conversation_ids"
            ]
        )
        for window in windows
    }


def print_report(engine, audit: list[dict], webhooks: list[dict]) -> None:
    latest = {row["partition"]: row for row in audit if row["status"] == "success"}
    names = [spec.name for spec in CONVERSATION_TABLES]
    print_table(
        "Rows loaded per table and day (from the audit rows)",
        ["table", *latest],
        [[name, *(latest[p]["rows_per_table"].get(name, 0) for p in latest)] for name in names],
    )
    counts = table_counts(engine)
    print_table("Warehouse totals", ["table", "rows"], [[name, counts.get(name, 0)] for name in names])
    print_table(
        "sync_audit",
        ["partition", "try", "status", "fetched", "loaded", "rejected", "complete", "cache", "requests", "retries"],
        [
            [
                r["partition"],
                r["try_number"],
                r["status"],
                r["conversations_fetched"],
                r["conversations_loaded"],
                r["conversations_rejected"],
                r["completeness_rate"],
                r["cache_hit"],
                r["api_requests"],
                r["api_retries"],
            ]
            for r in audit
        ],
    )
    bodies = [w.get("body") if isinstance(w.get("body"), dict) else {} for w in webhooks]
    print_table(
        "Webhooks received by the emulator's signature-checking sink",
        ["accepted", "type", "partition", "loaded", "idempotency key"],
        [
            [
                w.get("accepted"),
                b.get("type"),
                b.get("partition"),
                b.get("conversations_loaded"),
                w.get("idempotency_key"),
            ]
            for w, b in zip(webhooks, bodies, strict=True)
        ],
    )


def _pair(ours: Any, genesys: Any, scale: float = 1.0, digits: int = 0) -> str:
    """``warehouse | Genesys`` for one KPI (durations in seconds, ratios in %)."""

    def shown(value: Any) -> str:
        return "-" if value is None else f"{float(value) * scale:.{digits}f}"

    return f"{shown(ours)} | {shown(genesys)}"


def print_queue_report(engine, audit: list[dict]) -> None:
    """The last synced day's queue report from the KPI views beside Genesys's own half-hour cells."""
    latest = [row for row in audit if row["status"] == "success"]
    if not latest:
        return
    partition = max(row["partition"] for row in latest)
    cells = next(r for r in reversed(latest) if r["partition"] == partition)["reconciliation"].get("cells") or {}
    print_table(
        f"Queue report {partition}, warehouse | Genesys ({cells.get('cells_compared')} half-hour cells compared, "
        f"{cells.get('cells_differing')} differ; docs/kpis.md)",
        ["queue", "media", "offered", "answered", "abandoned", "ASA s", "AHT s", "SL %"],
        [
            [
                r["queue"],
                r["media_type"],
                _pair(r["offered"], r["offered_genesys"]),
                _pair(r["answered"], r["answered_genesys"]),
                _pair(r["abandoned"], r["abandoned_genesys"]),
                _pair(r["asa_ms"], r["asa_ms_genesys"], 0.001, 1),
                _pair(r["aht_ms"], r["aht_ms_genesys"], 0.001, 1),
                _pair(r["service_level"], r["service_level_genesys"], 100, 1),
            ]
            for r in queue_report(engine, partition)
            if r["offered"] or r["offered_genesys"]
        ],
    )


def _hours(ms: Any) -> str:
    return f"{int(ms or 0) / 3_600_000:.1f}"


def _percent(ratio: Any) -> str:
    return "-" if ratio is None else f"{float(ratio) * 100:.1f}"


def print_agent_report(engine, audit: list[dict]) -> None:
    """The agent tables' rows per synced day and the last day's busiest agents (docs/operations.md, "Agent KPIs")."""
    days = sorted({row["partition"] for row in audit if row["status"] == "success"})
    if not days:
        print("\nAgent activity: no successful genesys_user_activity_daily run")
        return
    counts = rows_per_day(engine, days)
    print_table("Agent tables: rows per activity_date", ["table", *days], [[n, *c.values()] for n, c in counts.items()])
    print_table(
        f"{USER_DAG_ID} sync_audit",
        ["partition", "try", "status", "users", "reconciliation", "requests"],
        [
            [
                r["partition"],
                r["try_number"],
                r["status"],
                r["conversations_fetched"],
                (r["reconciliation"] or {}).get("status"),
                r["api_requests"],
            ]
            for r in audit
        ],
    )
    print_table(
        f"Agent KPIs {days[-1]}: the 5 agents logged in longest (hours; v_agent_daily_kpis, v_agent_interval_kpis)",
        ["user", "logged in", "on queue", "interacting", "idle", "occupancy %", "utilisation %", "half hours"],
        [
            [
                r["user_id"][:8],
                _hours(r["logged_in_ms"]),
                _hours(r["on_queue_ms"]),
                _hours(r["interacting_ms"]),
                _hours(r["idle_ms"]),
                _percent(r["occupancy"]),
                _percent(r["utilisation"]),
                r["half_hours_logged_in"],
            ]
            for r in kpi_sample(engine, days[-1])
        ],
    )


def check_against_ground_truth(
    engine, audit: list[dict], webhooks: list[dict], expected: dict[str, set[str]]
) -> list[str]:
    """Problems found: each synced day's stored conversations versus the ground truth, the audit rows, the webhooks.

    A run loads more than its own day (the lookback re-extracts the days before it, and a
    conversation that overlaps the day belongs to the day it started), so each day is judged by
    the conversations that started on it, whichever run loaded them.
    """
    latest = {row["partition"]: row for row in audit if row["status"] == "success"}
    stored = warehouse_ids_per_day(engine)
    problems = []
    for partition, ids in expected.items():
        have = stored.get(partition, set())
        print(f"{partition}: ground truth {len(ids)} conversations started that day, warehouse {len(have)}")
        if have != ids:
            problems.append(
                f"{partition}: warehouse has {len(have - ids)} extra and misses {len(ids - have)} conversations"
            )
        if partition not in latest:
            problems.append(f"{partition}: no successful sync_audit row")
    earlier = {day: len(ids) for day, ids in stored.items() if day < min(expected)}
    if earlier:
        print(f"Also stored, from the lookback and from conversations that started before: {earlier}")
    if len(webhooks) < len(expected) or not all(w.get("accepted") for w in webhooks):
        problems.append("not every day's webhook was received with a valid signature")
    return problems


def main() -> int:
    args = parse_args()
    started = time.monotonic()
    demo_dir = fresh_demo_dir(args.dir.resolve())
    with EmulatorProcess(free_port(), args.conversations_per_day, log_path=demo_dir / "emulator.log") as emulator:
        expected, webhooks = sync_days(emulator, demo_dir, args.days)
    engine = create_engine(f"sqlite:///{demo_dir / 'warehouse.db'}", hide_parameters=True)
    every = read_audit(engine)
    audit = [row for row in every if row["dag_id"] == DAG_ID]
    agent_audit = [row for row in every if row["dag_id"] == USER_DAG_ID]
    print_report(engine, audit, webhooks)
    print_queue_report(engine, audit)
    print_agent_report(engine, agent_audit)
    print()
    problems = check_against_ground_truth(engine, audit, webhooks, expected)
    synced_agents = {row["partition"] for row in agent_audit if row["status"] == "success"}
    problems += [f"{day}: no successful {USER_DAG_ID} sync_audit row" for day in expected if day not in synced_agents]
    print(f"\nDemo wall time {time.monotonic() - started:.1f} s. Warehouse kept at {demo_dir / 'warehouse.db'}")
    if problems:
        print("DEMO FAILED:\n  " + "\n  ".join(problems))
        return 1
    print(f"Demo OK: the warehouse matches the emulator's ground truth at its clock for all {len(expected)} days.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
