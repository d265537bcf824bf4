"""Reconciliation against the emulator over HTTP, on SQLite and PostgreSQL warehouses.

The emulator's aggregates and details come from the same generated records, so a complete
load must reconcile exactly; the ``hide_conversations`` fault drops conversations from the
details only, which is the silent data loss reconciliation exists to catch.
"""

from __future__ import annotations

from genesys_pipeline.report import aggregates
from genesys_pipeline.report.reconcile import reconcile
from genesys_pipeline.warehouse.engine import create_warehouse_engine
from tests.support.emulator_day import day_window, load_day, past_day

HIDDEN = 3


def load_and_reconcile(warehouse_url: str, tmp_path, run_id: str = "run-1"):
    from genesys_cloud.hook import GenesysCloudHook

    window = day_window(past_day(2))
    loaded = load_day(warehouse_url, window, tmp_path / "staging")
    hook = GenesysCloudHook()
    rows = aggregates.flatten(
        hook.query_conversation_aggregates(aggregates.facet_query(window.interval)), window.partition, run_id
    )
    census = aggregates.census_counts(hook.query_conversation_aggregates(aggregates.census_query(window.interval)))
    engine = create_warehouse_engine(warehouse_url)
    try:
        aggregates.replace_partition(engine, window.partition, rows)
        bounds = window.as_dict()
        result = reconcile(
            engine,
            bounds["interval_start"],
            bounds["interval_end"],
            aggregates.read_partition(engine, window.partition),
            census,
        )
        return loaded, rows, result
    finally:
        engine.dispose()


def test_an_emulator_day_reconciles_exactly(genesys, warehouse_url, tmp_path):
    loaded, _rows, result = load_and_reconcile(warehouse_url, tmp_path)
    truth = genesys.control.ground_truth(day_window(past_day(2)).interval)["count"]
    assert loaded == truth > 0
    assert result.status == "match", result.as_dict()["mismatches"][:5]
    compared = result.as_dict()["compared"]
    assert compared["conversations"] >= 3 and compared["offered"] >= 3 and compared["connected"] >= 3


def test_reloading_the_aggregates_replaces_the_partition(genesys, warehouse_url, tmp_path):
    _, rows, _ = load_and_reconcile(warehouse_url, tmp_path, run_id="run-1")
    _, _, result = load_and_reconcile(warehouse_url, tmp_path, run_id="run-2")
    engine = create_warehouse_engine(warehouse_url)
    try:
        stored = aggregates.read_partition(engine, day_window(past_day(2)).partition)
    finally:
        engine.dispose()
    assert len(stored) == len(rows) and {row["_run_id"] for row in stored} == {"run-2"}
    assert result.status == "match"


def test_hidden_conversations_flag_the_partition_incomplete_with_their_delta(genesys, sqlite_url, tmp_path):
    genesys.control.add_fault("*", "hide_conversations", n=HIDDEN)
    loaded, _, result = load_and_reconcile(sqlite_url, tmp_path)
    truth = genesys.control.ground_truth(day_window(past_day(2)).interval)["count"]
    assert loaded == truth - HIDDEN
    report = result.as_dict()
    assert report["status"] == "incomplete" and result.incomplete
    assert report["conversations_delta"] == HIDDEN
    assert all(m["delta"] > 0 for m in report["mismatches"])
