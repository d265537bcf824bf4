"""One registry, one path: ensure_schema creates every table the project writes, with one timestamp type,
and upgrades an older warehouse additively in place (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import inspect, select, text

from genesys_pipeline.report import aggregates
from genesys_pipeline.report.audit import AuditRecord, read_audit, write_audit
from genesys_pipeline.tables import SCHEMA_VERSION, TS, WAREHOUSE_TABLES
from genesys_pipeline.warehouse.engine import create_warehouse_engine, schema_for
from genesys_pipeline.warehouse.reference_tables import replace_snapshot
from genesys_pipeline.warehouse.schema import ensure_schema, warehouse_table


def test_ensure_schema_creates_every_registered_table_with_its_columns(warehouse_url):
    engine = create_warehouse_engine(warehouse_url)
    try:
        ensure_schema(engine)
        inspector = inspect(engine)
        schema = schema_for(engine)
        assert {"sync_audit", "conversation_aggregates", "users", "conversations"} <= {s.name for s in WAREHOUSE_TABLES}
        for spec in WAREHOUSE_TABLES:
            columns = {c["name"]: c["type"] for c in inspector.get_columns(spec.name, schema=schema)}
            assert list(columns) == list(spec.column_names), spec.name
            if engine.dialect.name == "postgresql":  # every timestamp is a real timestamptz, whatever the table
                stamped = [c.name for c in spec.columns if c.type == TS]
                assert all(type(columns[name]).__name__ == "TIMESTAMP" for name in stamped), (spec.name, stamped)
        assert ensure_schema(engine) == []  # idempotent
    finally:
        engine.dispose()


def test_audit_aggregates_and_lookups_store_their_timestamps_alike(warehouse_url):
    engine = create_warehouse_engine(warehouse_url)
    before = datetime.now(UTC) - timedelta(seconds=1)
    try:
        ensure_schema(engine)  # the lookups are created with the data tables; audit and aggregates create their own
        write_audit(engine, AuditRecord(dag_id="d", run_id="r", try_number=1, partition="2024-05-01", status="success"))
        aggregates.replace_partition(
            engine,
            "2024-05-01",
            [
                {
                    "partition": "2024-05-01",
                    "bucket": "b",
                    "metric": "nOffered",
                    "count": 1,
                    "_run_id": "r",
                    "_synced_at": datetime.now(UTC),
                }
            ],
        )
        replace_snapshot(engine, "users", [{"id": "u1", "name": "Ann"}])
        with engine.connect() as conn:
            stamps = [
                read_audit(engine)[0]["recorded_at"],
                conn.execute(select(warehouse_table(engine, "conversation_aggregates").c._synced_at)).scalar_one(),
                conn.execute(select(warehouse_table(engine, "users").c._synced_at)).scalar_one(),
            ]
        for stamp in stamps:
            if isinstance(stamp, str):  # SQLite: fixed-width ISO UTC text, so text order is time order
                assert len(stamp) == 27 and stamp.endswith("Z"), stamp
                stamp = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
            assert before <= stamp <= datetime.now(UTC) + timedelta(seconds=1)
        assert engine.dialect.name == "sqlite" or all(isinstance(stamp, datetime) for stamp in stamps)
    finally:
        engine.dispose()


def test_a_partial_ensure_creates_only_the_named_tables(sqlite_url):
    engine = create_warehouse_engine(sqlite_url)
    try:
        ensure_schema(engine, only=["sync_audit"])
        assert inspect(engine).get_table_names() == ["sync_audit"]
    finally:
        engine.dispose()


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


def test_schema_version_and_additive_migration(warehouse):
    assert warehouse.schema_version() == SCHEMA_VERSION
    prefix = "genesys." if warehouse.schema else ""
    with warehouse.engine.begin() as conn:
        conn.execute(text(f"ALTER TABLE {prefix}sessions DROP COLUMN flow_ending_language"))
    assert warehouse.ensure_schema() == ["sessions.flow_ending_language"]
    assert warehouse.ensure_schema() == []
    assert warehouse.schema_version() == SCHEMA_VERSION
