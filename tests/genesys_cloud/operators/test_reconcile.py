"""GenesysReconcileOperator: loaded details vs the day's aggregates. A complete load matches; details
missing conversations (the emulator hides some from jobs, not from aggregates) make it ``incomplete``."""

from __future__ import annotations

import pytest

from genesys_cloud.operators.aggregates import GenesysAggregatesOperator
from genesys_cloud.operators.load import GenesysLoadOperator
from genesys_cloud.operators.reconcile import GenesysReconcileOperator
from tests.genesys_cloud.operators.operator_support import (
    day_interval,
    make_context,
    past_day,
    prepare_warehouse,
    stage_day,
    table_count,
)

DAY = past_day(2)
PARTITION = DAY.strftime("%Y-%m-%d")
START, END = day_interval(DAY).split("/")


def sync_day(staging_root) -> dict:
    """Extract + load + aggregates of DAY, as the DAG runs them; returns the aggregates result."""
    extraction = stage_day(DAY, staging_root)
    prepare_warehouse()
    GenesysLoadOperator(task_id="load", extraction=extraction).execute(make_context(DAY))
    return GenesysAggregatesOperator(task_id="aggregates", interval=day_interval(DAY), partition=PARTITION).execute(
        make_context(DAY)
    )


def run_reconcile(census, aggregates_api=None) -> dict:
    operator = GenesysReconcileOperator(
        task_id="reconcile",
        interval_start=START,
        interval_end=END,
        partition=PARTITION,
        census=census,
        aggregates_api=aggregates_api,
    )
    return operator.execute(make_context(DAY))


@pytest.mark.timeout(60)
def test_a_complete_load_matches(genesys, any_warehouse, staging_root):
    aggregates = sync_day(staging_root)

    result = run_reconcile(aggregates["census"], aggregates["api"])

    assert result["status"] == "match", result["mismatches"][:5]
    assert result["mismatches"] == [] and result["conversations_delta"] == 0
    assert result["compared"]["conversations"] == len(aggregates["census"]) > 0
    assert result["cells"]["cells_compared"] == aggregates["queue_cells"] > 0
    assert result["cells"]["cells_differing"] == 0 and result["aggregates_requests"] == aggregates["api"]["requests"]


@pytest.mark.timeout(60)
def test_hidden_conversations_make_the_partition_incomplete(genesys, sqlite_warehouse, staging_root):
    genesys.control.add_fault("*", "hide_conversations", n=4)
    aggregates = sync_day(staging_root)
    loaded = table_count(sqlite_warehouse, "conversations")
    truth = genesys.control.ground_truth(day_interval(DAY))["count"]
    assert loaded == truth - 4  # the fault took effect on the details side only

    result = run_reconcile(aggregates["census"])

    assert result["status"] == "incomplete"
    assert 0 < result["conversations_delta"] <= 4  # positive: the details miss what the aggregates saw
    assert result["cells"]["cells_differing"] > 0 and result["cells"]["differing_cells"]
    assert all(m["details"] <= m["aggregates"] for m in result["mismatches"])
    assert table_count(sqlite_warehouse, "conversations") == loaded  # a mismatch never deletes data


@pytest.mark.timeout(60)
def test_a_tolerance_turns_a_small_gap_into_within_tolerance(genesys, sqlite_warehouse, staging_root, monkeypatch):
    genesys.control.add_fault("*", "hide_conversations", n=1)
    aggregates = sync_day(staging_root)
    monkeypatch.setenv("AIRFLOW_VAR_GENESYS_RECONCILE_TOLERANCE", "0.9")

    result = run_reconcile(aggregates["census"])

    assert result["status"] == "within_tolerance" and result["tolerance"] == 0.9
    assert result["mismatches"]


def test_no_census_asks_to_rerun_aggregates(sqlite_warehouse):
    with pytest.raises(ValueError, match="rerun the aggregates task"):
        run_reconcile(None)


@pytest.mark.parametrize(("raw", "message"), [("lots", "must be a number"), ("1.5", r"must be in \[0, 1\)")])
def test_a_bad_tolerance_names_the_setting(sqlite_warehouse, monkeypatch, raw, message):
    monkeypatch.setenv("AIRFLOW_VAR_GENESYS_RECONCILE_TOLERANCE", raw)

    with pytest.raises(ValueError, match=f"genesys_reconcile_tolerance {message}"):
        run_reconcile({"voice": 1})
