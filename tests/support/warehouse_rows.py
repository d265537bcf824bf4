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


def conversation_rows_except(url: str, ids: set[str]) -> dict[str, list[tuple]]:
    """Every row of every conversation table, all columns, but those of ``ids``, sorted: what must stay
    byte-identical when only ``ids`` were touched."""
    from genesys_pipeline.tables import CONVERSATION_TABLES

    rows: dict[str, list[tuple]] = {}
    for spec in CONVERSATION_TABLES:
        columns = ", ".join(f'"{name}"' for name in spec.column_names)
        found = warehouse_rows(url, f"SELECT {columns} FROM {{s}}{spec.name}")
        position = spec.column_names.index("conversation_id")
        rows[spec.name] = sorted((row for row in found if row[position] not in ids), key=repr)
    return rows


def without_stamps(tables: dict[str, list[tuple]]) -> dict[str, list[tuple]]:
    """:func:`conversation_rows_except`'s rows but the conversations rows' ``_extracted_at``, which a read
    that finds a conversation unchanged moves to its own time (the load's "never older" stamp)."""
    from genesys_pipeline.tables import CONVERSATIONS, EXTRACTED_AT

    stamp = CONVERSATIONS.column_names.index(EXTRACTED_AT)
    return {**tables, "conversations": [row[:stamp] + row[stamp + 1 :] for row in tables["conversations"]]}


def edit_conversation(url: str, cid: str, **values: str) -> None:
    """Change a stored conversations row as Genesys never did (plain SQL, committed): a record that looks wrong."""
    warehouse = Warehouse.from_url(url)
    try:
        table = f"{warehouse.schema}.conversations" if warehouse.schema else "conversations"
        assignments = ", ".join(f"{name} = :{name}" for name in values)
        with warehouse.engine.begin() as conn:
            conn.execute(text(f"UPDATE {table} SET {assignments} WHERE conversation_id = :cid"), {**values, "cid": cid})
    finally:
        warehouse.dispose()
