"""The sync-health day view on real SQLite and PostgreSQL warehouses, rows written by the product's writers.

The oracle is the warehouse itself, read here with the test's own SQL (``count_by_day``), never
with the page's queries.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy import text

from genesys_pipeline.health.page import days_table_html
from genesys_pipeline.health.sources import read_sources
from genesys_pipeline.health.summary import (
    COVERED,
    MISSING,
    PARTIAL,
    HealthTotals,
    default_end,
    partition_summary,
    window_days,
)
from genesys_pipeline.report.audit import AuditRecord, write_audit
from genesys_pipeline.report.kpi_reconcile import compare_cells
from genesys_pipeline.report.reconcile import Reconciliation
from genesys_pipeline.warehouse.engine import create_warehouse_engine, schema_for
from tests.support.health_world import (
    ATTEMPTS,
    END,
    EXTRACTED_AT,
    load_conversations,
    load_extraction,
    write_aggregates,
    write_attempts,
)

DAYS = 7  # 2026-11-18 .. 2026-11-24
D = [date(2026, 11, day) for day in range(18, 25)]


@pytest.fixture()
def engine(warehouse_url):
    engine = create_warehouse_engine(warehouse_url)
    yield engine
    engine.dispose()


def summary_of(engine, days: int = DAYS, end: date = END):
    return partition_summary(read_sources(engine, date.fromisoformat(window_days(days, end)[0])), days, end).set_index(
        "partition"
    )


def count_by_day(engine) -> dict[str, tuple[int, int]]:
    """Per day: (conversations, without an end), straight from the table."""
    table = f"{schema_for(engine)}.conversations" if schema_for(engine) else "conversations"
    with engine.connect() as conn:
        days = conn.execute(text(f"SELECT DISTINCT conversation_date FROM {table}")).scalars().all()
        counts = {}
        for day in days:
            total = conn.execute(text(f"SELECT count(*) FROM {table} WHERE conversation_date = :d"), {"d": day})
            still = conn.execute(
                text(f"SELECT count(*) FROM {table} WHERE conversation_date = :d AND conversation_end IS NULL"),
                {"d": day},
            )
            counts[str(day)[:10]] = (total.scalar_one(), still.scalar_one())
    return counts


def run(engine, partition: str, *, dag_id="genesys_conversations_daily", run_id=None, status="success", **load):
    """One attempt's audit row, as the audit task writes it (recorded now, after every extraction here)."""
    record = AuditRecord(
        dag_id=dag_id, run_id=run_id or f"run-{partition}", try_number=1, partition=partition, status=status
    )
    record.add_extract(
        {
            "records": load.pop("fetched", None),
            "cache_hit": load.pop("cache_hit", False),
            "job_id": load.pop("job_id", None),
        }
    )
    record.add_load(load)
    if "interval" in load:
        record.interval_start, record.interval_end = load["interval"]
    write_audit(engine, record)


def test_one_row_per_day_with_the_own_runs_latest_status(engine):
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
    assert (summary.loc["2026-11-22", "reconciliation"], summary.loc["2026-11-22", "conversations_delta"]) == (
        "incomplete",
        3,
    )


