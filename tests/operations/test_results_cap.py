"""Acceptance (issue 12, "Results cap"): with the org's ``max_job_results`` below a day's volume,
a daily run still loads exactly the truth.

The emulator answers the real-style 400 "pagination may not exceed N results" past its cap; the
run must split its window into piece jobs and stitch them. Judged three ways, none of them the
pipeline's own reading: the emulator's ground truth (ids), facts recomputed from the raw records of
an uncapped oracle job (``living_week.truth_at_clock``: ends, evaluations, surveys, wrap-up codes),
and every table equal to what the same DAG loads from one uncapped job. The emulator counts the jobs.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from genesys_pipeline.report.audit import read_audit
from genesys_pipeline.warehouse import Warehouse
from tests.operations.living_week import (
    differences,
    truth_at_clock,
    warehouse_facts,
)  # the week test's independent reads
from tests.support.daily_dag_harness import data_snapshot, past_day, run_day, task_states

# ~1 min a dialect (two DAG runs); the fast tier covers splitting and stitching against the emulator
# in tests/genesys_cloud/test_split_extraction.py.
pytestmark = pytest.mark.slow

CAP = 700  # a day holds ~2000 conversations (the emulator's default volume)
LOOKBACK = 1  # a two-day window: pieces also meet at midnight
SUBMIT = "post_analytics_conversations_details_jobs"
RESULTS = "get_analytics_conversations_details_job_results"
DELETE = "delete_analytics_conversations_details_job"


def served(stats: dict, operation: str, status: str) -> int:
    return stats.get(operation, {}).get(status, 0)


def served_since(before: dict, after: dict, operation: str, status: str) -> int:
    return served(after, operation, status) - served(before, operation, status)


def stamp(moment) -> str:
    return f"{moment:%Y-%m-%dT%H:%M:%S.000Z}"


def test_a_daily_run_over_the_results_cap_loads_exactly_the_truth(
    daily_dag,
    warehouse,
    warehouse_url,
    second_warehouse_url,
    pipeline_env,
    emulator,
    monkeypatch,
    tmp_path,
):
    monkeypatch.setenv("AIRFLOW_VAR_GENESYS_LOOKBACK_DAYS", str(LOOKBACK))
    day = past_day()
    first = day - timedelta(days=LOOKBACK)
    truth = emulator.control.ground_truth(f"{stamp(first)}/{stamp(day + timedelta(days=1))}")
    facts = truth_at_clock(emulator.base_url, first.date(), LOOKBACK + 1)  # its own job pages before the cap drops
    emulator.control.configure(max_job_results=CAP)
    assert truth["count"] > 2 * CAP and len(facts) > 2 * CAP

    before = emulator.control.stats()
    capped_run = run_day(daily_dag, day)
    after = emulator.control.stats()

    assert str(capped_run.state) == "success", task_states(capped_run)
    capped = data_snapshot(warehouse)
    ids = [row[0] for row in capped["conversations"]]
    assert set(ids) == set(truth["conversation_ids"])
    assert not differences(facts, warehouse_facts(warehouse_url, first.date(), LOOKBACK + 1))["differing_count"]
    assert warehouse_facts(warehouse_url, first.date(), LOOKBACK + 1) == facts
    [audit] = read_audit(warehouse.engine)
    assert audit["conversations_fetched"] == audit["conversations_loaded"] == truth["count"]  # no id staged twice
    jobs = served_since(before, after, SUBMIT, "202")
    pieces = len(audit["job_id"].split(","))
    assert jobs == pieces + 1 > 2  # the whole-window job that met the cap, then one job per piece
    assert served_since(before, after, RESULTS, "400") >= 1
    assert served_since(before, after, DELETE, "204") == jobs  # none left counting against the org's job cap

    # The same day from one uncapped job, into a second warehouse: every table must be the same.
    emulator.control.configure(max_job_results=400_000)
    monkeypatch.setenv("AIRFLOW_VAR_GENESYS_STAGING_ROOT", str(tmp_path / "reference-staging"))
    pipeline_env(second_warehouse_url)
    reference_before = emulator.control.stats()
    reference_run = run_day(daily_dag, day)
    assert str(reference_run.state) == "success", task_states(reference_run)
    assert served_since(reference_before, emulator.control.stats(), SUBMIT, "202") == 1
    reference = Warehouse.from_url(second_warehouse_url)
    try:
        expected = data_snapshot(reference)
    finally:
        reference.dispose()
    assert sum(map(len, expected.values())) > len(ids)
    for name, rows in expected.items():
        assert capped[name] == rows, f"table {name} differs from the uncapped run's"
    print(
        f"\nresults cap {CAP}: {truth['count']} conversations in {LOOKBACK + 1} days; {jobs} jobs submitted "
        f"({pieces} pieces), {served_since(before, after, RESULTS, '200')} result pages, "
        f"{sum(sum(s.values()) for s in after.values()) - sum(sum(s.values()) for s in before.values())} requests "
        f"served (uncapped: 1 job)"
    )
