"""``validate_window``: resolve and check the run's window and settings before anything calls Genesys or writes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from airflow.sdk.exceptions import AirflowFailException, AirflowNotFoundException
from sqlalchemy.exc import ArgumentError

from genesys_cloud.operators.audited import AuditedOperator
from genesys_cloud.variables import load_pii_config, load_settings
from genesys_cloud.warehouse_connection import (
    WAREHOUSE_CONN_ID,
    warehouse_bulk_path,
    warehouse_engine,
    warehouse_normalize_worker,
    warehouse_sqlalchemy_url,
)
from genesys_pipeline.plan.lookback import default_lookback_days, lookback_window
from genesys_pipeline.plan.window import (
    Window,
    WindowError,
    reject_window_params_in_backfill,
    resolve_window,
    validate_window,
)
from genesys_pipeline.settings import PipelineSettings
from genesys_pipeline.warehouse.schema import ensure_schema


def _check_warehouse_connection() -> None:
    """The warehouse connection exists and names a supported dialect, COPY format and normalize
    worker setting (no connection is opened)."""
    try:
        warehouse_sqlalchemy_url()
        warehouse_bulk_path()
        warehouse_normalize_worker()
    except AirflowNotFoundException:
        raise ValueError(f"connection {WAREHOUSE_CONN_ID!r} is not defined") from None
    except ArgumentError:  # its message could quote the URL, password included
        raise ValueError(f"connection {WAREHOUSE_CONN_ID!r}: extra.sqlalchemy_url is not a valid URL") from None
    except ValueError as error:
        raise ValueError(f"connection {WAREHOUSE_CONN_ID!r}: {error}") from None


def _checked_settings() -> PipelineSettings:
    settings = load_settings()
    try:
        load_pii_config(settings)
    except ValueError as error:
        raise ValueError(f"setting genesys_pii_config: {error}") from None
    return settings


def _lookback_days(param: Any, default: int) -> int:
    """The ``lookback_days`` param (a whole number of days), or ``default`` when it is not given."""
    if param is None:
        return default
    try:
        return int(param)
    except (TypeError, ValueError):
        raise ValueError(f"param lookback_days must be a whole number of days (0 or more), got {param!r}") from None


class GenesysWindowOperator(AuditedOperator):
    """Returns the run's plan: the window (from the data interval or the ``interval_start``/``interval_end``
    params) plus the settings later tasks use. Bad input fails at once (no retries): a retry cannot fix it.

    Each field of the plan is also its own XCom (``multiple_outputs``), so the DAG can hand a task
    just the fields it needs (``validate_window.output["partition"]``)."""

    ui_color = "#e8f1fb"

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("multiple_outputs", True)
        super().__init__(**kwargs)

    def execute(self, context: Any) -> dict[str, Any]:
        params = context.get("params") or {}
        dag_run = context["dag_run"]
        try:
            _check_warehouse_connection()
            settings = _checked_settings()
            reject_window_params_in_backfill(dag_run.run_type, params.get("interval_start"), params.get("interval_end"))
            window: Window = resolve_window(
                dag_run.data_interval_start,
                dag_run.data_interval_end,
                params.get("interval_start"),
                params.get("interval_end"),
                run_after=getattr(dag_run, "run_after", None),
            )
            now = datetime.now(UTC)
            validate_window(window, now, settings.window_limits)
            lookback_days = _lookback_days(
                params.get("lookback_days"), default_lookback_days(settings.lookback_days, dag_run.run_type)
            )
            extraction = lookback_window(window, lookback_days, settings.window_limits)
            validate_window(extraction, now, settings.window_limits)
        except WindowError as error:
            raise AirflowFailException(f"Invalid sync window: {error}") from None
        except ValueError as error:
            raise AirflowFailException(f"Invalid pipeline configuration: {error}") from None
        plan = {
            **window.as_dict(),
            "force_extract": bool(params.get("force_extract", False)),
            **settings.as_plan(),
            "lookback_days": lookback_days,
            "extract_interval": extraction.interval,  # the window plus lookback_days before it
        }
        self.log.info("Window %s (partition %s)", plan["interval"], plan["partition"])
        prepare_warehouse(self.log)
        return plan


def prepare_warehouse(log: Any) -> None:
    """Every table created/migrated once per run, before any task writes (here, and in the refresh DAG's
    plan task): schema changes take SQLite's one write lock (and PostgreSQL's schema advisory lock), so
    doing them in every task made overlapping runs queue behind each other's DDL. Later tasks assume
    the tables exist."""
    engine = warehouse_engine()
    try:
        added = ensure_schema(engine)
    finally:
        engine.dispose()
    if added:
        log.info("Warehouse migrated: added columns %s", ", ".join(added))