def test_days_read_by_a_later_days_lookback_are_covered_and_counted_from_the_warehouse(engine, warehouse_url):
    # the run for 11-22 with lookback 2: one extraction of 11-20..11-22 (the run's load stamps all three)
    load_extraction(warehouse_url, {D[2]: (30, 0), D[3]: (25, 2), D[4]: (40, 5)}, EXTRACTED_AT)
    run(engine, "2026-11-22", conversations_loaded=102, conversations_changed=102)
    summary = summary_of(engine)
    truth = count_by_day(engine)
    assert {
        day: (row.conversations, row.open_conversations) for day, row in summary.iterrows() if day in truth
    } == truth
    assert summary.loc[["2026-11-20", "2026-11-21"], "status"].tolist() == [COVERED, COVERED]
    assert summary.loc["2026-11-22", "status"] == "success"
    assert summary["extracted_by"].to_dict() == {
        **dict.fromkeys(window_days(DAYS, END)),
        "2026-11-20": "lookback of 2026-11-22",
        "2026-11-21": "lookback of 2026-11-22",
        "2026-11-22": "own run",
    }
    assert set(summary["extracted_by_run"].dropna()) == {"run-2026-11-22"}
    assert summary.loc["2026-11-18", "status"] == MISSING and summary.loc["2026-11-18", "conversations"] == 0
    totals = HealthTotals.of(summary.reset_index())
    assert totals.conversations == sum(total for total, _ in truth.values()) == 102
    assert totals.open_conversations == 7 and totals.by_status == {"success": 1, COVERED: 2, MISSING: 4}


def test_a_rerun_that_changes_nothing_changes_no_figure(engine, warehouse_url):
    load_extraction(warehouse_url, {D[3]: (25, 2), D[4]: (40, 5)}, EXTRACTED_AT)
    run(engine, "2026-11-22", conversations_changed=72)
    before = summary_of(engine)
    # cleared and rerun from staging: the same extraction loaded again, nothing written, audited as a cache hit
    load_extraction(warehouse_url, {D[3]: (25, 2), D[4]: (40, 5)}, EXTRACTED_AT, run_id="run-again")
    run(engine, "2026-11-22", cache_hit=True, conversations_changed=0, conversations_unchanged=72)
    after = summary_of(engine)
    pd.testing.assert_frame_equal(before.drop(columns="attempts"), after.drop(columns="attempts"))
    assert after.loc["2026-11-22", "attempts"] == 2


def test_the_refresh_and_a_manual_window_name_themselves(engine, warehouse_url):
    load_extraction(warehouse_url, {D[1]: (10, 0)}, EXTRACTED_AT)
    run(engine, "2026-11-19", dag_id="genesys_conversations_refresh", run_id="refresh-1")
    window = ("2026-11-22T00:00:00.000Z", "2026-11-24T00:00:00.000Z")
    load_extraction(warehouse_url, {D[4]: (5, 0), D[5]: (6, 0)}, EXTRACTED_AT + timedelta(hours=1))
    run(engine, "20261122T000000Z_20261124T000000Z", run_id="manual-1", interval=window)
    summary = summary_of(engine)
    assert summary.loc["2026-11-19", "extracted_by"] == "refresh"
    assert summary.loc["2026-11-22", "extracted_by"] == summary.loc["2026-11-23", "extracted_by"]
    assert summary.loc["2026-11-23", "extracted_by"] == "manual window 20261122T000000Z_20261124T000000Z"
    assert summary.loc["2026-11-23", "status"] == COVERED


def test_a_day_that_failed_then_was_extracted_by_a_lookback_is_covered(engine, warehouse_url):
    run(engine, "2026-11-21", status="failed")
    later = datetime.now(UTC)  # after the failure was recorded
    load_extraction(warehouse_url, {D[3]: (8, 0), D[4]: (9, 0)}, later)
    run(engine, "2026-11-22")
    summary = summary_of(engine)
    assert summary.loc["2026-11-21", "status"] == COVERED
    assert summary.loc["2026-11-21", "extracted_by"] == "lookback of 2026-11-22"


def test_a_day_with_data_but_never_extracted_whole_is_partial(engine, warehouse_url):
    load_extraction(warehouse_url, {D[0]: (3, 1)}, EXTRACTED_AT, whole_days=[])
    row = summary_of(engine).loc["2026-11-18"]
    assert (row["status"], row["conversations"], row["open_conversations"]) == (PARTIAL, 4, 1)
    assert pd.isna(row["last_extracted_at"]) and row["extracted_by"] is None


