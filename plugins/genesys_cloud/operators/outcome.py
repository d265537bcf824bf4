"""``outcome``: the run's verdict, so the reporting tasks can run whatever happened.

``audit`` and ``notify`` run after a failed task too (``all_done``) and report the failure
instead of standing in the grid as ``upstream_failed`` as if nothing had been said. Airflow
derives a run's state from its leaf tasks, so a green ``notify`` would turn a failed day's run
green; this leaf, downstream of every task with ``one_failed``, fails the run then and is
skipped otherwise (the watcher pattern of Airflow's own system tests).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseOperator
from airflow.sdk.exceptions import AirflowFailException
from airflow.task.trigger_rule import TriggerRule

if TYPE_CHECKING:
    from airflow.sdk.types import Operator

FAILED = "failed"


def failed_tasks(context: Mapping[str, Any], among: Iterable[str]) -> list[str]:
    """The tasks of ``among`` that failed for good in this run (not those merely upstream of one), in
    ``among``'s order. Asked of the API server: a task process has no metadata database."""
    ti = context["ti"]
    states = ti.get_task_states(dag_id=ti.dag_id, run_ids=[ti.run_id]).get(ti.run_id, {})
    return [task_id for task_id in among if states.get(task_id) == FAILED]


class GenesysRunOutcomeOperator(BaseOperator):
    """Fails the run, naming the tasks that failed, when any upstream task failed; skipped otherwise."""

    ui_color = "#f6eeee"

    def __init__(self, **kwargs: Any) -> None:
        # No audit callbacks: the failure it states is already on record.
        kwargs.update(on_failure_callback=None, on_retry_callback=None)
        super().__init__(trigger_rule=TriggerRule.ONE_FAILED, retries=0, **kwargs)

    def execute(self, context: Any) -> None:
        failed = failed_tasks(context, [task.task_id for task in self.get_flat_relatives(upstream=True)])
        names = ", ".join(sorted(failed)) or "an upstream task"
        raise AirflowFailException(f"{names} failed for good: see the audit task's row and the notify task's webhook")


def add_outcome(tasks: Iterable[Operator]) -> GenesysRunOutcomeOperator:
    """The ``outcome`` leaf, downstream of every given task (all of the DAG's: call it last in the DAG body)."""
    tasks = list(tasks)
    outcome = GenesysRunOutcomeOperator(task_id="outcome")
    for task in tasks:
        task >> outcome
    return outcome
