"""Warehouse DDL from the table specs: create, migrate additively, record the schema version.

:func:`ensure_schema` is the one path that creates and migrates every table of
:data:`genesys_pipeline.tables.WAREHOUSE_TABLES`; :func:`warehouse_table` gives the code that
reads and writes them the same SQLAlchemy tables.

Types per dialect: timestamps and dates are real ``timestamptz``/``date`` on PostgreSQL and
ISO-8601 text on SQLite (which has no such types; the fixed-width text sorts correctly). A
timestamp column takes either ISO text or an aware ``datetime`` on both dialects.
JSON lists are text on both so a value reads the same everywhere. Migration only ever adds
columns: a column that disappears from a spec stays in the warehouse with its history.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    Date,
    Double,
    Engine,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    func,
    inspect,
    select,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

from genesys_pipeline.tables import SCHEMA_VERSION, WAREHOUSE_TABLES, ColumnType, TableSpec
from genesys_pipeline.warehouse.engine import lock_on_postgres, schema_for
from genesys_pipeline.warehouse.views import create_views

VERSION_TABLE = "schema_versions"
SCHEMA_LOCK_KEY = 0x6E6E5358

ISO_UTC = "%Y-%m-%dT%H:%M:%S.%fZ"  # fixed width, so text order is time order


class UtcTimestamp(TypeDecorator):
    """``timestamptz`` on PostgreSQL, ISO-8601 UTC text on SQLite; binds ``datetime`` or ISO text on both."""

    impl = Text
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.TIMESTAMP(timezone=True))
        return dialect.type_descriptor(Text())

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if isinstance(value, datetime) and dialect.name != "postgresql":
            return value.astimezone(UTC).strftime(ISO_UTC)
        return value


_TYPES: dict[ColumnType, TypeEngine] = {
    "text": Text(),
    "json": Text(),
    "int": BigInteger(),
    "float": Double(),
    "bool": Boolean(),
    "timestamp": UtcTimestamp(),
    "date": Text().with_variant(Date(), "postgresql"),
    "serial": BigInteger().with_variant(Integer(), "sqlite"),  # SQLite autoincrements INTEGER keys only
}


def _column(spec: TableSpec, name: str, type_: ColumnType, nullable: bool) -> Column:
    key = name in spec.primary_key
    return Column(name, _TYPES[type_], primary_key=key, nullable=nullable or key, autoincrement=type_ == "serial")


def _table(spec: TableSpec, metadata: MetaData) -> Table:
    columns = [_column(spec, c.name, c.type, c.nullable) for c in spec.columns]
    table = Table(spec.name, metadata, *columns)
    for name in spec.indexes:
        Index(f"ix_{spec.name}_{name}", table.c[name])
    if "conversation_id" in spec.column_names and spec.primary_key and spec.primary_key[0] != "conversation_id":
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


@lru_cache(maxsize=8)
def build_metadata(schema: str | None) -> MetaData:
    """Every warehouse table (and the version table) in ``schema``; cached, so treat it as read-only."""
    metadata = MetaData(schema=schema)
    for spec in WAREHOUSE_TABLES:
        _table(spec, metadata)
    Table(VERSION_TABLE, metadata, Column("version", Integer, primary_key=True), Column("applied_at", Text))
    return metadata


def warehouse_table(engine: Engine, name: str) -> Table:
    """The SQLAlchemy table of spec ``name`` in the engine's warehouse schema."""
    metadata = build_metadata(schema_for(engine))
    table = metadata.tables.get(f"{metadata.schema}.{name}" if metadata.schema else name)
    if table is None:
        raise ValueError(f"unknown warehouse table {name!r}")
    return table


def _version_table(metadata: MetaData) -> Table:
    return metadata.tables[f"{metadata.schema}.{VERSION_TABLE}" if metadata.schema else VERSION_TABLE]


def ensure_schema(engine: Engine, only: Collection[str] | None = None) -> list[str]:
    """Create every missing table, add new columns, record the version, (re)create the views; returns
    the columns added. Idempotent and cheap, so every writer calls it first.

    ``only`` limits it to the named tables (no views, no version record): the audit row of a run
    that failed validation must not create the data tables.
    """
    schema = schema_for(engine)
    metadata = build_metadata(schema)
    tables = [t for t in metadata.sorted_tables if only is None or t.name in only]
    if only is not None and len(tables) != len(set(only)):
        raise ValueError(f"unknown warehouse table(s) among {sorted(only)}")
    with engine.begin() as conn:
        lock_on_postgres(conn, SCHEMA_LOCK_KEY)  # parallel DAG runs may all start here
        if schema:
            conn.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {conn.dialect.identifier_preparer.quote(schema)}")
        metadata.create_all(conn, tables=tables)
        added = _add_missing_columns(conn, tables)
        _add_missing_indexes(conn, tables)
        if only is None:
            _record_version(conn, _version_table(metadata))
            create_views(conn, schema)
    return added


def _add_missing_columns(conn: Connection, tables: Iterable[Table]) -> list[str]:
    inspector = inspect(conn)
    preparer = conn.dialect.identifier_preparer
    added = []
    for table in tables:
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


def _add_missing_indexes(conn: Connection, tables: list[Table]) -> None:
    """create_all indexes only the tables it creates: a warehouse from an older version gets
    the indexes added since (e.g. the open-conversations partial index) here."""
    for table in tables:
        for index in table.indexes:
            index.create(conn, checkfirst=True)


def _record_version(conn: Connection, versions: Table) -> None:
    known = conn.execute(select(versions.c.version).where(versions.c.version == SCHEMA_VERSION)).first()
    if known is None:
        applied = datetime.now(UTC).isoformat()
        conn.execute(versions.insert().values(version=SCHEMA_VERSION, applied_at=applied))


def schema_version(engine: Engine) -> int | None:
    """Highest schema version recorded in the warehouse, None before ensure_schema."""
    versions = _version_table(build_metadata(schema_for(engine)))
    with engine.connect() as conn:
        if not inspect(conn).has_table(VERSION_TABLE, schema=versions.schema):
            return None
        return conn.execute(select(func.max(versions.c.version))).scalar()
