"""The fault matrix: the daily DAG end to end under each fault, on the warehouses the fault concerns.

A fault of the API or the webhook runs on PostgreSQL; a fault of the warehouse on SQLite and PostgreSQL
(``FaultRow.warehouses``).

For each row: the run completes with the warehouse equal to ground truth, or fails with a clear
message and the warehouse unchanged; then, with the fault gone, a rerun completes.
"""

from __future__ import annotations

import re

import pytest

from genesys_pipeline.tables import CONVERSATION_TABLES
from tests.reliability.fault_rows import COMPLETES, FAILS, FAULT_ROWS, FaultContext, FaultRow
from tests.reliability.reliability_runs import (
    backend_of,
    data_tables,
    failure_messages,
    ground_truth_ids,
    measured_run,
    warehouse_ids,
)

pytestmark = pytest.mark.slow
CONVERSATION_TABLE_NAMES = {spec.name for spec in CONVERSATION_TABLES}
MESSAGE_CHARS = 140


def assert_equals_ground_truth(control, day, warehouse_url: str, baseline) -> None:
    assert warehouse_ids(warehouse_url) == ground_truth_ids(control, day)
    assert data_tables(warehouse_url) == baseline.tables, "the warehouse differs from a clean run's"


def assert_unchanged_by_failure(warehouse_url: str, baseline) -> None:
    """No conversation data at all; a table filled by a branch that does not depend on the failed
    step (the day's aggregates) may only hold exactly what a clean run puts there."""
    left = data_tables(warehouse_url)
    assert not CONVERSATION_TABLE_NAMES & set(left), f"a failed run left conversation data: {sorted(left)}"
    partial = [name for name, rows in left.items() if rows != baseline.tables.get(name)]
    assert partial == [], f"a failed run left partial or wrong data in {partial}"


def reported_error(row: FaultRow, control, warehouse_url: str) -> str:
    """The failed run's reported error that matches the row's expected message."""
    messages = failure_messages(control, warehouse_url)
    matching = [message for message in messages if re.search(row.message, message)]
    assert matching, f"no reported error matches {row.message!r}: {messages}"
    return matching[0]


CASES = [pytest.param(row, backend, id=f"{backend}-{row.id}") for row in FAULT_ROWS for backend in row.warehouses]


@pytest.mark.parametrize(("row", "warehouse_url"), CASES, indirect=["warehouse_url"])
def test_fault(
    row: FaultRow,
    daily_dag,
    small_emulator,
    pipeline_env,
    warehouse_url,
    clean_baseline,
    day,
    tmp_path,
    report_row,
    org_now,
):
    control = small_emulator.control
    patch = pytest.MonkeyPatch()
    ctx = FaultContext(control, patch, daily_dag, pipeline_env, warehouse_url, tmp_path)
    try:
        row.arm(ctx)
        first = measured_run(daily_dag, day, control)
    finally:
        row.heal(ctx)
        patch.undo()
    assert row.fired(ctx), f"fault {row.id} never fired: {control.faults()}"

    message = ""
    if row.expect == COMPLETES:
        assert first.succeeded, first.task_states
        assert_equals_ground_truth(control, day, warehouse_url, clean_baseline)
    elif row.expect == FAILS:
        assert not first.succeeded, first.task_states
        assert_unchanged_by_failure(warehouse_url, clean_baseline)
        message = reported_error(row, control, warehouse_url)
    else:  # the data is synced, only the notification failed
        states = first.task_states
        assert states["notify"] == "failed" and states["load"] == states["audit"] == "success", states
        assert_equals_ground_truth(control, day, warehouse_url, clean_baseline)

    rerun = measured_run(daily_dag, day, control)
    assert rerun.succeeded, rerun.task_states
    assert_equals_ground_truth(control, day, warehouse_url, clean_baseline)
    clock = control.clock()  # the comparisons above hold only for the org the baseline read
    assert clock["pinned"] and clock["now"] == pytest.approx(org_now.timestamp(), abs=0.001), clock

    recovered_with = [first, rerun] if row.expect == FAILS else [first]  # the runs a complete warehouse took
    report_row(
        "faults",
        **{
            "fault": row.title,
            "warehouse": backend_of(warehouse_url),
            "first run": row.expect,
            "message (failed runs)": message[:MESSAGE_CHARS] + ("…" if len(message) > MESSAGE_CHARS else ""),
            "rerun": f"completes ({rerun.requests} requests)",
            "extra requests": sum(run.requests for run in recovered_with) - clean_baseline.requests,
            "extra wall time": sum(run.seconds for run in recovered_with) - clean_baseline.seconds,
        },
    )
