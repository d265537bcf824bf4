"""Cell-by-cell reconciliation of the queue report: the warehouse's half-hour cells against Genesys's.

A cell is (half hour, queue, media type, metric) with Genesys's stats. The details side is the
same SQL as ``v_queue_interval_metrics``, narrowed to the window's emit dates (so an index on
``emit_date`` helps and only the day is scanned); the aggregates side is the partition's
``queue_interval_aggregates`` rows. Counts must be equal; ``sum``/``min``/``max`` (milliseconds)
within :data:`ROUNDING_MS`, which only absorbs a real API's float rendering. A cell one side
lacks counts as zeros there, so a dropped results page or a metric put in the wrong half hour
shows as differing cells.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, bindparam, text

from genesys_pipeline.report.kpi_aggregates import KPI_METRICS, STATS
from genesys_pipeline.warehouse.engine import qualified_name
from genesys_pipeline.warehouse.kpi_views import cells_sql, emitted_metrics_sql

ROUNDING_MS = 0.5
_FILTER_SLOT = "1 = 1 /* window */"
MAX_LISTED = 20  # differing cells listed in the report; all are counted
CellKey = tuple[str, str, str, str]  # interval_start, queue_id ("" = none), media_type, metric
Stats = dict[str, float | None]


@dataclass(frozen=True)
class CellDifference:
    key: CellKey
    details: Stats
    aggregates: Stats

    @property
    def largest(self) -> float:
        return max(abs((self.details.get(s) or 0) - (self.aggregates.get(s) or 0)) for s in STATS)

    def as_dict(self) -> dict[str, Any]:
        interval_start, queue_id, media_type, metric = self.key
        return {
            "interval_start": interval_start,
            "queue_id": queue_id,
            "media_type": media_type,
            "metric": metric,
            "details": self.details,
            "aggregates": self.aggregates,
        }


@dataclass(frozen=True)
class CellReconciliation:
    compared: int
    differences: tuple[CellDifference, ...]

    @property
    def differing(self) -> int:
        return len(self.differences)

    @property
    def largest_difference(self) -> float:
        return max((d.largest for d in self.differences), default=0.0)

    def as_dict(self) -> dict[str, Any]:
        """What the audit row keeps: totals, the differing half hours (for the health page), a sample."""
        by_interval = Counter(d.key[0] for d in self.differences)
        return {
            "cells_compared": self.compared,
            "cells_differing": self.differing,
            "largest_difference": self.largest_difference,
            "rounding_ms": ROUNDING_MS,
            "differing_by_interval": dict(sorted(by_interval.items())),
            "differing_cells": [d.as_dict() for d in self.differences[:MAX_LISTED]],
        }


def cell_key(row: Mapping[str, Any]) -> CellKey:
    """A row's cell, either side: a missing queue or media type is "" on both."""
    return (row["interval_start"], row.get("queue_id") or "", row.get("media_type") or "", row["metric"])


def _stats(row: Mapping[str, Any]) -> Stats:
    return {stat: None if row.get(stat) is None else float(row[stat]) for stat in STATS}


def _equal(ours: Stats, theirs: Stats) -> bool:
    if (ours.get("count") or 0) != (theirs.get("count") or 0):
        return False
    return all(abs((ours.get(s) or 0) - (theirs.get(s) or 0)) <= ROUNDING_MS for s in ("sum", "min", "max"))


def compare_cells(details: Iterable[Mapping[str, Any]], aggregates: Iterable[Mapping[str, Any]]) -> CellReconciliation:
    """Every cell either side has; differing ones in key order."""
    ours = {cell_key(row): _stats(row) for row in details}
    theirs = {cell_key(row): _stats(row) for row in aggregates}
    empty: Stats = dict.fromkeys(STATS)
    differences = tuple(
        CellDifference(key, ours.get(key, empty), theirs.get(key, empty))
        for key in sorted(set(ours) | set(theirs))
        if not _equal(ours.get(key, empty), theirs.get(key, empty))
    )
    return CellReconciliation(len(set(ours) | set(theirs)), differences)


def emit_bound(engine: Engine, instant: str) -> Any:
    """A window bound as ``emit_date`` stores it: timestamptz on PostgreSQL, ISO text (…000Z) on SQLite."""
    if engine.dialect.name == "postgresql":
        return datetime.fromisoformat(instant.replace("Z", "+00:00"))
    return instant


def detail_cells(engine: Engine, interval_start: str, interval_end: str) -> list[dict[str, Any]]:
    """The warehouse's cells of the window, for :data:`KPI_METRICS` (bounds: ISO text, as emitted)."""
    names = {name: qualified_name(engine, name) for name in ("segments", "sessions", "participants", "session_metrics")}
    # The bucket SQL has literal colons (':00.000Z', 'HH24:MI'): escaped for text(), then the bound filter added.
    source = emitted_metrics_sql(engine.dialect.name, names, _FILTER_SLOT).replace(":", r"\:")
    source = source.replace(_FILTER_SLOT, "m.emit_date >= :start AND m.emit_date < :end AND m.name IN :names")
    query = text(cells_sql(source, ("interval_start", "queue_id", "media_type"))).bindparams(
        bindparam("names", expanding=True)
    )
    params = {
        "start": emit_bound(engine, interval_start),
        "end": emit_bound(engine, interval_end),
        "names": list(KPI_METRICS),
    }
    with engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(query, params)]


def reconcile_cells(
    engine: Engine, interval_start: str, interval_end: str, aggregate_cells: Iterable[Mapping[str, Any]]
) -> CellReconciliation:
    return compare_cells(detail_cells(engine, interval_start, interval_end), aggregate_cells)
