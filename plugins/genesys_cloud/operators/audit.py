"""``audit`` and the failure callback: one ``sync_audit`` row per partition attempt, whatever its outcome.

The callback runs on every failed or retried try of any pipeline task, so an attempt that
never reaches the ``audit`` task is still visible. A final failure also sends the
``partition_failed`` webhook. Callbacks must never raise: a broken warehouse or webhook is
logged, and the task's own error stays what the user sees.
"""
from __future__ import annotations

import logging
from typing import Any, Mapping

from airflow.sdk import BaseOperator
from airflow.sdk.exceptions import AirflowNotFoundException

from genesys_cloud.operators.aggregates import RECONCILE_TASK_ID
from genesys_cloud.operators.notify import post_event
from genesys_cloud.operators.run_context import (
    EXTRACT_TASK_ID,
    LOAD_TASK_ID,
    WAREHOUSE_CONN_ID,
    run_plan,
    write_audit_row,
)
from genesys_pipeline import webhook
from genesys_pipeline.audit import AuditRecord
from genesys_pipeline.sanitize import safe_error_message
from genesys_pipeline.window import WindowError, resolve_window

log = logging.getLogger(__name__)
STAGES = (EXTRACT_TASK_ID, LOAD_TASK_ID)


def _partition_of(context: Mapping[str, Any], plan: Mapping[str, Any]) -> str:
    """The plan's partition, or (when validation itself failed) the data interval's day."""
    if plan.get("partition"):
        return plan["partition"]
    dag_run = context["dag_run"]
    try:
        return resolve_window(dag_run.data_interval_start, dag_run.data_interval_end).partition
    except WindowError:
        return "unknown"


def new_record(context: Mapping[str, Any], status: str) -> AuditRecord:
    """An audit record of this try, filled with whatever earlier tasks of the run produced."""
    ti = context["ti"]
    plan = run_plan(context)
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
    record.add_extract(ti.xcom_pull(task_ids=EXTRACT_TASK_ID) or {})
    record.add_load(ti.xcom_pull(task_ids=LOAD_TASK_ID) or {})
    record.add_reconciliation(ti.xcom_pull(task_ids=RECONCILE_TASK_ID) or {})
    record.stage_latency_seconds = _stage_latencies(context)
    return record


def _stage_latencies(context: Mapping[str, Any]) -> dict[str, float]:
    latencies: dict[str, float] = {}
    for task_id in STAGES:
        result = context["ti"].xcom_pull(task_ids=task_id) or {}
        if isinstance(result.get("seconds"), (int, float)):
            latencies[task_id] = round(result["seconds"], 3)
    return latencies


class GenesysAuditOperator(BaseOperator):
    """Writes the ``success`` (or, when reconciliation failed, ``incomplete``) row of this attempt and
    returns its summary (the webhook's payload)."""

    ui_color = "#eef6ee"

    def __init__(self, *, warehouse_conn_id: str = WAREHOUSE_CONN_ID, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.warehouse_conn_id = warehouse_conn_id

    def execute(self, context: Any) -> dict[str, Any]:
        record = new_record(context, "success")
        write_audit_row(record, self.warehouse_conn_id)
        self.log.info(
            "Audit: partition %s fetched=%s loaded=%s completeness=%s",
            record.partition, record.conversations_fetched, record.conversations_loaded, record.completeness_rate,
        )
        return record.summary()


def _record_attempt(context: Mapping[str, Any], status: str) -> AuditRecord | None:
    """Build and write this try's row; returns the record even when the warehouse refused it."""
    try:
        record = new_record(context, status)
    except Exception:  # a callback must not mask the task's own error
        log.exception("Could not assemble the %s audit row", status)
        return None
    error = context.get("exception")
    record.error = safe_error_message(error) if error is not None else None
    try:
        write_audit_row(record)
    except Exception:
        log.exception("Could not write the %s audit row", status)
    return record


def record_retried_attempt(context: Mapping[str, Any]) -> None:
    """``on_retry_callback``: a ``retry`` row, so tries that later succeed are still on record."""
    _record_attempt(context, "retry")


def record_failed_attempt(context: Mapping[str, Any]) -> None:
    """``on_failure_callback``: a ``failed`` row and the ``partition_failed`` webhook."""
    record = _record_attempt(context, "failed")
    if record is None:
        return
    event, key = webhook.event_from_audit(webhook.EVENT_FAILED, record.summary())
    try:
        post_event(event, key)
    except AirflowNotFoundException:
        log.info("No webhook connection: failure event not sent")
    except Exception:
        log.exception("Could not send the failure webhook")
