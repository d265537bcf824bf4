"""Reconciliation: do the loaded conversation details add up to what Genesys's aggregates report?

Both sides count the same thing, so an exact day matches exactly:

* ``conversations`` per media type: conversations with at least one of the aggregate metrics
  (:data:`genesys_pipeline.report.aggregates.METRICS`) emitted inside the window, by the media type of
  the emitting session (aggregates side: the census query);
* ``offered`` / ``connected`` per queue: the sum of ``nOffered`` / ``nConnected`` emitted inside
  the window, by the session's queue (aggregates side: the ``conversation_aggregates`` rows);
* every half-hour cell of the queue report (genesys_pipeline.report.kpi_reconcile), when the
  partition's ``queue_interval_aggregates`` are given: any differing cell makes it ``incomplete``.

Aggregates bucket by ``emitDate`` whatever the conversation's start, so the details side looks
at metrics by ``emit_date`` across the whole warehouse, not only at rows this run loaded (a
conversation that started the day before and was loaded then still counts).
A positive delta means the details miss something the aggregates saw.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import Engine, bindparam, text

from genesys_pipeline.report.aggregates import METRICS
from genesys_pipeline.report.kpi_reconcile import CellReconciliation, emit_bound, reconcile_cells
from genesys_pipeline.warehouse.engine import qualified_name

Status = Literal["match", "within_tolerance", "incomplete"]
QUEUE_METRICS = {"nOffered": "offered", "nConnected": "connected"}
CONVERSATIONS_CHECK = "conversations"
NO_KEY = ""  # sessions without a media type or a queue


@dataclass(frozen=True)
class Difference:
    check: str
    key: str
    details: int
    aggregates: int

    @property
    def delta(self) -> int:
        return self.aggregates - self.details

    def as_dict(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "key": self.key,
            "details": self.details,
            "aggregates": self.aggregates,
            "delta": self.delta,
        }


@dataclass(frozen=True)
class Reconciliation:
    tolerance: float
    differences: tuple[Difference, ...]
    compared: dict[str, int] = field(default_factory=dict)  # check -> keys compared
    cells: CellReconciliation | None = None  # the queue report's half-hour cells, when they were fetched

    def beyond_tolerance(self, difference: Difference) -> bool:
        allowed = self.tolerance * max(abs(difference.aggregates), abs(difference.details))
        return abs(difference.delta) > allowed

    @property
    def status(self) -> Status:
        cells_differ = self.cells is not None and self.cells.differing > 0
        if not self.differences and not cells_differ:
            return "match"
        # For the half-hour cells the tolerance is the share of cells allowed to differ.
        cells_beyond = (
            cells_differ and self.cells is not None and self.cells.differing > self.tolerance * self.cells.compared
        )
        if cells_beyond or any(map(self.beyond_tolerance, self.differences)):
            return "incomplete"
        return "within_tolerance"

    @property
    def incomplete(self) -> bool:
        return self.status == "incomplete"

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "tolerance": self.tolerance,
            "compared": dict(self.compared),
            "mismatches": [d.as_dict() for d in self.differences],
            "conversations_delta": sum(d.delta for d in self.differences if d.check == CONVERSATIONS_CHECK),
            **({"cells": self.cells.as_dict()} if self.cells is not None else {}),
        }


def parse_tolerance(raw: str | float | None) -> float:
    """Relative tolerance per compared key (0.001 = 0.1 %); unset means exact."""
    if raw is None or str(raw).strip() == "":
        return 0.0
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"setting genesys_reconcile_tolerance must be a number, got {raw!r}") from None
    if not 0 <= value < 1:
        raise ValueError(f"setting genesys_reconcile_tolerance must be in [0, 1), got {value}")
    return value


def compare(
    details: Mapping[str, Mapping[str, int]], aggregates: Mapping[str, Mapping[str, int]], tolerance: float = 0.0
) -> Reconciliation:
    """Every (check, key) whose counts differ; a key one side lacks counts as zero there."""
    differences = []
    compared = {}
    for check in sorted(set(details) | set(aggregates)):
        ours, theirs = details.get(check, {}), aggregates.get(check, {})
        keys = sorted(set(ours) | set(theirs))
        compared[check] = len(keys)
        for key in keys:
            if ours.get(key, 0) != theirs.get(key, 0):
                differences.append(Difference(check, key, int(ours.get(key, 0)), int(theirs.get(key, 0))))
    return Reconciliation(tolerance, tuple(differences), compared)


def aggregate_counts(rows: Iterable[Mapping[str, Any]], census: Mapping[str, int]) -> dict[str, dict[str, int]]:
    """The aggregates side: census counts plus ``nOffered``/``nConnected`` per queue from the facet rows."""
    counts: dict[str, dict[str, int]] = {CONVERSATIONS_CHECK: dict(census)}
    per_queue: dict[str, dict[str, int]] = {check: defaultdict(int) for check in QUEUE_METRICS.values()}
    for row in rows:
        check = QUEUE_METRICS.get(row["metric"])
        if check is not None and row.get("count"):
            per_queue[check][row.get("queue_id") or NO_KEY] += int(row["count"])
    counts.update({check: dict(values) for check, values in per_queue.items()})
    return counts


def detail_counts(engine: Engine, interval_start: str, interval_end: str) -> dict[str, dict[str, int]]:
    """The details side, computed in the warehouse from ``session_metrics``, ``sessions`` and ``segments``."""
    metrics, sessions, segments = (qualified_name(engine, name) for name in ("session_metrics", "sessions", "segments"))
    window = "m.emit_date >= :start AND m.emit_date < :end AND m.name IN :names"
    conversations_sql = text(
        f"SELECT s.media_type, COUNT(DISTINCT m.conversation_id) FROM {metrics} m "
        f"JOIN {sessions} s ON s.session_id = m.session_id WHERE {window} GROUP BY s.media_type"
    ).bindparams(bindparam("names", expanding=True))
    queues_sql = text(
        f"SELECT q.queue_id, q.name, SUM(q.value) FROM (SELECT m.name, m.value, "
        f"(SELECT MIN(x.queue_id) FROM {segments} x WHERE x.session_id = m.session_id) AS queue_id "
        f"FROM {metrics} m WHERE {window}) q GROUP BY q.queue_id, q.name"
    ).bindparams(bindparam("names", expanding=True))
    bounds = {"start": emit_bound(engine, interval_start), "end": emit_bound(engine, interval_end)}
    counts: dict[str, dict[str, int]] = {CONVERSATIONS_CHECK: {}, **{check: {} for check in QUEUE_METRICS.values()}}
    with engine.connect() as conn:
        for media_type, conversations in conn.execute(conversations_sql, {**bounds, "names": list(METRICS)}):
            counts[CONVERSATIONS_CHECK][media_type or NO_KEY] = int(conversations)
        for queue_id, name, total in conn.execute(queues_sql, {**bounds, "names": list(QUEUE_METRICS)}):
            counts[QUEUE_METRICS[name]][queue_id or NO_KEY] = int(total or 0)
    return counts


def reconcile(
    engine: Engine,
    interval_start: str,
    interval_end: str,
    aggregate_rows: Iterable[Mapping[str, Any]],
    census: Mapping[str, int],
    tolerance: float = 0.0,
    kpi_cells: Iterable[Mapping[str, Any]] | None = None,
) -> Reconciliation:
    """The three counts, and, given Genesys's half-hour cells (``kpi_cells``), every cell of the queue report."""
    result = compare(
        detail_counts(engine, interval_start, interval_end), aggregate_counts(aggregate_rows, census), tolerance
    )
    if kpi_cells is None:
        return result
    cells = reconcile_cells(engine, interval_start, interval_end, kpi_cells)
    return Reconciliation(result.tolerance, result.differences, result.compared, cells)
