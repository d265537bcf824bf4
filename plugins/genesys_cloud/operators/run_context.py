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

from genesys_pipeline.audit import AuditRecord, write_audit
from genesys_pipeline.connection_url import sqlalchemy_url
from genesys_pipeline.pii import SECRET_VARIABLE as PII_SECRET_VARIABLE
from genesys_pipeline.pii import PiiConfig
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
# ``execution_timeout`` bounds every try, so no server answer can hold a worker and a pool slot
# indefinitely: 1 h is several times the longest single-call wait (retry budget 15 min, a
# Retry-After or rate-limit reset at most 5 min). Extract, which also pages a whole day, gets
# EXTRACT_EXECUTION_TIMEOUT; wait_for_data, deferred while it waits for the watermark, gets
# WAIT_EXECUTION_TIMEOUT, above genesys_availability_timeout_seconds' 6 h default (see
# docs/operations.md, "Timeouts").
TASK_EXECUTION_TIMEOUT = timedelta(hours=1)
EXTRACT_EXECUTION_TIMEOUT = timedelta(hours=3)
WAIT_EXECUTION_TIMEOUT = timedelta(hours=7)
GENESYS_DEFAULT_ARGS: dict[str, Any] = {
    "owner": "data-platform",
    "retries": 2,
    "retry_delay": timedelta(minutes=1),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=15),
    "execution_timeout": TASK_EXECUTION_TIMEOUT,
}


def load_settings() -> PipelineSettings:
    """Settings from Airflow Variables (which also read ``AIRFLOW_VAR_<NAME>`` environment variables)."""
    from airflow.sdk import Variable

    return PipelineSettings.from_lookup(lambda name: Variable.get(name, default=None))


def load_pii_config(settings: PipelineSettings) -> PiiConfig:
    """The PII config with its hashing key from the secret Variable, masked in every later log line."""
    from airflow.sdk import Variable

    from genesys_cloud.auth import mask

    secret = Variable.get(PII_SECRET_VARIABLE, default=None) or ""
    if secret:
        mask(secret)
    return PiiConfig.from_json(settings.pii_config, salt=secret)


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
    """Insert one ``sync_audit`` row through a short-lived engine (tasks and callbacks are short-lived too)."""
    engine = warehouse_engine(conn_id)
    try:
        write_audit(engine, record)
    finally:
        engine.dispose()


def plan_field(name: str) -> str:
    """A Jinja template for one field of the run's plan (rendered at run time, never at parse time)."""
    return f"{{{{ ti.xcom_pull(task_ids='{PLAN_TASK_ID}')['{name}'] }}}}"
