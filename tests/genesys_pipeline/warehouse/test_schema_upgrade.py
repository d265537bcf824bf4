"""A warehouse created before content hashes and freshness upgrades in place, on SQLite and PostgreSQL."""
from __future__ import annotations

from sqlalchemy import inspect, text

from genesys_pipeline.tables import SCHEMA_VERSION


def test_an_older_warehouse_gains_the_hash_column_the_freshness_table_and_the_indexes(warehouse):
    prefix = "genesys." if warehouse.schema else ""
    with warehouse.engine.begin() as conn:
        conn.execute(text(f"DROP INDEX {prefix}ix_conversations_open"))
        conn.execute(text(f"DROP INDEX {prefix}ix_conversations_conversation_date"))
        conn.execute(text(f"DROP TABLE {prefix}partition_freshness"))
        conn.execute(text(f"ALTER TABLE {prefix}conversations DROP COLUMN _content_hash"))
    assert warehouse.ensure_schema() == ["conversations._content_hash"]
    inspector = inspect(warehouse.engine)
    indexes = {index["name"] for index in inspector.get_indexes("conversations", schema=warehouse.schema)}
    assert {"ix_conversations_open", "ix_conversations_conversation_date"} <= indexes
    assert inspector.has_table("partition_freshness", schema=warehouse.schema)
    assert warehouse.schema_version() == SCHEMA_VERSION == 2