def test_freshness_and_aggregates_per_day(engine, warehouse_url):
    load_conversations(warehouse_url, date(2026, 11, 21), ended=4, still_open=2)
    write_attempts(engine)
    write_aggregates(engine, "2026-11-21", offered=90, connected=80)
    summary = summary_of(engine)
    row = summary.loc["2026-11-21"]
    assert row["last_extracted_at"] == EXTRACTED_AT and row["open_conversations"] == 2
    assert (row["genesys_offered"], row["genesys_connected"]) == (90, 80)
    assert summary["genesys_offered"].isna().sum() == DAYS - 1
    assert all(pd.api.types.is_numeric_dtype(summary[c]) for c in ("conversations", "open_conversations"))


def test_days_outside_the_window_and_unknown_partitions_are_left_out(engine):
    write_attempts(engine)
    summary = summary_of(engine, days=2, end=date(2026, 11, 22))
    assert list(summary.index) == ["2026-11-21", "2026-11-22"]
    write_attempts(engine, (ATTEMPTS[0].__class__("unknown", "failed"),))
    assert "unknown" not in summary_of(engine).index


def test_an_empty_warehouse_is_all_missing(engine):
    summary = summary_of(engine)
    assert set(summary["status"]) == {MISSING} and summary["attempts"].sum() == 0


def test_window_validation_and_default_end():
    with pytest.raises(ValueError, match="days must be at least 1"):
        window_days(0, END)
    assert default_end(date(2026, 11, 29)) == date(2026, 11, 28)


def test_agent_activity_attempts_are_not_conversation_days(engine):
    write_attempts(engine)
    run(engine, "2026-11-21", dag_id="genesys_user_activity_daily", status="failed")
    assert summary_of(engine)["status"]["2026-11-21"] == "success"


def _cell(interval: str, queue: str, metric: str, count: int, total: float) -> dict:
    return {
        "interval_start": interval,
        "queue_id": queue,
        "media_type": "voice",
        "metric": metric,
        "count": count,
        "sum": total,
        "min": None,
        "max": None,
    }


def test_the_latest_reconciliations_half_hour_cells_per_day(engine):
    ours = [_cell("2026-11-22T10:00:00.000Z", "q1", "tHandle", 3, 900.0), _cell("T10:30", "q1", "tHandle", 2, 10.0)]
    theirs = [_cell("2026-11-22T10:00:00.000Z", "q1", "tHandle", 3, 912.5), _cell("T11:00", "q2", "tTalk", 1, 4.0)]
    # an older attempt with other cells, then the latest one: the page shows the latest
    for run_id, details in (("old", ours[:1]), ("new", ours)):
        record = AuditRecord(
            dag_id="genesys_conversations_daily", run_id=run_id, try_number=1, partition="2026-11-22", status="success"
        )
        record.add_reconciliation(Reconciliation(0.0, (), {}, compare_cells(details, theirs)).as_dict())
        write_audit(engine, record)
    # the oracle: the test's own union of keys, differing keys and largest stat difference
    key = lambda c: (c["interval_start"], c["queue_id"], c["media_type"], c["metric"])  # noqa: E731
    mine, gen = {key(c): c for c in ours}, {key(c): c for c in theirs}
    zero = {"count": 0, "sum": 0.0}
    diffs = [
        max(abs((mine.get(k, zero)[s] or 0) - (gen.get(k, zero)[s] or 0)) for s in ("count", "sum"))
        for k in set(mine) | set(gen)
    ]
    summary = summary_of(engine)
    row = summary.loc["2026-11-22"]
    assert (
        (row.cells_compared, row.cells_differing, row.largest_difference)
        == (
            len(diffs),
            sum(d > 0 for d in diffs),
            max(diffs),
        )
        == (3, 3, 12.5)
    )
    assert summary.drop(index="2026-11-22")["cells_compared"].isna().all()
    page = days_table_html(summary.reset_index())
    assert all(f">{figure}</td>" in page for figure in ("3", "12.5")) and "KPI cells differing" in page
