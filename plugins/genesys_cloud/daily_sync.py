"""The tasks every daily details-job sync starts and ends with, for the DAG files to call.

The conversation and agent-activity DAGs share their trigger form (one window, the same options),
their head (authenticate → validate_window → wait_for_data), their extract (one details job per
dataset), their webhook step and the ``outcome`` leaf (which reports a task that failed for good and
fails the run); each DAG file keeps only what is its own. Called inside a ``with DAG(...)`` block;
nothing here runs at import or does any I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from airflow.sdk import DAG, Param

from genesys_cloud.defaults import EXTRACT_EXECUTION_TIMEOUT, GENESYS_POOL, WAIT_EXECUTION_TIMEOUT
from genesys_cloud.operators.authenticate import GenesysAuthenticateOperator
from genesys_cloud.operators.extract import GenesysExtractOperator
from genesys_cloud.operators.notify import GenesysSyncNotifyOperator
from genesys_cloud.operators.outcome import GenesysRunOutcomeOperator, add_outcome
from genesys_cloud.operators.validate_window import GenesysWindowOperator
from genesys_cloud.sensors import GenesysWaitForDataSensor

WINDOW_SECTION = "Window (manual runs only)"
OPTIONS_SECTION = "Options"


def window_params() -> dict[str, Param]:
    """The trigger form: the window of a manual run (the one way to set one) and the run's options."""
    return {
        "interval_start": Param(
            None,
            type=["null", "string"],
            title="Interval start",
            description=(
                "ISO-8601 start (e.g. 2024-05-01T00:00:00Z), with interval_end: the window of a manual run "
                "(leave the form's Data interval on Auto). Empty: the run's own day. Not in a backfill."
            ),
            section=WINDOW_SECTION,
        ),
        "interval_end": Param(
            None,
            type=["null", "string"],
            title="Interval end",
            description="ISO-8601 end, exclusive; at most genesys_max_job_interval_days after the start.",
            section=WINDOW_SECTION,
        ),
        "force_extract": Param(
            False,
            type="boolean",
            title="Force extract",
            description="Ignore cached extractions.",
            section=OPTIONS_SECTION,
        ),
        "lookback_days": Param(
            None,
            type=["null", "integer"],
            minimum=0,
            section=OPTIONS_SECTION,
            title="Lookback days",
            description=(
                "Also re-extract this many previous days (late data); "
                "default: Variable genesys_lookback_days (3), 0 in a backfill."
            ),
        ),
    }


@dataclass(frozen=True)
class SyncHead:
    """The head's tasks and the XComArgs the rest of a sync DAG reads."""

    authenticate: GenesysAuthenticateOperator
    validate_window: GenesysWindowOperator
    wait_for_data: GenesysWaitForDataSensor
    access: Any  # division_ids read, all_divisions_read
    plan: Any  # the window and the run's settings, resolved once
    # A failed or retried try's sync_audit row is built from its task's audit_inputs: the upstream results it has.
    plan_inputs: dict[str, Any]


def sync_head() -> SyncHead:
    """authenticate → validate_window → wait_for_data: nothing is written before the client's access,
    the window and the data's availability are known."""
    authenticate = GenesysAuthenticateOperator(task_id="authenticate", pool=GENESYS_POOL)
    access = authenticate.output
    validate_window = GenesysWindowOperator(task_id="validate_window", audit_inputs={"authentication": access})
    plan: Any = validate_window.output
    plan_inputs = {"plan": plan, "authentication": access}
    wait_for_data = GenesysWaitForDataSensor(
        task_id="wait_for_data",
        pool=GENESYS_POOL,
        target=plan["interval_end"],
        availability_timeout_seconds=plan["availability_timeout_seconds"],
        poll_interval_seconds=plan["poll_interval_seconds"],
        execution_timeout=WAIT_EXECUTION_TIMEOUT,
        audit_inputs=plan_inputs,
    )
    authenticate >> validate_window >> wait_for_data
    return SyncHead(authenticate, validate_window, wait_for_data, access, plan, plan_inputs)


def extract_task(head: SyncHead, dataset: str = "conversations") -> GenesysExtractOperator:
    """One details job for the plan's window (split into hour-aligned jobs past max_job_results), staged."""
    plan = head.plan
    return GenesysExtractOperator(
        task_id="extract",
        dataset=dataset,
        pool=GENESYS_POOL,
        execution_timeout=EXTRACT_EXECUTION_TIMEOUT,
        interval=plan["extract_interval"],
        partition=plan["partition"],
        staging_root=plan["staging_root"],
        cache_ttl_seconds=plan["cache_ttl_seconds"],
        force_extract=plan["force_extract"],
        poll_interval=plan["poll_interval_seconds"],
        staging_retention_days=plan["staging_retention_days"],
        max_job_results=plan["max_job_results"],
        audit_inputs=head.plan_inputs,
    )


def notify_task(summary: Any, event_type: str) -> GenesysSyncNotifyOperator:
    """The completion webhook (also the by-id DAG's); its failure is not the run's: the data is merged by then."""
    return GenesysSyncNotifyOperator(
        task_id="notify",
        summary=summary,
        event_type=event_type,
        retries=3,
        on_failure_callback=None,
        on_retry_callback=None,
    )


def outcome_task(dag: DAG, plan: Any) -> GenesysRunOutcomeOperator:
    """The run's verdict (``outcome``), downstream of every task: call it last in the DAG body. ``plan`` (the
    window task's result) names the partition of a failed row it has to write itself."""
    return add_outcome(dag.tasks, plan)
