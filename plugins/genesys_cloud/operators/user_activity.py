"""The agent-activity tasks of ``genesys_user_activity_daily``: presence definitions, load and
reconcile. Extraction is the generic details-job operator with ``dataset="users"``; audit and
notify are the conversation DAG's own operators.

``load`` works from staging only (a rerun costs no Genesys call), like the conversation load;
``reconcile`` asks the users aggregates for the synced day and compares per user and routing
status (``genesys_pipeline.report.user_reconcile``).
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as dt_time
from functools import cached_property
from typing import Any

from sqlalchemy import delete, insert

from genesys_cloud.hook import GenesysCloudHook
from genesys_cloud.operators.audited import AuditedOperator
from genesys_cloud.operators.load import staged_extraction
from genesys_cloud.warehouse_connection import WAREHOUSE_CONN_ID, open_warehouse, warehouse_sqlalchemy_url
from genesys_pipeline.normalize.user_details import normalize_user_pages
from genesys_pipeline.plan.window import Window
from genesys_pipeline.report.user_reconcile import aggregate_cells, reconcile_user_activity, warehouse_cells
from genesys_pipeline.tables import SYNCED_AT
from genesys_pipeline.tables.users import PRESENCE_DEFINITIONS
from genesys_pipeline.warehouse.schema import warehouse_table
from genesys_pipeline.warehouse.write.user_activity import load_user_activity

PRESENCE_DEFINITIONS_PATH = "/api/v2/presence/definitions"
USERS_AGGREGATES_PATH = "/api/v2/analytics/users/aggregates/query"
DEFAULT_TOLERANCE_MS = 1000  # per user and status: a second of rounding between two clocks


def whole_days(interval: str) -> list[date]:
    """The UTC days ``interval`` covers entirely: the user-days a load may replace."""
    window = Window.from_interval(interval)
    day = window.start.date()
    if datetime.combine(day, dt_time.min, UTC) < window.start:
        day += timedelta(days=1)
    days = []
    while datetime.combine(day, dt_time.min, UTC) + timedelta(days=1) <= window.end:
        days.append(day)
        day += timedelta(days=1)
    return days


class _GenesysTask(AuditedOperator):
    def __init__(
        self, *, genesys_conn_id: str = "genesys_cloud_default", warehouse_conn_id: str = WAREHOUSE_CONN_ID, **kwargs
    ) -> None:
        super().__init__(**kwargs)
        self.genesys_conn_id = genesys_conn_id
        self.warehouse_conn_id = warehouse_conn_id

    @cached_property
    def hook(self) -> GenesysCloudHook:
        return GenesysCloudHook(genesys_conn_id=self.genesys_conn_id, dataset="users")


class GenesysPresenceDefinitionsOperator(_GenesysTask):
    """Replaces ``presence_definitions`` with the org's current definitions (one request)."""

    def execute(self, context: Any) -> dict[str, Any]:
        entities = self.hook.client.request("GET", PRESENCE_DEFINITIONS_PATH).data.get("entities") or []
        synced = datetime.now(UTC)
        rows = [
            {
                "id": e["id"],
                "name": e.get("name"),
                "type": e.get("type"),
                "system_presence": e.get("systemPresence"),
                "division_id": e.get("divisionId"),
                "deactivated": e.get("deactivated"),
                SYNCED_AT: synced,
            }
            for e in entities
            if e.get("id")
        ]
        warehouse = open_warehouse(self.warehouse_conn_id, warehouse_sqlalchemy_url(self.warehouse_conn_id))
        try:
            table = warehouse_table(warehouse.engine, PRESENCE_DEFINITIONS.name)
            with warehouse.engine.begin() as conn:
                conn.execute(delete(table))
                if rows:
                    conn.execute(insert(table), rows)
        finally:
            warehouse.dispose()
        return {"presence_definitions": len(rows), "api": self.hook.stats.as_dict()}


class GenesysUserActivityLoadOperator(AuditedOperator):
    """Staged users details -> user-days merged into the interval tables (``write/user_activity``)."""

    template_fields = (*AuditedOperator.template_fields, "extraction")
    ui_color = "#eef6ee"

    def __init__(self, *, extraction: Any, warehouse_conn_id: str = WAREHOUSE_CONN_ID, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.extraction = extraction
        self.warehouse_conn_id = warehouse_conn_id

    def execute(self, context: Any) -> dict[str, Any]:
        started = time.monotonic()
        staging, manifest = staged_extraction(self.extraction)
        if not manifest.extracted_at:
            raise ValueError(f"extraction {manifest.partition}/{manifest.query_hash} has no extracted_at")
        result = normalize_user_pages(staging.iter_pages(manifest), manifest.extracted_at, context["run_id"])
        warehouse = open_warehouse(self.warehouse_conn_id, warehouse_sqlalchemy_url(self.warehouse_conn_id))
        try:
            report = load_user_activity(
                warehouse.engine,
                warehouse.writer,
                result,
                whole_days(manifest.query["interval"]),
                manifest.extracted_at,
                context["run_id"],
            )
        finally:
            warehouse.dispose()
        self.log.info(
            "Loaded %d users: %d user-days new, %d changed, %d unchanged, %d skipped as older; %d rejected records",
            report.users,
            report.user_days_new,
            report.user_days_changed,
            report.user_days_unchanged,
            report.user_days_skipped_older,
            result.rejected,
        )
        # sync_audit's columns are the conversation pipeline's: in this DAG's rows they count users and user-days
        return {
            **report.as_dict(),
            "conversations_loaded": report.user_days_new + report.user_days_changed + report.user_days_unchanged,
            "conversations_new": report.user_days_new,
            "conversations_changed": report.user_days_changed,
            "conversations_unchanged": report.user_days_unchanged,
            "conversations_skipped_older": report.user_days_skipped_older,
            "conversations_rejected": result.rejected,
            "intervals": result.intervals,
            "drift": result.drift,
            "seconds": round(time.monotonic() - started, 3),
        }


class GenesysUserActivityReconcileOperator(_GenesysTask):
    """Users aggregates of the synced day against the warehouse: ``match`` or ``incomplete``."""

    template_fields = (*AuditedOperator.template_fields, "interval_start", "interval_end")

    def __init__(
        self, *, interval_start: Any, interval_end: Any, tolerance_ms: int = DEFAULT_TOLERANCE_MS, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.interval_start = interval_start
        self.interval_end = interval_end
        self.tolerance_ms = tolerance_ms

    def execute(self, context: Any) -> dict[str, Any]:
        window = Window.from_interval(f"{self.interval_start}/{self.interval_end}")
        body = {
            "interval": f"{self.interval_start}/{self.interval_end}",
            "groupBy": ["userId"],
            "metrics": ["tAgentRoutingStatus"],
        }
        response = self.hook.client.request("POST", USERS_AGGREGATES_PATH, json=body).data or {}
        warehouse = open_warehouse(self.warehouse_conn_id, warehouse_sqlalchemy_url(self.warehouse_conn_id))
        try:
            ours = warehouse_cells(warehouse.engine, window.start, window.end)
        finally:
            warehouse.dispose()
        result = reconcile_user_activity(ours, aggregate_cells(response.get("results") or []), self.tolerance_ms)
        self.log.info(
            "Reconciliation %s: %d of %d user x status cells differ (tolerance %d ms)",
            result["status"],
            result["cells_differing"],
            result["cells_compared"],
            self.tolerance_ms,
        )
        return {**result, "api": self.hook.stats.as_dict()}
