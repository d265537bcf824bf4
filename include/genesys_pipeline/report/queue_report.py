"""A day's queue report twice, side by side: from the warehouse's KPI views and from Genesys's stored cells.

Both sides go through the same KPI definitions (genesys_pipeline.warehouse.kpi_views.kpis_sql):
the warehouse's from ``v_queue_interval_metrics``, Genesys's from the partition's
``queue_interval_aggregates`` (the same columns), so any difference is in the cells, which
reconciliation already compares one by one. Used by ``make demo`` to print a small report.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, text

from genesys_pipeline.report.kpi_aggregates import TABLE
from genesys_pipeline.warehouse.engine import qualified_name
from genesys_pipeline.warehouse.kpi_views import kpis_sql

COLUMNS = ("offered", "answered", "abandoned", "over_sla", "asa_ms", "aht_ms", "service_level")
_KEYS = {"queue_id": "c.queue_id", "media_type": "c.media_type"}


def _day_kpis(engine: Engine, cells: str, params: dict[str, str]) -> dict[tuple[str, str], dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(text(kpis_sql(cells, _KEYS)), params)
        return {(r.queue_id or "", r.media_type or ""): dict(r._mapping) for r in rows}


def queue_report(engine: Engine, partition: str) -> list[dict[str, Any]]:
    """One row per queue and media type of the day: each KPI as ``<kpi>`` (warehouse) and ``<kpi>_genesys``."""
    day_start, day_end = f"{partition}T00:00:00.000Z", f"{partition}T23:59:59.999Z"
    ours = _day_kpis(
        engine,
        f"(SELECT * FROM {qualified_name(engine, 'v_queue_interval_metrics')} "
        "WHERE interval_start >= :start AND interval_start <= :end)",
        {"start": day_start, "end": day_end},
    )
    theirs = _day_kpis(
        engine,
        f"(SELECT * FROM {qualified_name(engine, TABLE)} WHERE partition = :partition)",
        {"partition": partition},
    )
    names = _queue_names(engine)
    report = []
    for key in sorted(set(ours) | set(theirs)):
        row: dict[str, Any] = {"queue": names.get(key[0], key[0] or "(none)"), "media_type": key[1]}
        for column in COLUMNS:
            row[column] = (ours.get(key) or {}).get(column)
            row[f"{column}_genesys"] = (theirs.get(key) or {}).get(column)
        report.append(row)
    return report


def _queue_names(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        return {r.id: r.name for r in conn.execute(text(f"SELECT id, name FROM {qualified_name(engine, 'queues')}"))}
