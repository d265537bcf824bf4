"""Reference tables (``users``, ``queues``, ``wrapup_codes``): Genesys entities -> one current snapshot each.

The table specs live in :data:`genesys_pipeline.tables.LOOKUP_TABLES` (the schema creates them
empty so the category views always resolve). A sync replaces a table's whole content in one
transaction: readers see the old snapshot or the new one, never a half-written mix, and an
entity deleted in Genesys disappears. Users are fetched with ``state=any`` upstream, so agents
who have left still resolve in old conversations. A queues snapshot also replaces
``queue_service_levels`` (each queue's service-level target per media type) in the same
transaction, so the KPI views never see targets of a queue set other than ``queues``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, Table, delete, func, insert, select

from genesys_pipeline.tables import LOOKUP_TABLES, QUEUE_SERVICE_LEVELS, SYNCED_AT, TableSpec
from genesys_pipeline.warehouse.schema import warehouse_table

LOOKUPS_BY_NAME: dict[str, TableSpec] = {spec.name: spec for spec in LOOKUP_TABLES}


class EmptySnapshotError(ValueError):
    """An empty snapshot would wipe a filled table: almost always an API or permission problem."""


@dataclass(frozen=True)
class SnapshotResult:
    table: str
    rows: int
    replaced: int  # rows the previous snapshot had

    def as_dict(self) -> dict[str, Any]:
        return {"table": self.table, "rows": self.rows, "replaced": self.replaced}


def entity_rows(entities: Iterable[Mapping[str, Any]], synced_at: Any) -> list[dict[str, Any]]:
    """One row per entity id (the last copy wins if paging repeated one); queues and codes have no state."""
    rows: dict[str, dict[str, Any]] = {}
    for entity in entities:
        entity_id = entity.get("id")
        if not entity_id:
            continue
        rows[entity_id] = {
            "id": entity_id,
            "name": entity.get("name"),
            "state": entity.get("state"),
            SYNCED_AT: synced_at,
        }
    return list(rows.values())


# Queue mediaSettings key -> the conversations' mediaType (SDK QueueMediaSettings: call, callback, chat,
# email, message; a session's mediaType is voice for a call).
_SETTINGS_MEDIA = {"call": "voice", "callback": "callback", "chat": "chat", "email": "email", "message": "message"}


def service_level_rows(queues: Iterable[Mapping[str, Any]], synced_at: Any) -> list[dict[str, Any]]:
    """One row per queue and media type whose settings carry a ``serviceLevel`` (last copy of a queue wins)."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for queue in queues:
        queue_id, settings = queue.get("id"), queue.get("mediaSettings") or {}
        if not isinstance(queue_id, str) or not queue_id:
            continue
        for key, media_type in _SETTINGS_MEDIA.items():
            target = (settings.get(key) or {}).get("serviceLevel")
            if target:
                rows[(queue_id, media_type)] = {
                    "queue_id": queue_id,
                    "media_type": media_type,
                    "percentage": target.get("percentage"),
                    "duration_ms": target.get("durationMs"),
                    SYNCED_AT: synced_at,
                }
    return list(rows.values())


def lookup_table(engine: Engine, name: str) -> Table:
    if name not in LOOKUPS_BY_NAME:
        raise ValueError(f"unknown reference table {name!r}; expected one of {', '.join(LOOKUPS_BY_NAME)}")
    return warehouse_table(engine, name)


def replace_snapshot(
    engine: Engine, name: str, entities: Iterable[Mapping[str, Any]], *, allow_empty: bool = False
) -> SnapshotResult:
    """Replace table ``name`` with ``entities`` atomically (the schema must exist: ``Warehouse.ensure_schema``)."""
    table = lookup_table(engine, name)
    entities = list(entities)
    synced_at = datetime.now(UTC)
    rows = entity_rows(entities, synced_at)
    with engine.begin() as conn:
        previous = conn.execute(select(func.count()).select_from(table)).scalar_one()
        if not rows and previous and not allow_empty:
            raise EmptySnapshotError(f"Genesys returned no {name}; keeping the {previous} rows already there")
        conn.execute(delete(table))
        if rows:
            conn.execute(insert(table), rows)
        if name == "queues":
            targets = warehouse_table(engine, QUEUE_SERVICE_LEVELS.name)
            conn.execute(delete(targets))
            if target_rows := service_level_rows(entities, synced_at):
                conn.execute(insert(targets), target_rows)
    return SnapshotResult(name, len(rows), previous)
