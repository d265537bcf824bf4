"""Create and migrate every table a daily run writes, once per run, before any task writes.

Schema changes take SQLite's one write lock (and PostgreSQL's schema advisory lock), so doing
them in every task made overlapping runs queue behind each other's DDL; doing them once, in the
run's first warehouse-facing task, lets the later tasks assume the tables exist.
"""
from __future__ import annotations

from sqlalchemy import Engine

from genesys_pipeline.aggregates import ensure_aggregates_table
from genesys_pipeline.audit import ensure_audit_table
from genesys_pipeline.warehouse.schema import ensure_schema


def prepare_warehouse(engine: Engine) -> list[str]:
    """Conversation and lookup tables, views, ``sync_audit``, ``conversation_aggregates``; returns the
    columns a migration added (``table.column``)."""
    added = ensure_schema(engine)
    ensure_audit_table(engine)
    ensure_aggregates_table(engine)
    return added
