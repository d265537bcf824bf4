"""The audit's convergence columns on real SQLite and PostgreSQL, filled from a real load report."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from sqlalchemy import inspect

from genesys_pipeline.report.audit import AuditRecord, read_audit, write_audit
from genesys_pipeline.warehouse.converge.erasure import CompleteExtraction
from genesys_pipeline.warehouse.converge.open_conversations import open_conversations

from tests.genesys_pipeline.pipeline_records import EXTRACTED_D

DAY = date(2024, 5, 1)


def test_a_converging_load_is_audited_with_hashes_only(warehouse, stage_days, generated_day):
    day = generated_day(DAY)
    staging, first = stage_days(day, DAY)
    warehouse.load_extraction(staging, first, "run-1")
    _, again = stage_days(day[3:], DAY, extracted_at=EXTRACTED_D + timedelta(days=2))
    complete = CompleteExtraction.of(again, all_divisions_read=True,
                                     data_available_until=datetime(2024, 5, 5, tzinfo=timezone.utc))
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
        conn.exec_driver_sql(f"CREATE TABLE {schema}sync_audit (id {key}, recorded_at TEXT, dag_id TEXT,"
                             " run_id TEXT, try_number INTEGER, partition TEXT, status TEXT)")
    write_audit(warehouse.engine, AuditRecord(dag_id="d", run_id="r", try_number=1, partition="p", status="success"))
    columns = {c["name"] for c in inspect(warehouse.engine).get_columns("sync_audit", schema=warehouse.schema)}
    assert {"conversations_changed", "deleted_id_hashes", "open_conversations", "divisions_read"} <= columns
