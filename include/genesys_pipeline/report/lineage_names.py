"""OpenLineage dataset names for what the pipeline reads and writes (Airflow-free, no client needed).

Following the OpenLineage naming spec: the Genesys org's analytics API is namespace
``genesys://<api host>``; a PostgreSQL table is ``postgres://host:port`` + ``database.schema.table``;
a SQLite table is ``sqlite://<absolute file path>`` + ``<file stem>.main.table``; staged files
are ``file://<host>`` (or the object store's ``scheme://bucket``) + their path. Credentials
never enter a name.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy.engine import URL, make_url

from genesys_pipeline.warehouse.engine import WAREHOUSE_SCHEMA

DETAILS_JOBS_PATH = "/api/v2/analytics/conversations/details/jobs"
POSTGRES_DEFAULT_PORT = 5432


@dataclass(frozen=True)
class DatasetName:
    namespace: str
    name: str


def genesys_details(api_base_url: str) -> DatasetName:
    """The org's conversation details, as served by its region's analytics API."""
    return DatasetName(f"genesys://{urlsplit(api_base_url).netloc}", DETAILS_JOBS_PATH)


def warehouse_tables(url: str | URL, tables: list[str]) -> list[DatasetName]:
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend in ("postgresql", "postgres"):
        namespace = f"postgres://{parsed.host or 'localhost'}:{parsed.port or POSTGRES_DEFAULT_PORT}"
        return [DatasetName(namespace, f"{parsed.database}.{WAREHOUSE_SCHEMA}.{table}") for table in tables]
    if backend == "sqlite":
        path = os.path.abspath(parsed.database or ":memory:")
        stem = os.path.splitext(os.path.basename(path))[0]
        return [DatasetName(f"sqlite://{path}", f"{stem}.main.{table}") for table in tables]
    raise ValueError(f"no lineage naming for warehouse dialect {backend!r}")


def staged_files(location: str) -> DatasetName:
    """Where the raw pages are staged: a local directory or an object-store prefix."""
    parts = urlsplit(location)
    if parts.scheme and parts.scheme != "file":
        return DatasetName(f"{parts.scheme}://{parts.netloc}", parts.path.lstrip("/") or "/")
    return DatasetName(f"file://{socket.gethostname()}", os.path.abspath(parts.path or location))
