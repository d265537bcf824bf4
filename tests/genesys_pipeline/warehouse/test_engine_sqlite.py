"""Two processes writing one SQLite warehouse at once: overlapping days, schema set-up and audit rows.

This is what two overlapping DAG runs do on the embedded default; before the engine took the
write lock up front (``BEGIN IMMEDIATE``) and waited for it, one of them failed with
"database is locked". Each process prepares the warehouse, loads its day a few times and writes
an audit row after each load, all released together by a barrier.
"""

from __future__ import annotations

import copy
import multiprocessing
import traceback
from pathlib import Path

import pytest
from sqlalchemy import text

from genesys_pipeline.report.audit import AuditRecord, read_audit, write_audit
from genesys_pipeline.staging.area import StagingArea
from genesys_pipeline.warehouse import Warehouse
from tests.genesys_pipeline.pipeline_records import DAY_D, DAY_D1, EXTRACTED_D, EXTRACTED_D1, spanning_midnight

LOADS_PER_PROCESS = 3
JOIN_TIMEOUT_S = 120


def _load_repeatedly(url: str, staging_root: str, partition: str, query_hash: str, barrier, errors) -> None:
    try:
        staging = StagingArea(Path(staging_root))
        manifest = staging.read_manifest(partition, query_hash)
        warehouse = Warehouse.from_url(url)
        barrier.wait(timeout=30)
        warehouse.ensure_schema()
        for attempt in range(LOADS_PER_PROCESS):
            report = warehouse.load_extraction(staging, manifest, f"run-{partition}")
            write_audit(
                warehouse.engine,
                AuditRecord(
                    dag_id="d",
                    run_id=f"run-{partition}",
                    try_number=attempt + 1,
                    partition=partition,
                    status="success",
                    conversations_fetched=manifest.record_count,
                    conversations_loaded=report.conversations_loaded,
                    conversations_skipped_older=report.conversations_skipped_older,
                ),
            )
        warehouse.dispose()
    except BaseException:
        errors.put(f"{partition}: {traceback.format_exc()}")


def test_two_processes_load_overlapping_days_into_one_sqlite_file(sqlite_url, stage, generated_day):
    day_d = generated_day(DAY_D)
    later_copies = copy.deepcopy(spanning_midnight(day_d))  # D+1's extraction sees them again, fresher
    staging, manifest_d = stage(day_d, EXTRACTED_D, "2024-05-01")
    _, manifest_d1 = stage(generated_day(DAY_D1) + later_copies, EXTRACTED_D1, "2024-05-02")

    context = multiprocessing.get_context("spawn")
    barrier, errors = context.Barrier(2), context.Queue()
    processes = [
        context.Process(
            target=_load_repeatedly,
            args=(sqlite_url, str(staging.root), manifest.partition, manifest.query_hash, barrier, errors),
        )
        for manifest in (manifest_d1, manifest_d)  # the later day first, as in the trap
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(JOIN_TIMEOUT_S)
    failures = [errors.get() for _ in range(errors.qsize())] if not errors.empty() else []
    assert all(process.exitcode == 0 for process in processes), failures
    assert failures == []

    warehouse = Warehouse.from_url(sqlite_url)
    try:
        with warehouse.engine.connect() as conn:
            latest = dict(conn.execute(text("SELECT conversation_id, _extracted_at FROM conversations")).all())
        audit = read_audit(warehouse.engine)
    finally:
        warehouse.dispose()
    assert len(latest) == 600  # each conversation once
    # the fresher read won, whichever process loaded first: its content matches, so when the older copy
    # was stored first only its _extracted_at moves forward (the content hash rule), _run_id stays
    assert {str(latest[r["conversationId"]])[:10] for r in later_copies} == {f"{EXTRACTED_D1:%Y-%m-%d}"}
    assert len(audit) == 2 * LOADS_PER_PROCESS  # no audit row lost
    assert {row["completeness_rate"] for row in audit} == {1.0}


def test_first_connection_to_a_new_file_waits_for_another_writer_before_switching_to_wal(tmp_path):
    """The race that made the two-process test flaky: switching a new file to WAL while another
    process is mid-transaction fails at once (no busy handler); the engine waits instead."""
    import sqlite3
    import threading

    path = tmp_path / "new.db"
    writer = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    writer.execute("CREATE TABLE t (x)")
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO t VALUES (1)")
    with pytest.raises(sqlite3.OperationalError, match="locked"):  # what SQLite itself does
        sqlite3.connect(path, timeout=30).execute("PRAGMA journal_mode=WAL")
    committer = threading.Timer(0.5, lambda: writer.execute("COMMIT"))
    committer.start()
    try:
        engine = Warehouse.from_url(f"sqlite:///{path}").engine
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 1
    finally:
        committer.join(timeout=10)
        writer.close()
