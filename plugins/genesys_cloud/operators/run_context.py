"""What the pipeline's operators share at run time: settings, the run's window plan, the warehouse.

``validate_window`` resolves the window and the settings once and returns them as the run's
*plan*; later tasks read that XCom instead of re-reading Variables, so one run uses one
consistent set of values even if someone edits a Variable mid-run (the PII config is the
exception: its salt stays out of XCom, so ``load`` reads it itself).
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any, Mapping

from sqlalchemy import Engine

from genesys_pipeline.audit import AuditRecord, write_audit_reliably
from genesys_pipeline.connection_url import sqlalchemy_url
from genesys_pipeline.settings import PipelineSettings
from genesys_pipeline.warehouse.engine import create_warehouse_engine

# Task ids are part of the contract between the DAG and the operators that read each other's XComs.
PLAN_TASK_ID = "validate_window"
EXTRACT_TASK_ID = "extract"
LOAD_TASK_ID = "load"
AUDIT_TASK_ID = "audit"
WAREHOUSE_CONN_ID = "genesys_warehouse"

# The retry policy both Genesys DAGs give their tasks (``default_args``): transient trouble
# (an API outage, a warehouse restart) gets a few minutes to clear before a try is spent.
GENESYS_DEFAULT_ARGS: dict[str, Any] = {
    "owner": "data-platform",
    "retries": 2,
    "retry_delay": timedelta(minutes=1),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=15),
}


def load_settings() -> PipelineSettings:
    """Settings from Airflow Variables (which also read ``AIRFLOW_VAR_<NAME>`` environment variables)."""
    from genesys_cloud.operators.plain_variables import plain_variable

    return PipelineSettings.from_lookup(plain_variable)


def run_plan(context: Mapping[str, Any]) -> dict[str, Any]:
    """The plan ``validate_window`` returned for this run; empty when that task has not succeeded."""
    return context["ti"].xcom_pull(task_ids=PLAN_TASK_ID) or {}


def warehouse_url(conn_id: str = WAREHOUSE_CONN_ID) -> str:
    """SQLAlchemy URL of the warehouse connection (rules in genesys_pipeline.connection_url)."""
    from airflow.sdk import BaseHook

    conn = BaseHook.get_connection(conn_id)
    url = sqlalchemy_url(
        conn.conn_type,
        host=conn.host,
        port=conn.port,
        login=conn.login,
        password=conn.password,
        schema=conn.schema,
        extra=conn.extra_dejson,
    )
    return url.render_as_string(hide_password=False)


def warehouse_engine(conn_id: str = WAREHOUSE_CONN_ID) -> Engine:
    """A warehouse engine for the connection; the caller disposes of it."""
    return create_warehouse_engine(warehouse_url(conn_id))


def write_audit_row(record: AuditRecord, conn_id: str = WAREHOUSE_CONN_ID) -> None:
    """Insert one ``sync_audit`` row through short-lived engines (tasks and callbacks are short-lived too),
    retried; a row that cannot be written is logged whole, as an error."""
    write_audit_reliably(lambda: warehouse_engine(conn_id), record)


def plan_field(name: str) -> str:
    """A Jinja template for one field of the run's plan (rendered at run time, never at parse time)."""
    return f"{{{{ ti.xcom_pull(task_ids='{PLAN_TASK_ID}')['{name}'] }}}}"
