"""Reconciliation of agent activity: the warehouse's time in each routing status per user and
UTC day against Genesys's users aggregates (``tAgentRoutingStatus`` by ``userId``).

The warehouse side is recomputed from the stored intervals, clipped to the day (an interval
stored open counts up to the day's end: a complete day has passed it); every interval that
overlaps the day counts, whatever day it is stored under. A cell (user, status) differing by
more than ``tolerance_ms`` makes the day ``incomplete`` (the data is kept); a missing user on
either side is a difference of its whole time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, and_, or_, select

from genesys_pipeline.tables.users import USER_ROUTING_STATUS_INTERVALS
from genesys_pipeline.warehouse.schema import warehouse_table
from genesys_pipeline.warehouse.write.user_activity import as_datetime

Cells = dict[tuple[str, str], int]  # (userId, routingStatus) -> milliseconds
MAX_LISTED = 20


def warehouse_cells(engine: Engine, day_start: datetime, day_end: datetime) -> Cells:
    """Milliseconds per (user, routing status) inside [day_start, day_end), from the stored intervals."""
    table = warehouse_table(engine, USER_ROUTING_STATUS_INTERVALS.name)
    overlapping = and_(table.c.start_time < day_end, or_(table.c.end_time.is_(None), table.c.end_time > day_start))
    query = select(table.c.user_id, table.c.routing_status, table.c.start_time, table.c.end_time).where(overlapping)
    cells: Cells = defaultdict(int)
    with engine.connect() as conn:
        for user_id, status, start, end in conn.execute(query):
            stop = day_end if end is None else min(as_datetime(end), day_end)
            span = stop - max(as_datetime(start), day_start)
            milliseconds = round(span.total_seconds() * 1000)
            if milliseconds > 0:
                cells[(user_id, status)] += milliseconds
    return dict(cells)


def aggregate_cells(results: Iterable[Mapping[str, Any]]) -> Cells:
    """``UserAggregateQueryResponse.results`` -> cells (every bucket of the day summed)."""
    cells: Cells = defaultdict(int)
    for result in results:
        user_id = (result.get("group") or {}).get("userId")
        for bucket in result.get("data") or ():
            for metric in bucket.get("metrics") or ():
                if metric.get("metric") == "tAgentRoutingStatus" and user_id:
                    cells[(user_id, metric.get("qualifier") or "")] += int((metric.get("stats") or {}).get("sum") or 0)
    return {key: value for key, value in cells.items() if value}


def reconcile_user_activity(warehouse: Cells, aggregates: Cells, tolerance_ms: int) -> dict[str, Any]:
    """``match`` when every cell agrees within ``tolerance_ms``, else ``incomplete`` with the cells that differ."""
    differing: list[dict[str, Any]] = []
    largest = 0
    for user_id, status in sorted(set(warehouse) | set(aggregates)):
        ours, theirs = warehouse.get((user_id, status), 0), aggregates.get((user_id, status), 0)
        if abs(theirs - ours) > tolerance_ms:
            largest = max(largest, abs(theirs - ours))
            differing.append(
                {"user_id": user_id, "routing_status": status, "warehouse_ms": ours, "aggregates_ms": theirs}
            )
    users = {user for user, _ in warehouse} | {user for user, _ in aggregates}
    return {
        "status": "incomplete" if differing else "match",
        "check": "user_routing_status_time",
        "cells_compared": len(set(warehouse) | set(aggregates)),
        "users": len(users),
        "cells_differing": len(differing),
        "tolerance_ms": tolerance_ms,
        "differences": differing[:MAX_LISTED],
        "largest_difference_ms": largest,
    }
