"""Adjacent days on the SQLite default, the later day loaded over an earlier extraction: complete, not 0.97.

The earlier day's conversations that run past midnight are also in the later day's extraction.
When the later day's (fresher) copy is already loaded, the earlier day's load keeps it ("skipped
as older"); those conversations are in the warehouse, so they count as loaded.
"""
from __future__ import annotations

from datetime import timedelta

from tests.support.daily_dag_harness import past_day, run_day, task_states
from genesys_pipeline.report.audit import read_audit
from genesys_pipeline.warehouse import Warehouse


def test_an_earlier_day_loaded_after_the_later_one_is_complete_on_the_first_try(
    daily_dag, pipeline_env, sqlite_url, emulator
):
    pipeline_env(sqlite_url)
    later = past_day(2)
    earlier = later - timedelta(days=1)
    # The earlier day is extracted first (its cached extraction is the older one), then the later day
    # loads, then the earlier day's run loads its extraction over it: the order overlapping runs produce.
    runs = [run_day(daily_dag, earlier), run_day(daily_dag, later), run_day(daily_dag, earlier)]

    assert [str(dag_run.state) for dag_run in runs] == ["success"] * 3, [task_states(run) for run in runs]
    warehouse = Warehouse.from_url(sqlite_url)
    try:
        audit = read_audit(warehouse.engine)
    finally:
        warehouse.dispose()
    reloaded = audit[-1]
    assert reloaded["cache_hit"] is True and reloaded["partition"] == f"{earlier:%Y-%m-%d}"
    assert reloaded["conversations_skipped_older"] > 0, "the days share conversations spanning midnight"
    assert reloaded["conversations_loaded"] + reloaded["conversations_skipped_older"] == reloaded["conversations_fetched"]
    assert [row["status"] for row in audit] == ["success"] * 3  # every failed or retried try would have a row
    assert [row["completeness_rate"] for row in audit] == [1.0] * 3
