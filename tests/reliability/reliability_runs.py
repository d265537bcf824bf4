"""Run the daily DAG once and measure it; read what the warehouse and the webhook sink saw.

Measurements come from outside the pipeline (the emulator's request counters, the wall
clock), so a fault that the pipeline hides from its own accounting still shows up here.
"""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import MetaData, inspect, select
from sqlalchemy.engine import make_url

from genesys_emulator.testing import EmulatorControl
from genesys_pipeline.report.audit import AUDIT_TABLE, read_audit
from genesys_pipeline.report.webhook import EVENT_FAILED
from genesys_pipeline.tables import PARTITION_FRESHNESS
from genesys_pipeline.warehouse import Warehouse
from genesys_pipeline.warehouse.schema import VERSION_TABLE
from tests.support.connections import set_genesys_cloud_connection
from tests.support.daily_dag_harness import EMULATOR_CLIENT, day_interval, run_day, task_states

RESULTS_PAGE_SIZE = 100
# partition_freshness says when and how a day was last read: it rightly differs between runs
BOOKKEEPING_TABLES = (AUDIT_TABLE, VERSION_TABLE, PARTITION_FRESHNESS.name)
FAST_RETRIES = {"backoff_base_seconds": 0.1, "backoff_max_seconds": 1}


def genesys_connection(
    monkeypatch: Any,
    host: str,
    *,
    login: str | None = EMULATOR_CLIENT[0],
    password: str | None = EMULATOR_CLIENT[1],
    **extra: Any,
) -> None:
    """Point ``genesys_cloud_default`` at ``host`` with the suite's page size and fast retry waits."""
    set_genesys_cloud_connection(
        monkeypatch,
        host,
        login=login,
        password=password,
        extra={**FAST_RETRIES, "results_page_size": RESULTS_PAGE_SIZE, **extra},
    )


def total_requests(stats: dict[str, dict[str, int]]) -> int:
    """Every API request the emulator answered (any route, any status) since its last reset."""
    return sum(sum(by_status.values()) for by_status in stats.values())


@dataclass
class MeasuredRun:
    """One ``dag.test()`` run with the requests it cost and how long it took."""

    dag_run: Any
    requests: int
    seconds: float

    @property
    def state(self) -> str:
        return str(self.dag_run.state)

    @property
    def task_states(self) -> dict[str, str]:
        return task_states(self.dag_run)

    @property
    def succeeded(self) -> bool:
        return self.state == "success"


def measured_run(dag: Any, day: datetime, control: EmulatorControl, **conf: Any) -> MeasuredRun:
    before = total_requests(control.stats())
    started = time.monotonic()
    dag_run = run_day(dag, day, **conf)
    seconds = time.monotonic() - started
    return MeasuredRun(dag_run, total_requests(control.stats()) - before, seconds)


def backend_of(url: str) -> str:
    return make_url(url).get_backend_name()


def data_tables(url: str) -> dict[str, list[tuple]]:
    """Every warehouse table that holds rows, except the attempt log, freshness and schema bookkeeping, with its
    rows in a stable order and without lineage columns (``_run_id``, ``_extracted_at``, ``_synced_at``,
    which rightly differ between runs)."""
    warehouse = Warehouse.from_url(url)
    try:
        metadata = MetaData(schema=warehouse.schema)
        metadata.reflect(warehouse.engine)
        tables = [target for target in metadata.sorted_tables if target.name not in BOOKKEEPING_TABLES]
        with warehouse.engine.connect() as conn:
            contents = {
                target.name: sorted(
                    (
                        tuple(row)
                        for row in conn.execute(select(*(c for c in target.columns if not c.name.startswith("_"))))
                    ),
                    key=repr,
                )
                for target in tables
            }
    finally:
        warehouse.dispose()
    return {name: rows for name, rows in contents.items() if rows}


def warehouse_ids(url: str) -> set[str]:
    rows = data_tables(url).get("conversations", [])
    return {row[0] for row in rows}  # conversation_id is the conversations table's first column


def ground_truth_ids(control: EmulatorControl, day: datetime) -> set[str]:
    return set(control.ground_truth(day_interval(day))["conversation_ids"])


def audit_rows(url: str) -> list[dict[str, Any]]:
    warehouse = Warehouse.from_url(url)
    try:
        if "sync_audit" not in inspect(warehouse.engine).get_table_names(schema=warehouse.schema):
            return []
        return read_audit(warehouse.engine)
    finally:
        warehouse.dispose()


def failure_messages(control: EmulatorControl, url: str) -> list[str]:
    """The errors the pipeline reported for failed tries: the signed ``partition_failed`` webhooks
    (delivered even when the warehouse is down) plus the ``failed`` audit rows."""
    messages = [
        event["body"].get("error") or ""
        for event in control.webhooks()
        if event.get("accepted") and event["body"].get("type") == EVENT_FAILED
    ]
    messages += [row["error"] or "" for row in audit_rows(url) if row["status"] == "failed"]
    return messages


def unused_port_url(scheme: str, path: str = "") -> str:
    """A loopback URL nobody listens on: a server that is down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"{scheme}://127.0.0.1:{port}{path}"
