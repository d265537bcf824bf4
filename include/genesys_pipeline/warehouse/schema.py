"""Warehouse DDL from the table specs: create, migrate additively, record the schema version.

Types per dialect: timestamps and dates are real ``timestamptz``/``date`` on PostgreSQL and
ISO-8601 text on SQLite (which has no such types; the fixed-width text sorts correctly).
JSON lists are text on both so a value reads the same everywhere. Migration only ever adds
columns: a column that disappears from a spec stays in the warehouse with its history.
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (
    BigInteger, Boolean, Column, Connection, Date, Double, Engine, Index, Integer, MetaData, Table, Text, func,
    inspect, select,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.types import TypeEngine

from genesys_pipeline.tables import (
    CONVERSATION_TABLES, LOOKUP_TABLES, SCHEMA_VERSION, STATUS_TABLES, ColumnType, TableSpec,
)
from genesys_pipeline.warehouse.engine import lock_on_postgres, schema_for
from genesys_pipeline.warehouse.views import create_views

VERSION_TABLE = "schema_versions"
SCHEMA_LOCK_KEY = 0x6E6E5358

_TYPES: dict[ColumnType, TypeEngine] = {
    "text": Text(),
    "json": Text(),
    "int": BigInteger(),
    "float": Double(),
    "bool": Boolean(),
    "timestamp": Text().with_variant(postgresql.TIMESTAMP(timezone=True), "postgresql"),
    "date": Text().with_variant(Date(), "postgresql"),
}


def _table(spec: TableSpec, metadata: MetaData) -> Table:
    columns = [Column(c.name, _TYPES[c.type], primary_key=c.name in spec.primary_key) for c in spec.columns]
    table = Table(spec.name, metadata, *columns)
    if "conversation_id" in spec.column_names and spec.primary_key[0] != "conversation_id":
        # replace-by-conversation deletes on conversation_id in every table
        Index(f"ix_{spec.name}_conversation_id", table.c.conversation_id)
    if "conversation_date" in spec.column_names:
        # erasure and freshness read one day's conversations
        Index(f"ix_{spec.name}_conversation_date", table.c.conversation_date)
    if "conversation_end" in spec.column_names:
        # open conversations are looked up every run; only they are in this partial index
        still_open = table.c.conversation_end.is_(None)
        Index(f"ix_{spec.name}_open", table.c.conversation_start, postgresql_where=still_open, sqlite_where=still_open)
    return table


def build_metadata(schema: str | None) -> MetaData:
    metadata = MetaData(schema=schema)
    for spec in (*CONVERSATION_TABLES, *LOOKUP_TABLES, *STATUS_TABLES):
        _table(spec, metadata)
    Table(VERSION_TABLE, metadata, Column("version", Integer, primary_key=True), Column("applied_at", Text))
    return metadata


def _version_table(metadata: MetaData) -> Table:
    return metadata.tables[f"{metadata.schema}.{VERSION_TABLE}" if metadata.schema else VERSION_TABLE]


def ensure_schema(engine: Engine) -> list[str]:
    """Create what is missing, add new columns, record the version; returns the columns added."""
    schema = schema_for(engine)
    metadata = build_metadata(schema)
    with engine.begin() as conn:
        lock_on_postgres(conn, SCHEMA_LOCK_KEY)  # parallel DAG runs may all start here
        if schema:
            conn.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {conn.dialect.identifier_preparer.quote(schema)}")
        metadata.create_all(conn)
        added = _add_missing_columns(conn, metadata)
        _add_missing_indexes(conn, metadata)
        _record_version(conn, _version_table(metadata))
        create_views(conn, schema)
    return added


def _add_missing_columns(conn: Connection, metadata: MetaData) -> list[str]:
    inspector = inspect(conn)
    preparer = conn.dialect.identifier_preparer
    added = []
    for table in metadata.sorted_tables:
        existing = {column["name"] for column in inspector.get_columns(table.name, schema=table.schema)}
        for column in table.columns:
            if column.name in existing:
                continue
            ddl_type = column.type.compile(dialect=conn.dialect)
            conn.exec_driver_sql(
                f"ALTER TABLE {preparer.format_table(table)} ADD COLUMN {preparer.quote(column.name)} {ddl_type}"
            )
            added.append(f"{table.name}.{column.name}")
    return added


def _add_missing_indexes(conn: Connection, metadata: MetaData) -> None:
    """create_all indexes only the tables it creates: a warehouse from an older version gets
    the indexes added since (e.g. the open-conversations partial index) here."""
    for table in metadata.sorted_tables:
        for index in table.indexes:
            index.create(conn, checkfirst=True)


def _record_version(conn: Connection, versions: Table) -> None:
    known = conn.execute(select(versions.c.version).where(versions.c.version == SCHEMA_VERSION)).first()
    if known is None:
        applied = datetime.now(timezone.utc).isoformat()
        conn.execute(versions.insert().values(version=SCHEMA_VERSION, applied_at=applied))


def schema_version(engine: Engine) -> int | None:
    """Highest schema version recorded in the warehouse, None before ensure_schema."""
    versions = _version_table(build_metadata(schema_for(engine)))
    with engine.connect() as conn:
        if not inspect(conn).has_table(VERSION_TABLE, schema=versions.schema):
            return None
        return conn.execute(select(func.max(versions.c.version))).scalar()
