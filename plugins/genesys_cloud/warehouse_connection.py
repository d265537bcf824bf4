"""What the pipeline's operators share at run time: settings, the run's window plan, the warehouse.

``validate_window`` resolves the window and the settings once and returns them as the run's
*plan*; the DAG passes its fields to later tasks instead of each re-reading Variables, so one
run uses one consistent set of values even if someone edits a Variable mid-run (the PII config
is the exception: its salt stays out of XCom, so ``load`` reads it itself).
"""
from __future__ import annotations

from typing import Any, Mapping

from sqlalchemy import Engine

from genesys_pipeline.audit import AuditRecord, write_audit
from genesys_pipeline.connection_url import sqlalchemy_url
from genesys_pipeline.settings import PipelineSettings
from genesys_pipeline.warehouse.engine import create_warehouse_engine

WAREHOUSE_CONN_ID = "genesys_warehouse"

def load_settings() -> PipelineSettings:
    """Settings from Airflow Variables (which also read ``AIRFLOW_VAR_<NAME>`` environment variables)."""
    from airflow.sdk import Variable

    return PipelineSettings.from_lookup(lambda name: Variable.get(name, default=None))


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

