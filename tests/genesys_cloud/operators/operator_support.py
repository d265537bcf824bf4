"""Helpers of the operator tests: a minimal task context, connections as ``AIRFLOW_CONN_*`` env vars,
and oracles that read staged pages and warehouse tables directly (not through the operators).

A module of its own: test modules import it (``from tests.genesys_cloud.operators.operator_support import ...``).
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.support.connections import (  # noqa: F401  (the constants are re-exported to the operator tests)
    EMULATOR_CLIENT,
    EMULATOR_WEBHOOK_SECRET,
    set_genesys_cloud_connection,
)

DAG_ID = "genesys_conversations_daily"
RUN_ID = "manual__operator_tests"
# fixed: the living org's history (and what is open the next morning) is the same every run
LIVING_DAY = datetime(2026, 3, 2, tzinfo=UTC)


@dataclass
class RecordingTaskInstance:
    """The part of a task instance the operators touch: its own XCom pushes and pulls, try number, task id."""

    task_id: str = "task"
    try_number: int = 1
    map_index: int = -1  # not mapped
    xcom: dict[str, Any] = field(default_factory=dict)

    def xcom_push(self, key: str, value: Any) -> None:
        self.xcom[key] = value

    def xcom_pull(self, task_ids: Any = None, key: str = "return_value", map_indexes: Any = None) -> Any:
        if task_ids is not None:
            raise AssertionError(f"operators must not pull other tasks' XComs (pulled {task_ids!r})")
        return self.xcom.get(key)


@dataclass
class DagRunStub:
    data_interval_start: datetime | None
    data_interval_end: datetime | None
    run_type: str = "manual"


@dataclass
class DagStub:
    dag_id: str = DAG_ID


def make_context(
    day: datetime | None = None, *, task_id: str = "task", params: dict[str, Any] | None = None, **extra: Any
) -> dict[str, Any]:
    """A task context for the run of UTC ``day`` (data interval ``[day, day + 1)``)."""
    start = day
    end = day + timedelta(days=1) if day is not None else None
    return {
        "ti": RecordingTaskInstance(task_id=task_id),
        "run_id": RUN_ID,
        "dag": DagStub(),
        "dag_run": DagRunStub(start, end),
        "params": params or {},
        **extra,
    }


def past_day(days_ago: int = 2) -> datetime:
    """Midnight UTC of a day well before the emulator's watermark (now - 1 h)."""
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today - timedelta(days=days_ago)


def iso(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def day_interval(day: datetime) -> str:
    return f"{iso(day)}/{iso(day + timedelta(days=1))}"


def set_genesys_connection(
    monkeypatch: pytest.MonkeyPatch, host: str, client: tuple[str, str] = EMULATOR_CLIENT, **extra: Any
) -> None:
    login, password = client
    set_genesys_cloud_connection(
        monkeypatch,
        host,
        login=login,
        password=password,
        extra={"backoff_base_seconds": 0.05, "backoff_max_seconds": 0.2, **extra},
    )


def set_warehouse_connection(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv(
        "AIRFLOW_CONN_GENESYS_WAREHOUSE", json.dumps({"conn_type": "generic", "extra": {"sqlalchemy_url": url}})
    )


def staged_conversations(staging_path: str | Path) -> list[dict[str, Any]]:
    """Every conversation in an extraction directory's page files, read with gzip + json alone."""
    conversations = []
    for page in sorted(Path(staging_path).glob("page-*.json.gz")):
        conversations.extend(json.loads(gzip.decompress(page.read_bytes())).get("conversations") or [])
    return conversations


def qualified(url: str, table: str) -> str:
    """``table`` as the warehouse holds it: in schema ``genesys`` on PostgreSQL (a literal, not the
    product's helper)."""
    return f"genesys.{table}" if url.startswith("postgresql") else table


def table_count(url: str, table: str) -> int:
    """Rows of ``table`` counted with plain SQL on a fresh engine."""
    return select_rows(url, f"SELECT COUNT(*) AS n FROM {qualified(url, table)}")[0]["n"]


def select_rows(url: str, sql: str, **params: Any) -> list[dict[str, Any]]:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(text(sql), params)]
    finally:
        engine.dispose()


def metric_emits(conversations: list[dict[str, Any]]) -> Iterator[tuple[dict, dict, dict]]:
    """(conversation, session, metric) for every session metric in raw details records."""
    for conversation in conversations:
        for participant in conversation.get("participants") or []:
            for session in participant.get("sessions") or []:
                for metric in session.get("metrics") or []:
                    yield conversation, session, metric


def stage_day(day: datetime, staging_root: Path, interval: str | None = None) -> dict[str, Any]:
    """Extract ``day`` (or ``interval``) from the emulator with the real extract operator: the staged
    details that load, aggregates and reconcile tests start from."""
    from genesys_cloud.operators.extract import GenesysExtractOperator

    operator = GenesysExtractOperator(
        task_id="extract",
        interval=interval or day_interval(day),
        partition=day.strftime("%Y-%m-%d"),
        staging_root=str(staging_root),
        cache_ttl_seconds=0,
        force_extract=False,
        poll_interval=0.2,
        page_size=50,
    )
    return operator.execute(make_context(day, task_id="extract"))


def sync_day(day: datetime, staging_root: Path) -> dict[str, Any]:
    """Extract and load ``day`` as the daily DAG does; returns the extraction (what the follow-up is given)
    and, under ``"load"``, the load's result."""
    from genesys_cloud.operators.load import GenesysLoadOperator

    extraction = stage_day(day, staging_root)
    load = GenesysLoadOperator(task_id="load", extraction=extraction).execute(make_context(day))
    return {**extraction, "load": load}


def record_attributes(records: list[dict[str, Any]]) -> set[tuple[str, str, str, str]]:
    """(participant_id, name, conversation_id, value) of every participant attribute in raw details-job
    records: what ``participant_attributes`` holds of them."""
    return {
        (participant["participantId"], name, record["conversationId"], value)
        for record in records
        for participant in record.get("participants") or []
        for name, value in (participant.get("attributes") or {}).items()
    }


def stored_attributes(url: str, ids: set[str]) -> set[tuple[str, str, str, str]]:
    """(participant_id, name, conversation_id, value) of the ``participant_attributes`` rows of ``ids``, plain SQL."""
    rows = select_rows(
        url, f"SELECT participant_id, name, conversation_id, value FROM {qualified(url, 'participant_attributes')}"
    )
    found = {(r["participant_id"], r["name"], r["conversation_id"], r["value"]) for r in rows}
    return {row for row in found if row[2] in ids}


def attribute_rows(url: str, ids: set[str]) -> list[dict[str, Any]]:
    """The ``participant_attributes`` rows of ``ids``, every column (lineage included), sorted: what a load
    that keeps them must leave byte-identical."""
    rows = select_rows(url, f"SELECT * FROM {qualified(url, 'participant_attributes')}")
    return sorted((row for row in rows if row["conversation_id"] in ids), key=repr)


def parse_instant(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def prepare_warehouse() -> None:
    """What validate_window does once per run before load: create and migrate the tables of the
    warehouse connection the test set."""
    from genesys_cloud.warehouse_connection import warehouse_engine
    from genesys_pipeline.warehouse.schema import ensure_schema

    engine = warehouse_engine()
    try:
        ensure_schema(engine)
    finally:
        engine.dispose()
