"""The bad-input matrix: every wrong input fails the run with an error naming the field, before
any write to the warehouse and (for all but credential checks) before any Genesys data call."""

from __future__ import annotations

import pytest

from genesys_cloud.api.exceptions import GenesysApiError
from genesys_cloud.operators.details_job import GenesysDetailsJobOperator
from tests.reliability.bad_inputs import BAD_INPUTS, BadInput, InputContext
from tests.reliability.reliability_runs import data_tables, failure_messages, measured_run

pytestmark = pytest.mark.slow
ERROR_CHARS = 160
DATA_CALLS = ("post_analytics_conversations_details_jobs", "get_analytics_conversations_details_job_results")


@pytest.mark.parametrize("bad", BAD_INPUTS, ids=[bad.id for bad in BAD_INPUTS])
def test_bad_input_is_refused_before_any_write(
    bad: BadInput, daily_dag, small_emulator, pipeline_env, sqlite_url, day, monkeypatch, no_task_retries, report_row
):
    pipeline_env(sqlite_url)
    conf = bad.apply(InputContext(monkeypatch, small_emulator, day))

    run = measured_run(daily_dag, day, small_emulator.control, **conf)

    states = run.task_states
    assert states[bad.task] == "failed", states
    assert all(state != "success" for task, state in states.items() if task in ("extract", "load")), states
    # outcome reports the failure and fails the run; audit waits for the rerun (Clear, "Only failed")
    assert (states["audit"], states["outcome"]) == ("upstream_failed", "failed"), states
    stats = small_emulator.control.stats()
    assert not any(name in stats for name in DATA_CALLS), f"a Genesys data call was made: {stats}"
    assert data_tables(sqlite_url) == {}, "the warehouse was written to"
    errors = [message for message in failure_messages(small_emulator.control, sqlite_url) if message]
    assert errors, "the failure was not reported"
    assert any(bad.field in message for message in errors), f"no error names {bad.field!r}: {errors}"
    error = next(message for message in errors if bad.field in message)
    report_row(
        "bad_inputs",
        **{
            "input": bad.title,
            "failing task": bad.task,
            "field named": f"`{bad.field}`",
            "error (first 160 characters)": error[:ERROR_CHARS] + ("…" if len(error) > ERROR_CHARS else ""),
            "warehouse untouched": "yes (no row in any data table)",
        },
    )


class _TaskInstance:
    def xcom_push(self, key: str, value: object) -> None:
        raise AssertionError(f"nothing may be pushed for a refused query ({key}={value!r})")


def test_unknown_filter_dimension_is_refused_naming_it(small_emulator, tmp_path, report_row):
    """The DAG takes no filters; operators that do (``query_overrides``) get Genesys's 400 naming the
    dimension, raised before a job exists or anything is staged."""
    operator = GenesysDetailsJobOperator(
        task_id="filtered_extract",
        interval="2024-05-01T00:00:00.000Z/2024-05-02T00:00:00.000Z",
        staging_root=str(tmp_path / "staging"),
        partition="2024-05-01",
        query_overrides={
            "conversationFilters": [
                {"type": "and", "predicates": [{"dimension": "shoeSize", "value": "44"}]},
            ]
        },
    )

    with pytest.raises(GenesysApiError) as refused:
        operator.execute({"ti": _TaskInstance()})

    assert refused.value.status == 400 and "dimension" in str(refused.value) and "shoeSize" in str(refused.value)
    assert not (tmp_path / "staging").exists()
    report_row(
        "bad_inputs",
        **{
            "input": "unknown filter dimension (shoeSize) in an operator's query_overrides",
            "failing task": "extract",
            "field named": "`dimension`",
            "error (first 160 characters)": str(refused.value)[:ERROR_CHARS],
            "warehouse untouched": "yes (nothing staged)",
        },
    )
