"""Soak: a 7-day backfill, one dag.test() run per day, with random 429s and 503s on every API call."""

from __future__ import annotations

import pytest

from tests.reliability.reliability_runs import audit_rows, ground_truth_ids, measured_run, warehouse_ids
from tests.support.daily_dag_harness import past_day

pytestmark = pytest.mark.slow
FAULT_RATES = {"429": 0.05, "503": 0.02}
BACKFILL_DAYS = 7


def injected_faults(stats: dict[str, dict[str, int]]) -> int:
    return sum(count for by_status in stats.values() for status, count in by_status.items() if status in FAULT_RATES)


def test_seven_day_backfill_under_random_faults(
    daily_dag, small_emulator, pipeline_env, sqlite_url, no_task_retries, report_row
):
    pipeline_env(sqlite_url)
    control = small_emulator.control
    control.set_fault_probabilities(dict(FAULT_RATES), seed=7)
    days = [past_day(days_ago) for days_ago in range(BACKFILL_DAYS + 1, 1, -1)]  # oldest first

    runs = [measured_run(daily_dag, day, control) for day in days]

    assert [run.state for run in runs] == ["success"] * BACKFILL_DAYS, [
        run.task_states for run in runs if not run.succeeded
    ]
    control.set_fault_probabilities({})
    expected = set().union(*(ground_truth_ids(control, day) for day in days))
    assert warehouse_ids(sqlite_url) == expected
    audits = [row for row in audit_rows(sqlite_url) if row["status"] == "success"]
    assert sorted(row["partition"] for row in audits) == [f"{day:%Y-%m-%d}" for day in days]
    assert all(row["completeness_rate"] == 1.0 for row in audits)
    faults = injected_faults(control.stats())
    retries = sum(row["api_retries"] or 0 for row in audits)
    assert faults > 0, "the soak injected no faults: raise the rates or the volume"
    assert retries <= faults, "the extract tasks retried more often than the emulator failed a call"
    print(
        f"\nsoak: {BACKFILL_DAYS} days, {sum(run.requests for run in runs)} requests, {faults} injected faults, "
        f"{retries} retries recorded by the extract tasks, {sum(run.seconds for run in runs):.1f} s"
    )
    report_row(
        "soak",
        **{
            "fault rates": ", ".join(f"{rate:.0%} HTTP {status}" for status, rate in FAULT_RATES.items()),
            "partitions complete": f"{len(audits)}/{BACKFILL_DAYS}",
            "ground truth matches": f"yes ({len(expected)} conversations)",
            "API requests": sum(run.requests for run in runs),
            "retries in sync_audit (extract)": retries,
            "faults injected (emulator)": faults,
            "wall time": sum(run.seconds for run in runs),
        },
    )
