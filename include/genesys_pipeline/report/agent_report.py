"""A small agent-activity summary for ``make demo``: rows per agent table and day, and a KPI sample.

Read from the tables the users DAG loads and from ``v_agent_daily_kpis`` /
``v_agent_interval_kpis`` (definitions in docs/operations.md, "Agent KPIs"), so what the demo
prints is what an analyst would query.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Engine, text

from genesys_pipeline.warehouse.engine import qualified_name

# The per-day agent tables (presence_definitions is a lookup with no day).
DAY_TABLES = ("user_presence_intervals", "user_routing_status_intervals", "user_activity_days")
SAMPLE_COLUMNS = ("logged_in_ms", "on_queue_ms", "interacting_ms", "idle_ms", "occupancy", "utilisation")


def rows_per_day(engine: Engine, days: Iterable[str]) -> dict[str, dict[str, int]]:
    """Table -> UTC day (``YYYY-MM-DD``) -> rows stored under that ``activity_date`` (0 when none)."""
    wanted = list(days)
    counts: dict[str, dict[str, int]] = {}
    with engine.connect() as conn:
        for name in DAY_TABLES:
            query = f"SELECT activity_date, COUNT(*) AS n FROM {qualified_name(engine, name)} GROUP BY activity_date"
            stored = {str(r.activity_date)[:10]: int(r.n) for r in conn.execute(text(query))}
            counts[name] = {day: stored.get(day, 0) for day in wanted}
    return counts


def kpi_sample(engine: Engine, day: str, limit: int = 5) -> list[dict[str, Any]]:
    """The ``limit`` agents logged in longest on ``day``: their daily KPIs and how many half hours they worked."""
    daily = qualified_name(engine, "v_agent_daily_kpis")
    halves = qualified_name(engine, "v_agent_interval_kpis")
    query = f"""
SELECT d.user_id, {", ".join(f"d.{c}" for c in SAMPLE_COLUMNS)},
       (SELECT COUNT(*) FROM {halves} h
        WHERE h.user_id = d.user_id AND h.activity_date = d.activity_date AND h.logged_in_ms > 0)
         AS half_hours_logged_in
FROM {daily} d
WHERE d.activity_date = :day AND d.logged_in_ms > 0
ORDER BY d.logged_in_ms DESC, d.user_id
LIMIT :limit"""
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(text(query), {"day": day, "limit": limit})]
