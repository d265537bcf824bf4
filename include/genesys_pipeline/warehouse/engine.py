"""Warehouse engines from a URL: the dialects we support and the connection settings they need.

PostgreSQL always goes through psycopg 3 (the COPY fast path needs it), whatever driver the
URL names. SQLite gets real transactions: pysqlite's legacy mode would start them lazily
(after DDL and reads), so the engine emits the ``BEGIN`` itself (SQLAlchemy's "pysqlite
serializable" recipe), plus WAL. The ``BEGIN`` is ``IMMEDIATE``: every transaction takes the
write lock up front and waits up to ``SQLITE_BUSY_TIMEOUT_S`` for it. A deferred transaction
that reads and then writes cannot wait (SQLite answers "database is locked" at once when another
writer committed since its read), which is how two overlapping runs used to fail each other.
"""

from __future__ import annotations

import sqlite3
import time
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url

SUPPORTED_SCHEMES = ("sqlite", "postgresql")
WAREHOUSE_SCHEMA = "genesys"  # used where the dialect has schemas
# How long a SQLite writer waits for another run's transaction (a whole day's load) to commit.
SQLITE_BUSY_TIMEOUT_S = 600


def warehouse_url(url: str | URL) -> URL:
    """Parse and normalize a warehouse URL; ValueError names an unsupported scheme."""
    parsed = make_url(url) if isinstance(url, str) else url
    backend = parsed.get_backend_name()
    if backend in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg")
    if backend == "sqlite":
        return parsed.set(drivername="sqlite")
    raise ValueError(
        f"unsupported warehouse URL scheme {parsed.drivername!r}; supported: {', '.join(SUPPORTED_SCHEMES)} "
        "(e.g. sqlite:///path/warehouse.db or postgresql://user@host/db)"
    )


def schema_for(engine: Engine) -> str | None:
    return WAREHOUSE_SCHEMA if engine.dialect.name == "postgresql" else None


def qualified_name(engine: Engine, table: str) -> str:
    """The table's quoted, schema-qualified name, for hand-written SQL."""
    quote = engine.dialect.identifier_preparer.quote_identifier
    schema = schema_for(engine)
    return f"{quote(schema)}.{quote(table)}" if schema else quote(table)


def create_warehouse_engine(url: str | URL) -> Engine:
    # hide_parameters: an error's text must never carry record values (names, phone numbers).
    parsed = warehouse_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(
            parsed, pool_pre_ping=True, hide_parameters=True, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S}
        )
        _enable_sqlite_transactions(engine)
        return engine
    return create_engine(parsed, pool_pre_ping=True, hide_parameters=True)


def lock_on_postgres(conn: Connection, key: int) -> None:
    """Hold a transaction-scoped advisory lock: concurrent holders of ``key`` run one at a time.
    SQLite needs none (one writer at a time by design)."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SELECT pg_advisory_xact_lock(%s)", (key,))


def _switch_to_wal(cursor: Any) -> None:
    """WAL is stored in the file, so only the first connection of a new file switches it. The
    switch needs the file to itself and SQLite answers "locked" at once, without its busy
    handler, while another process is mid-transaction: retry until the busy timeout."""
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_S
    while True:
        try:
            if cursor.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _enable_sqlite_transactions(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        busy_ms = SQLITE_BUSY_TIMEOUT_S * 1000
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        _switch_to_wal(cursor)
        for pragma in ("synchronous=NORMAL", "foreign_keys=OFF"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
