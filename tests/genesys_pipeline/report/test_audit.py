"""The ``sync_audit`` table: rows appended with JSON metrics and written reliably, completeness, the
reconciliation fields (the ``incomplete`` rule), the convergence columns filled from a real load report
(SQLite and PostgreSQL), and the additive migration of older tables."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import MetaData, Table, create_engine, inspect
from sqlalchemy.exc import OperationalError

from genesys_pipeline.report.audit import AuditRecord, read_audit, write_audit, write_audit_reliably
from genesys_pipeline.warehouse.converge.erasure import CompleteExtraction
from genesys_pipeline.warehouse.converge.open_conversations import open_conversations
from genesys_pipeline.warehouse.engine import create_warehouse_engine
from genesys_pipeline.warehouse.schema import warehouse_table
from tests.genesys_pipeline.pipeline_records import EXTRACTED_D

MISMATCH = {
    "status": "incomplete",
    "conversations_delta": 3,
    "mismatches": [{"check": "conversations", "key": "voice", "details": 97, "aggregates": 100, "delta": 3}],
}


def record(status: str) -> AuditRecord:
    return AuditRecord(dag_id="d", run_id="r", try_number=1, partition="2024-05-01", status=status)


@pytest.mark.parametrize(
    ("status", "result", "expected"),
    [
        ("success", {"status": "match"}, "success"),
        ("success", {"status": "within_tolerance"}, "success"),
        ("success", MISMATCH, "incomplete"),
        ("failed", MISMATCH, "failed"),
        ("success", {}, "success"),
    ],
)
def test_only_a_success_beyond_tolerance_becomes_incomplete(status, result, expected):
    audited = record(status)
    audited.add_reconciliation(result)
    assert audited.status == expected and audited.summary()["reconciliation"] == result


def test_an_audit_table_from_before_reconciliation_gains_the_column(warehouse_url):
    engine = create_warehouse_engine(warehouse_url)
    schema = "genesys" if engine.dialect.name == "postgresql" else None
    before = MetaData(schema=schema)
    sync_audit = warehouse_table(engine, "sync_audit")
    Table(
        sync_audit.name, before, *(column._copy() for column in sync_audit.columns if column.name != "reconciliation")
    )
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


def test_audit_rows_are_appended_with_json_metrics(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'a.db'}")
    record = AuditRecord(dag_id="d", run_id="r", try_number=1, partition="2024-05-01", status="success")
    record.add_extract(
        {"records": 4, "pages": 1, "cache_hit": False, "api": {"requests": 5, "failed_correlation_ids": ["c1"]}}
    )
    record.add_load({"conversations_loaded": 3, "conversations_rejected": 1, "rows_per_table": {"conversations": 3}})
    write_audit(engine, record)
    write_audit(
        engine, AuditRecord(dag_id="d", run_id="r", try_number=2, partition="2024-05-01", status="failed", error="boom")
    )
    rows = read_audit(engine, "2024-05-01")
    assert [row["status"] for row in rows] == ["success", "failed"]
    assert rows[0]["completeness_rate"] == 0.75
    assert rows[0]["rows_per_table"] == {"conversations": 3}
    assert rows[0]["failed_correlation_ids"] == ["c1"]
    assert rows[1]["completeness_rate"] is None and rows[1]["error"] == "boom"


def test_completeness_counts_conversations_kept_because_a_fresher_copy_is_loaded(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'a.db'}")
    record = AuditRecord(dag_id="d", run_id="r", try_number=1, partition="2024-05-01", status="success")
    record.add_extract({"records": 300})
    record.add_load({"conversations_loaded": 288, "conversations_skipped_older": 12, "conversations_rejected": 0})
    write_audit(engine, record)
    [row] = read_audit(engine)
    assert row["completeness_rate"] == 1.0
    assert (row["conversations_loaded"], row["conversations_skipped_older"]) == (288, 12)  # kept apart


def test_an_audit_row_that_cannot_be_written_is_retried_then_logged_whole(tmp_path, caplog):
    record = AuditRecord(dag_id="d", run_id="run-x", try_number=1, partition="2024-05-01", status="retry")
    engines = []

    def broken_then_working():
        # the first two engines point into a directory that does not exist yet: the write fails
        path = tmp_path / ("missing" if len(engines) < 2 else ".") / "a.db"
        engines.append(create_engine(f"sqlite:///{path}"))
        return engines[-1]

    write_audit_reliably(broken_then_working, record, attempts=3, backoff_s=0)
    assert len(engines) == 3 and [row["run_id"] for row in read_audit(engines[-1])] == ["run-x"]

    with caplog.at_level("ERROR"), pytest.raises(OperationalError):
        write_audit_reliably(
            lambda: create_engine(f"sqlite:///{tmp_path / 'missing' / 'a.db'}"), record, attempts=2, backoff_s=0
        )
    [logged] = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert "NOT written after 2 tries" in logged and '"run_id":"run-x"' in logged


DAY = date(2024, 5, 1)


def test_a_converging_load_is_audited_with_hashes_only(warehouse, stage_days, generated_day):
    day = generated_day(DAY)
    staging, first = stage_days(day, DAY)
    warehouse.load_extraction(staging, first, "run-1")
    _, again = stage_days(day[3:], DAY, extracted_at=EXTRACTED_D + timedelta(days=2))
    complete = CompleteExtraction.of(
        again, all_divisions_read=True, data_available_until=datetime(2024, 5, 5, tzinfo=UTC)
    )
    report = warehouse.load_extraction(staging, again, "run-2", complete=complete, erasure_salt="s")

    record = AuditRecord(dag_id="d", run_id="run-2", try_number=1, partition="2024-05-01", status="success")
    record.add_load(report.to_dict())
    still_open = open_conversations(warehouse.engine)
    record.add_open_conversations(still_open.count, still_open.oldest_start)
    record.add_divisions(["div-b", "div-a"])
    write_audit(warehouse.engine, record)

    [row] = read_audit(warehouse.engine)
    assert (row["conversations_changed"], row["conversations_unchanged"], row["conversations_deleted"]) == (0, 297, 3)
    assert row["deleted_id_hashes"] == report.deleted_id_hashes and len(row["deleted_id_hashes"]) == 3
    assert not {r["conversationId"] for r in day[:3]} & set(map(str, row.values()))
    assert row["open_conversations"] == still_open.count > 0 and row["oldest_open_start"] == still_open.oldest_start
    assert row["divisions_read"] == ["div-a", "div-b"]


def test_an_older_audit_table_gains_the_new_columns(warehouse):
    with warehouse.engine.begin() as conn:
        schema = "genesys." if warehouse.schema else ""
        key = "SERIAL PRIMARY KEY" if warehouse.schema else "INTEGER PRIMARY KEY"
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {schema}sync_audit")  # the fixture created today's
        conn.exec_driver_sql(
            f"CREATE TABLE {schema}sync_audit (id {key}, recorded_at TEXT, dag_id TEXT,"
            " run_id TEXT, try_number INTEGER, partition TEXT, status TEXT)"
        )
    write_audit(warehouse.engine, AuditRecord(dag_id="d", run_id="r", try_number=1, partition="p", status="success"))
    columns = {c["name"] for c in inspect(warehouse.engine).get_columns("sync_audit", schema=warehouse.schema)}
    assert {"conversations_changed", "deleted_id_hashes", "open_conversations", "divisions_read"} <= columns


def test_a_by_id_row_names_the_ids_not_found(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'a.db'}")
    row = AuditRecord(dag_id="by_id", run_id="r", try_number=1, partition="by-id", status="success")
    row.add_resync(
        {"requested": 3, "returned": 2, "not_found": 1, "outside_retention": 0, "not_found_ids": ["c-unknown"]}
    )
    write_audit(engine, row)
    (stored,) = read_audit(engine, "by-id")
    assert (stored["resync_requested"], stored["resync_returned"], stored["resync_not_found"]) == (3, 2, 1)
    assert stored["resync_outside_retention"] == 0 and stored["resync_not_found_ids"] == ["c-unknown"]
    other = AuditRecord(dag_id="daily", run_id="r", try_number=1, partition="2024-05-01", status="success")
    write_audit(engine, other)  # a daily row leaves them empty
    assert read_audit(engine, "2024-05-01")[0]["resync_requested"] is None
