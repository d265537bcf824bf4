"""Lookup tables (users, queues, wrap-up codes) filled by the reference-data DAG."""

from __future__ import annotations

from genesys_pipeline.tables.spec import SYNCED_AT, TEXT, TS, Column, TableSpec


def _lookup(name: str) -> TableSpec:
    columns = (Column("id", TEXT), Column("name", TEXT), Column("state", TEXT), Column(SYNCED_AT, TS))
    return TableSpec(name, columns, ("id",))


# Lookup tables filled by the reference-data DAG. Created empty here so the category views
# always resolve; the views LEFT JOIN them, so an empty lookup only leaves names NULL.
LOOKUP_TABLES: tuple[TableSpec, ...] = (_lookup("users"), _lookup("queues"), _lookup("wrapup_codes"))
