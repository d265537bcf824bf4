"""Run-level figures: one row per run, what its load did shown as such, each Genesys job's API use once."""

from __future__ import annotations

from datetime import date

import pytest

from genesys_pipeline.health.runs import run_summary
from genesys_pipeline.health.sources import read_sources
from genesys_pipeline.report.audit import AuditRecord, write_audit
from genesys_pipeline.warehouse.engine import create_warehouse_engine
from tests.support.health_world import Attempt, write_attempts


@pytest.fixture()
def engine(sqlite_url):
    engine = create_warehouse_engine(sqlite_url)
    yield engine
    engine.dispose()


def runs_of(engine):
    return run_summary(read_sources(engine, date(2026, 11, 1)).audit).set_index("run_id")


def test_written_unchanged_skipped_rejected_and_erased_are_apart(engine):
    record = AuditRecord(dag_id="d", run_id="r1", try_number=1, partition="2026-11-22", status="success")
    record.add_extract({"records": 2005, "job_id": "j"})
    record.add_load(
        {
            "conversations_loaded": 1912,
            "conversations_new": 10,
            "conversations_changed": 5,
            "conversations_unchanged": 1897,
            "conversations_skipped_older": 90,
            "conversations_rejected": 3,
            "conversations_deleted": 2,
        }
    )
    write_audit(engine, record)
    row = runs_of(engine).loc["r1"]
    assert (row["fetched"], row["written"], row["unchanged"], row["skipped_older"]) == (2005, 15, 1897, 90)
    assert (row["rejected"], row["erased"], row["partition"]) == (3, 2, "2026-11-22")


def test_one_row_per_run_latest_attempt_and_each_job_counted_once(engine):
    write_attempts(
        engine,
        (
            Attempt("2026-11-20", "retry", requests=11, throttled=4, job_id="first"),
            Attempt("2026-11-20", "success", 100, 100, requests=6, job_id="second"),
        ),
    )
    runs = runs_of(engine)
    assert set(runs.index) == {"run-1", "run-2"}
    assert runs.loc["run-1", "api_requests"] == 11 and runs.loc["run-2", "status"] == "success"
    one_run = [
        AuditRecord(dag_id="d", run_id="same", try_number=n, partition="2026-11-21", status=s)
        for n, s in ((1, "retry"), (2, "success"), (3, "success"))
    ]
    for record, (job, requests) in zip(one_run, (("a", 9), ("b", 6), ("b", 0))):  # try 3: served from staging
        record.add_extract({"job_id": job, "api": {"requests": requests, "retries": 0, "throttled": 0}})
        write_audit(engine, record)
    row = runs_of(engine).loc["same"]
    assert (row["attempts"], row["status"], row["api_requests"]) == (3, "success", 9 + 6)
