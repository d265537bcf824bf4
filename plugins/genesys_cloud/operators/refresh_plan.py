"""``plan_days``: the refresh run's plan, one entry per UTC day to re-extract.

Each entry has the fields of the daily run's plan (``validate_window``) that ``extract``,
``load`` and ``audit`` read, so the refresh DAG maps the daily operators over the days as they
are; the day's plan (and extraction) are also the mapped tasks' ``audit_inputs``. Every day is
re-extracted from Genesys (``force_extract``): a cached extraction would defeat the purpose, and
only a fresh complete extraction may drive erasure.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from airflow.sdk.exceptions import AirflowFailException

from genesys_cloud.hook import GenesysCloudHook
from genesys_cloud.operators.audited import AuditedOperator
from genesys_cloud.operators.validate_window import _check_warehouse_connection, _checked_settings, prepare_warehouse
from genesys_pipeline.plan.refresh import refresh_windows, requested_days
from genesys_pipeline.plan.window import WindowError, format_instant


class GenesysRefreshPlanOperator(AuditedOperator):
    """Returns the list of per-day plans: the ``first_day``..``last_day`` params of a manual run, else
    the ``genesys_refresh_days`` days before the logical date; days past the watermark are left out."""

    ui_color = "#e8f1fb"

    def __init__(self, *, genesys_conn_id: str = GenesysCloudHook.default_conn_name, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.genesys_conn_id = genesys_conn_id

    @cached_property
    def hook(self) -> GenesysCloudHook:
        return GenesysCloudHook(genesys_conn_id=self.genesys_conn_id)

    def execute(self, context: Any) -> list[dict[str, Any]]:
        params = context.get("params") or {}
        try:
            _check_warehouse_connection()
            settings = _checked_settings()
            days = requested_days(
                context["logical_date"], settings.refresh_days, params.get("first_day"), params.get("last_day")
            )
        except WindowError as error:
            raise AirflowFailException(f"Invalid refresh range: {error}") from None
        except ValueError as error:
            raise AirflowFailException(f"Invalid pipeline configuration: {error}") from None
        watermark = self.hook.get_data_availability()
        try:
            windows = refresh_windows(days, watermark, datetime.now(UTC), settings.window_limits)
        except WindowError as error:
            raise AirflowFailException(f"Invalid refresh range: {error}") from None
        skipped = len(days) - len(windows)
        self.log.info(
            "Refreshing %d days %s..%s (%d past the watermark %s left out)",
            len(windows),
            windows[0].partition if windows else "-",
            windows[-1].partition if windows else "-",
            skipped,
            format_instant(watermark),
        )
        prepare_warehouse(self.log)
        common = {
            **settings.as_plan(),
            "force_extract": True,
            "lookback_days": 0,
            "data_available_until": format_instant(watermark),
        }
        return [{**window.as_dict(), **common, "extract_interval": window.interval} for window in windows]


def extract_kwargs(plan: dict[str, Any]) -> dict[str, Any]:
    """One day's plan as the ``extract`` operator's arguments (for ``expand_kwargs``); the plan is its
    ``audit_inputs`` too, so a failed try's row names the day."""
    return {
        "interval": plan["extract_interval"],
        "partition": plan["partition"],
        "staging_root": plan["staging_root"],
        "cache_ttl_seconds": plan["cache_ttl_seconds"],
        "force_extract": plan["force_extract"],
        "poll_interval": plan["poll_interval_seconds"],
        "max_job_results": plan["max_job_results"],
        "audit_inputs": {"plan": plan},
    }


def load_kwargs(day: tuple[dict[str, Any], dict[str, Any]]) -> dict[str, Any]:
    """One day's (plan, extraction) as the ``load`` operator's arguments: the watermark the plan was cut
    at makes the day's extraction complete, so the load erases what it no longer returns."""
    plan, extraction = day
    return {
        "extraction": extraction,
        "data_available_until": plan["data_available_until"],
        "audit_inputs": {"plan": plan, "extraction": extraction},
    }


def audit_kwargs(day: tuple[dict[str, Any], dict[str, Any], dict[str, Any]]) -> dict[str, Any]:
    """One day's (plan, extraction, load) as the ``audit`` operator's arguments."""
    plan, extraction, load = day
    return {"plan": plan, "extraction": extraction, "load": load}
