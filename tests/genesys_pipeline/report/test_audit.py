"""The audit row's reconciliation fields: the ``incomplete`` rule and the additive migration of older tables."""
from __future__ import annotations

import pytest
from sqlalchemy import MetaData, Table, inspect

from genesys_pipeline.report.audit import AuditRecord, read_audit, write_audit
from genesys_pipeline.warehouse.engine import create_warehouse_engine
from genesys_pipeline.warehouse.schema import warehouse_table

MISMATCH = {"status": "incomplete", "conversations_delta": 3,
            "mismatches": [{"check": "conversations", "key": "voice", "details": 97, "aggregates": 100, "delta": 3}]}


def record(status: str) -> AuditRecord:
    return AuditRecord(dag_id="d", run_id="r", try_number=1, partition="2024-05-01", status=status)


@pytest.mark.parametrize(("status", "result", "expected"), [
    ("success", {"status": "match"}, "success"),
    ("success", {"status": "within_tolerance"}, "success"),
    ("success", MISMATCH, "incomplete"),
    ("failed", MISMATCH, "failed"),
    ("success", {}, "success"),
])
def test_only_a_success_beyond_tolerance_becomes_incomplete(status, result, expected):
    audited = record(status)
    audited.add_reconciliation(result)
    assert audited.status == expected and audited.summary()["reconciliation"] == result


def test_an_audit_table_from_before_reconciliation_gains_the_column(warehouse_url):
    engine = create_warehouse_engine(warehouse_url)
    schema = "genesys" if engine.dialect.name == "postgresql" else None
    before = MetaData(schema=schema)
    sync_audit = warehouse_table(engine, "sync_audit")
    Table(sync_audit.name, before, *(column._copy() for column in sync_audit.columns if column.name != "reconciliation"))
    try:
        with engine.begin() as conn:
            if schema:
                conn.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {schema}")
            before.create_all(conn)
        incomplete = record("success")
        incomplete.add_reconciliation(MISMATCH)
        write_audit(engine, incomplete)
        assert "reconciliation" in {c["name"] for c in inspect(engine).get_columns("sync_audit", schema=schema)}
        [row] = read_audit(engine)
        assert row["status"] == "incomplete" and row["reconciliation"] == MISMATCH
    finally:
        engine.dispose()
