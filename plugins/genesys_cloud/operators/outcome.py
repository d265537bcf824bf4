"""``outcome``: the run's verdict, and the report of a day that failed for good.

``audit`` and ``notify`` write the day's row and send its webhook once every task before them
succeeded; after a failed task they stand ``upstream_failed``, on purpose: the rerun of a failed
day, Clear with "Only failed" (+ Downstream), picks the tasks it reruns by state (failed and
upstream_failed), so a green ``audit`` would stay green and the rerun would neither write the
settled row nor send ``partition_synced``. This leaf, downstream of every task (``all_done``),
is where the failure shows as reported: it finds the failed try's ``sync_audit`` row (its
failure callback wrote it; written here when no callback ran, e.g. the worker was killed), sends
``partition_failed`` with that try's idempotency key, and fails the run naming the task. On a
good day it is skipped. Failed on a failed day, it is rerun by the same Clear, so every failed
attempt is reported once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseOperator
from airflow.sdk.exceptions import AirflowFailException, AirflowNotFoundException, AirflowSkipException
from airflow.task.trigger_rule import TriggerRule

from genesys_cloud.operators.audit import build_record, write_audit_row
from genesys_cloud.operators.notify import WEBHOOK_CONN_ID, post_event
from genesys_cloud.warehouse_connection import WAREHOUSE_CONN_ID, warehouse_engine
from genesys_pipeline.report import webhook
from genesys_pipeline.report.audit import AuditRecord, latest_failure

if TYPE_CHECKING:
    from airflow.sdk.types import Operator

FAILED = "failed"
NOTIFY_TASK_ID = "notify"  # its failure leaves a synced, audited day: nothing to send partition_failed about


def failed_tasks(context: Mapping[str, Any], among: Iterable[str]) -> list[str]:
    """The tasks of ``among`` that failed for good in this run (not those merely upstream of one), in
    ``among``'s order. Asked of the API server: a task process has no metadata database."""
    ti = context["ti"]
    states = ti.get_task_states(dag_id=ti.dag_id, run_ids=[ti.run_id]).get(ti.run_id, {})
    return [task_id for task_id in among if states.get(task_id) == FAILED]


class GenesysRunOutcomeOperator(BaseOperator):
    """Skipped when nothing failed; otherwise reports each failed task's try (row and ``partition_failed``)
    and fails the run naming them. ``plan`` (templated: ``validate_window``'s result) names the partition
    of a row written here."""

    template_fields = ("plan",)
    ui_color = "#f6eeee"

    def __init__(
        self,
        *,
        plan: Any = None,
        warehouse_conn_id: str = WAREHOUSE_CONN_ID,
        webhook_conn_id: str = WEBHOOK_CONN_ID,
        **kwargs: Any,
    ) -> None:
        # No audit callbacks and no retries: the failure it states is already on record, and a retry
        # would only send the same webhook again.
        kwargs.update(on_failure_callback=None, on_retry_callback=None, retries=0)
        super().__init__(trigger_rule=TriggerRule.ALL_DONE, **kwargs)
        self.plan = plan
        self.warehouse_conn_id = warehouse_conn_id
        self.webhook_conn_id = webhook_conn_id

    def execute(self, context: Any) -> None:
        failed = failed_tasks(context, [task.task_id for task in self.get_flat_relatives(upstream=True)])
        if not failed:
            raise AirflowSkipException("no task failed: audit and notify reported the day")
        reports = [self._report(context, task_id) for task_id in failed if task_id != NOTIFY_TASK_ID]
        if NOTIFY_TASK_ID in failed:
            reports.append(f"{NOTIFY_TASK_ID}: the day is loaded and audited, its webhook was not delivered")
        raise AirflowFailException(f"{', '.join(failed)} failed for good. " + " ".join(reports))

    def _report(self, context: Any, task_id: str) -> str:
        """Report one failed task's try; says what was reported. Never raises: the verdict must be given."""
        try:
            record = self._failed_row(context, task_id)
        except Exception:
            self.log.exception("Could not read or write %s's failed row", task_id)
            return (
                f"{task_id}: no row could be read or written in sync_audit (its failure callback sends "
                "partition_failed itself when the warehouse refuses the row)."
            )
        event, key = webhook.event_from_audit(webhook.EVENT_FAILED, record.summary())
        try:
            post_event(event, key, conn_id=self.webhook_conn_id)
            sent = "partition_failed sent"
        except AirflowNotFoundException:
            sent = f"no webhook sent (no {self.webhook_conn_id!r} connection)"
        except Exception:
            self.log.exception("Could not send %s's partition_failed webhook", task_id)
            sent = "partition_failed NOT delivered (see this log)"
        self.log.info(
            "Reported %s try %s of partition %s (idempotency key %s)", task_id, record.try_number, record.partition, key
        )
        return f"{task_id} (partition {record.partition}, try {record.try_number}): {record.error}; {sent}."

    def _failed_row(self, context: Any, task_id: str) -> AuditRecord:
        """The ``failed`` row this attempt of the run wrote for ``task_id`` (rows of an earlier attempt, before
        a Clear, are older than the run's start), or a new one when its failure callback wrote none."""
        since: datetime | None = getattr(context["dag_run"], "start_date", None)
        engine = warehouse_engine(self.warehouse_conn_id)
        try:
            record = latest_failure(engine, context["dag"].dag_id, context["run_id"], [task_id], since=since)
        finally:
            engine.dispose()
        if record is None:
            plan = self.plan if isinstance(self.plan, Mapping) else None  # None: the window task failed
            record = build_record(context, FAILED, plan=plan, extraction=None, load=None, reconciliation=None)
            record.task_id = task_id
            record.error = f"{task_id} failed with no error on record (its failure callback did not run)"
            write_audit_row(record, self.warehouse_conn_id)
        return record


def add_outcome(tasks: Iterable[Operator], plan: Any) -> GenesysRunOutcomeOperator:
    """The ``outcome`` leaf, downstream of every given task (all of the DAG's: call it last in the DAG body)."""
    tasks = list(tasks)
    outcome = GenesysRunOutcomeOperator(task_id="outcome", plan=plan)
    for task in tasks:
        task >> outcome
    return outcome
