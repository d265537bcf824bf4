"""Read-side checks of warehouse contents: row counts and order-independent checksums.

The checksum hashes every row of a table in primary-key order, so two loads that left the
same data give the same digest whatever order or path (COPY or executemany) wrote it. The
lineage column ``_run_id`` is left out by default: a rerun is a different Airflow run by
definition, and "same warehouse contents" is about the data.
"""

from __future__ import annotations

import hashlib

import orjson
from sqlalchemy import Engine

from genesys_pipeline.tables import CONVERSATION_TABLES, RUN_ID
from genesys_pipeline.warehouse.engine import qualified_name


def table_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            spec.name: conn.exec_driver_sql(f"SELECT COUNT(*) FROM {qualified_name(engine, spec.name)}").scalar_one()
            for spec in CONVERSATION_TABLES
        }


def table_checksums(engine: Engine, include_run_id: bool = False) -> dict[str, str]:
    quote = engine.dialect.identifier_preparer.quote_identifier
    checksums = {}
    with engine.connect() as conn:
        for spec in CONVERSATION_TABLES:
            names = [n for n in spec.column_names if include_run_id or n != RUN_ID]
            columns = ", ".join(quote(name) for name in names)
            order = ", ".join(quote(name) for name in spec.primary_key)
            digest = hashlib.sha256()
            result = conn.exec_driver_sql(f"SELECT {columns} FROM {qualified_name(engine, spec.name)} ORDER BY {order}")
            for row in result:
                digest.update(orjson.dumps(tuple(row), default=str))
                digest.update(b"\n")
            checksums[spec.name] = digest.hexdigest()
    return checksums
