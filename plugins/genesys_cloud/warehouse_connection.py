"""The warehouse Airflow connection -> a SQLAlchemy ``URL`` object, through the provider hooks.

The plugin edge is the only place that reads the connection: ``postgres`` connections go
through ``PostgresHook.sqlalchemy_url`` and ``sqlite`` ones through ``SqliteHook``, as the
common-sql providers define them; ``extra.sqlalchemy_url`` (any supported dialect) wins over
both. The Airflow-free warehouse code gets the ``URL`` object, never a string with the
password in it, and applies the one driver rule (``genesys_pipeline.warehouse.engine.warehouse_url``).

``extra.copy_format`` picks PostgreSQL's COPY format: ``text`` (default) or ``binary`` (less
CPU in the database, more in the worker: worth it where PostgreSQL has cores of its own).
``extra.normalize_worker`` (``true`` by default): a PostgreSQL text-COPY load normalizes in a
child process of its own (faster where the worker has a second core; ~70-110 MB more memory
while it runs); ``false`` keeps it in the task's process.
"""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.engine import URL, make_url

from genesys_pipeline.warehouse.engine import create_warehouse_engine, warehouse_url
from genesys_pipeline.warehouse.warehouse import WORKER_MIN_PAGES, BulkPath, Warehouse

WAREHOUSE_CONN_ID = "genesys_warehouse"
POSTGRES_TYPES = frozenset({"postgres", "postgresql"})
COPY_FORMATS: dict[str, BulkPath] = {"text": "auto", "binary": "copy"}  # extra.copy_format -> Warehouse(bulk=...)


def warehouse_sqlalchemy_url(conn_id: str = WAREHOUSE_CONN_ID) -> URL:
    """The connection's warehouse URL (driver normalized); ValueError names what is unsupported or missing."""
    from airflow.sdk import BaseHook

    conn = BaseHook.get_connection(conn_id)
    explicit = conn.extra_dejson.get("sqlalchemy_url")
    if explicit:
        return warehouse_url(make_url(explicit))
    kind = (conn.conn_type or "").lower()
    if kind in POSTGRES_TYPES:
        from airflow.providers.postgres.hooks.postgres import PostgresHook

        return warehouse_url(PostgresHook(postgres_conn_id=conn_id).sqlalchemy_url)
    if kind == "sqlite":
        from airflow.providers.sqlite.hooks.sqlite import SqliteHook

        if not conn.host:
            raise ValueError("a sqlite connection needs host = the database file path")
        return warehouse_url(make_url(SqliteHook(sqlite_conn_id=conn_id).get_uri()))  # no password to leak
    raise ValueError(
        f"conn_type {conn.conn_type!r} is not supported; use sqlite or postgres, or set extra.sqlalchemy_url"
    )


def warehouse_bulk_path(conn_id: str = WAREHOUSE_CONN_ID) -> BulkPath:
    """The bulk path ``extra.copy_format`` asks for; ValueError names the field and the allowed values."""
    from airflow.sdk import BaseHook

    chosen = BaseHook.get_connection(conn_id).extra_dejson.get("copy_format", "text")
    if chosen not in COPY_FORMATS:
        raise ValueError(
            f"connection {conn_id!r}: extra.copy_format={chosen!r} is not supported; allowed: {', '.join(COPY_FORMATS)}"
        )
    return COPY_FORMATS[chosen]


def warehouse_normalize_worker(conn_id: str = WAREHOUSE_CONN_ID) -> bool:
    """Whether ``extra.normalize_worker`` lets loads normalize in a worker process (default true);
    ValueError names the field and the allowed values."""
    from airflow.sdk import BaseHook

    chosen = BaseHook.get_connection(conn_id).extra_dejson.get("normalize_worker", True)
    if not isinstance(chosen, bool):
        raise ValueError(
            f"connection {conn_id!r}: extra.normalize_worker={chosen!r} is not supported; allowed: true, false"
        )
    return chosen


def open_warehouse(conn_id: str = WAREHOUSE_CONN_ID, url: URL | None = None) -> Warehouse:
    """The connection's warehouse with the bulk path and normalize worker it asks for (``url`` when
    the caller has read it already)."""
    worker_min_pages = WORKER_MIN_PAGES if warehouse_normalize_worker(conn_id) else None
    return Warehouse.from_url(
        url or warehouse_sqlalchemy_url(conn_id), bulk=warehouse_bulk_path(conn_id), worker_min_pages=worker_min_pages
    )


def warehouse_engine(conn_id: str = WAREHOUSE_CONN_ID) -> Engine:
    """A warehouse engine for the connection; the caller disposes of it."""
    return create_warehouse_engine(warehouse_sqlalchemy_url(conn_id))
