"""``audit`` and the failure callbacks: one ``sync_audit`` row per partition attempt, whatever its outcome.

The callbacks run on every failed or retried try of any pipeline task, so every try is on
record with its (sanitised) error. Where the DAG ends in an ``outcome`` leaf (the conversation,
by-id and agent-activity DAGs, :mod:`genesys_cloud.operators.outcome`), that task reports a try
that failed for good (its row, ``partition_failed``); elsewhere (the refresh DAG) the failure
callback sends the webhook. Callbacks must never raise: a broken warehouse or webhook is logged, and the
task's own error stays what the user sees.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from airflow.sdk.exceptions import AirflowNotFoundException
from sqlalchemy import inspect

from genesys_cloud.operators.audited import AuditedOperator, rendered_audit_inputs
from genesys_cloud.operators.notify import post_event, worst_case_seconds
from genesys_cloud.warehouse_connection import WAREHOUSE_CONN_ID, warehouse_engine
from genesys_pipeline.plan.window import WindowError, resolve_window
from genesys_pipeline.report import webhook
from genesys_pipeline.report.audit import AuditRecord, write_audit_reliably
from genesys_pipeline.report.sanitize import safe_error_message
from genesys_pipeline.warehouse.converge.open_conversations import open_conversations
from genesys_pipeline.warehouse.engine import schema_for

log = logging.getLogger(__name__)


def _partition_of(context: Mapping[str, Any], plan: Mapping[str, Any]) -> str:
    """The plan's partition, or (when validation itself failed) the data interval's day."""
    if plan.get("partition"):
        return plan["partition"]
    dag_run = context["dag_run"]
    try:
        return resolve_window(
            dag_run.data_interval_start, dag_run.data_interval_end, run_after=getattr(dag_run, "run_after", None)
        ).partition
    except WindowError:
        return "unknown"


def build_record(
    context: Mapping[str, Any],
    status: str,
    *,
    plan: Mapping[str, Any] | None,
    extraction: Mapping[str, Any] | None,
    load: Mapping[str, Any] | None,
    reconciliation: Mapping[str, Any] | None,
    authentication: Mapping[str, Any] | None = None,
    follow_up: Mapping[str, Any] | None = None,
    resync: Mapping[str, Any] | None = None,
) -> AuditRecord:
    """An audit record of this try from the results earlier tasks of the run produced (any may be missing)."""
    ti = context["ti"]
    plan = plan or {}
    record = AuditRecord(
        dag_id=context["dag"].dag_id,
        run_id=context["run_id"],
        try_number=ti.try_number,
        task_id=ti.task_id,
        partition=_partition_of(context, plan),
        status=status,
        interval_start=plan.get("interval_start"),
        interval_end=plan.get("interval_end"),
    )
    record.add_extract(extraction or {})
    record.add_load(load or {})
    record.add_reconciliation(reconciliation or {})
    record.add_follow_up(follow_up or {})
    record.add_resync(resync or {})
    if authentication and authentication.get("division_ids") is not None:
        record.add_divisions(authentication["division_ids"])
    record.stage_latency_seconds = _stage_latencies({"extract": extraction, "load": load})
    return record


def _stage_latencies(results: Mapping[str, Mapping[str, Any] | None]) -> dict[str, float]:
    latencies: dict[str, float] = {}
    for stage, result in results.items():
        seconds = (result or {}).get("seconds")
        if isinstance(seconds, (int, float)):
            latencies[stage] = round(seconds, 3)
    return latencies


def write_audit_row(
    record: AuditRecord, conn_id: str = WAREHOUSE_CONN_ID, *, with_open_conversations: bool = False
) -> None:
    """Insert one ``sync_audit`` row through short-lived engines (tasks and callbacks are short-lived too),
    retried; a row that cannot be written is logged whole, as an error. ``with_open_conversations``
    first notes what is still open in the warehouse after the run."""
    if with_open_conversations:
        engine = warehouse_engine(conn_id)
        try:
            if inspect(engine).has_table("conversations", schema=schema_for(engine)):
                still_open = open_conversations(engine)
                record.add_open_conversations(still_open.count, still_open.oldest_start)
        finally:
            engine.dispose()
    write_audit_reliably(lambda: warehouse_engine(conn_id), record)


def _record_from_run(context: Mapping[str, Any], status: str) -> AuditRecord:
    """For the callbacks: the record built from the failing task's own rendered ``audit_inputs``
    (the upstream results its DAG file handed it; any may be missing)."""
    return build_record(context, status, **rendered_audit_inputs(getattr(context["ti"], "task", None)))


class GenesysAuditOperator(AuditedOperator):
    """Writes the ``success`` (or, when reconciliation failed, ``incomplete``) row of this attempt and
    returns its summary (the webhook's payload). It runs only after every task before it succeeded:
    after a failed task it stays ``upstream_failed``, so the rerun's Clear with "Only failed" reruns it
    (the ``outcome`` task reports the failure). Its inputs, the results of ``validate_window``,
    ``extract``, ``load``, ``reconcile``, ``authenticate`` (divisions read) and ``follow_up_open`` (in
    the by-id DAG, ``resync``), are its ``audit_inputs`` (templated, rendered once), so a failed try of
    the audit itself is recorded with them too. The row also notes the conversations still open in the
    warehouse after the load."""

    ui_color = "#eef6ee"

    def __init__(
        self,
        *,
        plan: Any,
        extraction: Any,
        load: Any,
        reconciliation: Any = None,
        authentication: Any = None,
        follow_up: Any = None,
        resync: Any = None,
        warehouse_conn_id: str = WAREHOUSE_CONN_ID,
        **kwargs: Any,
    ) -> None:
        inputs = {
            "plan": plan,
            "extraction": extraction,
            "load": load,
            "reconciliation": reconciliation,
            "authentication": authentication,
            "follow_up": follow_up,
            "resync": resync,
        }
        super().__init__(audit_inputs=inputs, **kwargs)
        self.warehouse_conn_id = warehouse_conn_id

    def execute(self, context: Any) -> dict[str, Any]:
        record = build_record(context, "success", **rendered_audit_inputs(self))
        write_audit_row(record, self.warehouse_conn_id, with_open_conversations=True)
        self.log.info(
            "Audit: partition %s fetched=%s loaded=%s completeness=%s",
            record.partition,
            record.conversations_fetched,
            record.conversations_loaded,
            record.completeness_rate,
        )
        return record.summary()


def _record_attempt(context: Mapping[str, Any], status: str) -> tuple[AuditRecord | None, bool]:
    """Build and write this try's row; returns the record (even when the warehouse refused it) and
    whether it was written."""
    try:
        record = _record_from_run(context, status)
    except Exception:  # a callback must not mask the task's own error
        log.exception("Could not assemble the %s audit row", status)
        return None, False
    error = context.get("exception")
    record.error = safe_error_message(error) if error is not None else None
    try:
        write_audit_row(record)
    except Exception:
        log.exception("Could not write the %s audit row", status)
        return record, False
    return record, True


def record_retried_attempt(context: Mapping[str, Any]) -> None:
    """``on_retry_callback``: a ``retry`` row, so tries that later succeed are still on record."""
    _record_attempt(context, "retry")


# on_failure_callback runs outside execution_timeout, holding the task's pool slot: its webhook is
# bounded by these, at most FAILURE_WEBHOOK_BOUND_SECONDS (22 s) whatever the receiver does.
FAILURE_WEBHOOK_ATTEMPTS, FAILURE_WEBHOOK_BACKOFF_SECONDS, FAILURE_WEBHOOK_DEADLINE_SECONDS = 2, 2.0, 10.0
FAILURE_WEBHOOK_BOUND_SECONDS = worst_case_seconds(
    FAILURE_WEBHOOK_ATTEMPTS, FAILURE_WEBHOOK_BACKOFF_SECONDS, FAILURE_WEBHOOK_DEADLINE_SECONDS
)


def record_failed_attempt_for_audit(context: Mapping[str, Any]) -> None:
    """``on_failure_callback`` of tasks whose run's ``outcome`` task reports the failure: the ``failed`` row.
    When the warehouse refused it, ``outcome`` cannot read it either: the webhook goes now, with the error."""
    record, written = _record_attempt(context, "failed")
    if record is not None and not written:
        _post_failure(record)


def record_failed_attempt(context: Mapping[str, Any]) -> None:
    """``on_failure_callback`` where nothing reports the failure after the task: a ``failed`` row and the
    ``partition_failed`` webhook."""
    record, _ = _record_attempt(context, "failed")
    if record is not None:
        _post_failure(record)


def _post_failure(record: AuditRecord) -> None:
    """The ``partition_failed`` webhook of a failed try, bounded (FAILURE_WEBHOOK_BOUND_SECONDS), never raising."""
    event, key = webhook.event_from_audit(webhook.EVENT_FAILED, record.summary())
    try:
        post_event(
            event,
            key,
            attempts=FAILURE_WEBHOOK_ATTEMPTS,
            backoff_seconds=FAILURE_WEBHOOK_BACKOFF_SECONDS,
            deadline_seconds=FAILURE_WEBHOOK_DEADLINE_SECONDS,
        )
    except AirflowNotFoundException:
        log.info("No webhook connection: failure event not sent")
    except Exception:
        log.exception("Could not send the failure webhook")
