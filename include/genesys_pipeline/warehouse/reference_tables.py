"""Reference tables (``users``, ``queues``, ``wrapup_codes``): Genesys entities -> one current snapshot each.

The table specs live in :data:`genesys_pipeline.tables.LOOKUP_TABLES` (the schema creates them
empty so the category views always resolve). A sync replaces a table's whole content in one
transaction: readers see the old snapshot or the new one, never a half-written mix, and an
entity deleted in Genesys disappears. Users are fetched with ``state=any`` upstream, so agents
who have left still resolve in old conversations.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, Table, delete, func, insert, select

from genesys_pipeline.tables import LOOKUP_TABLES, SYNCED_AT, TableSpec
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


def lookup_table(engine: Engine, name: str) -> Table:
    if name not in LOOKUPS_BY_NAME:
        raise ValueError(f"unknown reference table {name!r}; expected one of {', '.join(LOOKUPS_BY_NAME)}")
    return warehouse_table(engine, name)


def replace_snapshot(
    engine: Engine, name: str, entities: Iterable[Mapping[str, Any]], *, allow_empty: bool = False
) -> SnapshotResult:
    """Replace table ``name`` with ``entities`` atomically (the schema must exist: ``Warehouse.ensure_schema``)."""
    table = lookup_table(engine, name)
    rows = entity_rows(entities, datetime.now(UTC))
    with engine.begin() as conn:
        previous = conn.execute(select(func.count()).select_from(table)).scalar_one()
        if not rows and previous and not allow_empty:
            raise EmptySnapshotError(f"Genesys returned no {name}; keeping the {previous} rows already there")
        conn.execute(delete(table))
        if rows:
            conn.execute(insert(table), rows)
    return SnapshotResult(name, len(rows), previous)
