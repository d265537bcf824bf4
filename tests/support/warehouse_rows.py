"""Reading a warehouse by URL in tests, whatever its dialect: ``{s}`` in the SQL is the schema prefix."""

from __future__ import annotations

from sqlalchemy import text

from genesys_pipeline.warehouse import Warehouse


def warehouse_rows(url: str, sql: str) -> list[tuple]:
    """Every row of ``sql`` (``{s}table`` names a table in the warehouse's schema, if it has one)."""
    warehouse = Warehouse.from_url(url)
    try:
        table_prefix = f"{warehouse.schema}." if warehouse.schema else ""
        with warehouse.engine.connect() as conn:
            return [tuple(row) for row in conn.execute(text(sql.format(s=table_prefix)))]
    finally:
        warehouse.dispose()
