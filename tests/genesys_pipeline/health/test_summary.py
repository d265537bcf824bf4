"""The sync-health aggregation on real SQLite and PostgreSQL warehouses, rows written by the product's writers."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pandas as pd
import pytest
from sqlalchemy import update

from genesys_pipeline.health.sources import read_sources
from genesys_pipeline.health.summary import MISSING, HealthTotals, default_end, partition_summary, window_days
from genesys_pipeline.warehouse.engine import create_warehouse_engine
from genesys_pipeline.warehouse.schema import warehouse_table
from tests.support.health_world import (
    ATTEMPTS,
    END,
    EXTRACTED_AT,
    Attempt,
    load_conversations,
    write_aggregates,
    write_attempts,
)

DAYS = 7  # 2026-11-18 .. 2026-11-24


@pytest.fixture()
def engine(warehouse_url):
    engine = create_warehouse_engine(warehouse_url)
    yield engine
    engine.dispose()


def summary_of(engine, days: int = DAYS, end: date = END):
    return partition_summary(read_sources(engine, date.fromisoformat(window_days(days, end)[0])), days, end).set_index(
        "partition"
    )


def test_one_row_per_day_with_the_latest_attempts_status(engine):
    write_attempts(engine)
    summary = summary_of(engine)
    assert list(summary.index) == window_days(DAYS, END) == [f"2026-11-{d}" for d in range(18, 25)]
    assert summary["status"].to_dict() == {
        "2026-11-18": MISSING,
        "2026-11-19": "success",
        "2026-11-20": MISSING,
        "2026-11-21": "success",
        "2026-11-22": "incomplete",
        "2026-11-23": "failed",
        "2026-11-24": MISSING,
    }
    assert summary["attempts"].to_dict() == {day: sum(a.partition == day for a in ATTEMPTS) for day in summary.index}
    assert summary.loc["2026-11-21", "failed_attempts"] == 1 and summary.loc["2026-11-19", "failed_attempts"] == 0


def test_counts_completeness_reconciliation_api_and_durations_come_from_the_latest_attempt(engine):
    write_attempts(engine)
    row = summary_of(engine).loc["2026-11-21"]
    latest = ATTEMPTS[2]
    assert (row["conversations_fetched"], row["conversations_loaded"], row["conversations_rejected"]) == (140, 138, 2)
    assert row["completeness_rate"] == pytest.approx(138 / 140, abs=1e-6)
    assert (row["api_requests"], row["api_throttled"]) == (latest.requests, latest.throttled)  # one job, counted once
    assert (row["extract_seconds"], row["load_seconds"]) == (6.5, 3.25)
    assert row["reconciliation"] == "match" and row["run_id"] == "run-3"
    incomplete = summary_of(engine).loc["2026-11-22"]
    assert (incomplete["reconciliation"], incomplete["conversations_delta"]) == ("incomplete", 3)


def test_api_use_counts_each_genesys_job_once(engine):
    write_attempts(
        engine,
        (
            Attempt(
                "2026-11-20", "retry", requests=11, throttled=4, job_id="first"
            ),  # job failed, the next try resubmitted
            Attempt("2026-11-20", "success", 100, 100, requests=6, job_id="second"),
            Attempt("2026-11-20", "success", 100, 100, requests=0, job_id="second"),  # a rerun served from staging
        ),
    )
    row = summary_of(engine).loc["2026-11-20"]
    assert (row["api_requests"], row["api_throttled"]) == (11 + 6, 4)


def test_totals(engine):
    write_attempts(engine)
    totals = HealthTotals.of(summary_of(engine).reset_index())
    assert totals.by_status == {"success": 2, "incomplete": 1, "failed": 1, MISSING: 3}
    assert totals.conversations_loaded == 120 + 138 + 150
    assert totals.api_requests == 7 + 9 + 8 + 3 and totals.api_throttled == 2
    assert totals.lowest_completeness == pytest.approx(138 / 140, abs=1e-6)


def test_days_outside_the_window_and_unknown_partitions_are_left_out(engine):
    write_attempts(engine)
    summary = summary_of(engine, days=2, end=date(2026, 11, 22))
    assert list(summary.index) == ["2026-11-21", "2026-11-22"]
    write_attempts(engine, (ATTEMPTS[0].__class__("unknown", "failed"),))
    assert "unknown" not in summary_of(engine).index


def test_freshness_comes_from_what_the_load_recorded(engine, warehouse_url):
    load_conversations(warehouse_url, date(2026, 11, 21), ended=4, still_open=2)
    write_attempts(engine)
    row = summary_of(engine).loc["2026-11-21"]
    assert row["open_conversations"] == 2 and pd.api.types.is_numeric_dtype(summary_of(engine)["open_conversations"])
    assert row["last_extracted_at"] == EXTRACTED_AT
    assert summary_of(engine)["open_conversations"].isna().sum() == DAYS - 1


def test_the_page_shows_the_latest_freshness_row(engine, warehouse_url):
    load_conversations(warehouse_url, date(2026, 11, 21), ended=4, still_open=2)
    write_attempts(engine)
    freshness = warehouse_table(engine, "partition_freshness")
    with engine.begin() as conn:  # a later read found one of the two still open, the other ended
        conn.execute(
            update(freshness).values(open_conversations=1, last_extracted_at=datetime(2026, 11, 28, 6, tzinfo=UTC))
        )
    row = summary_of(engine).loc["2026-11-21"]
    assert row["open_conversations"] == 1
    assert row["last_extracted_at"].isoformat() == "2026-11-28T06:00:00+00:00"


def test_genesys_aggregates_per_day(engine):
    write_attempts(engine)
    write_aggregates(engine, "2026-11-21", offered=90, connected=80)
    summary = summary_of(engine)
    assert (summary.loc["2026-11-21", "genesys_offered"], summary.loc["2026-11-21", "genesys_connected"]) == (90, 80)
    assert summary["genesys_offered"].isna().sum() == DAYS - 1
    assert all(pd.api.types.is_numeric_dtype(summary[column]) for column in ("genesys_offered", "genesys_connected"))


def test_an_empty_warehouse_is_all_missing(engine):
    summary = summary_of(engine)
    assert set(summary["status"]) == {MISSING} and summary["attempts"].sum() == 0


def test_window_validation_and_default_end():
    with pytest.raises(ValueError, match="days must be at least 1"):
        window_days(0, END)
    assert default_end(date(2026, 11, 29)) == date(2026, 11, 28)
