"""Every daily-sync run names the day (or window) it syncs, as its run note, when it starts.

A run's own labels mislead: a backfill run for day D is called ``backfill__<D+1>`` (Airflow names
it after ``run_after``), and a manual run given a window in its params shows an unrelated data
interval. Airflow 3.3 has no task-side API for run notes, so this scheduler listener
(``on_dag_run_running``) writes the note as the scheduler starts the run, inside the
scheduler's own transaction, from the same rule ``validate_window`` applies
(:func:`genesys_pipeline.plan.window.resolve_window`). The note shows in the run's header, its
details and the grid; a note someone already wrote is never replaced.
"""

from __future__ import annotations

import logging
from typing import Any

from airflow.listeners import hookimpl

from genesys_pipeline.plan.window import WindowError, resolve_window

log = logging.getLogger(__name__)

DAILY_DAG_ID = "genesys_conversations_daily"
NOTE_PREFIX = "Syncs "


def synced_label(
    data_interval_start: Any, data_interval_end: Any, conf: dict[str, Any] | None, run_after: Any = None
) -> str:
    """``Syncs 2024-05-01 (UTC day)`` or ``Syncs 2024-12-01 00:00 → 2024-12-03 00:00 UTC``; names a bad window."""
    conf = conf or {}
    try:
        window = resolve_window(
            data_interval_start,
            data_interval_end,
            conf.get("interval_start"),
            conf.get("interval_end"),
            run_after=run_after,
        )
    except WindowError as error:
        return f"{NOTE_PREFIX}nothing: {error}"
    if window.partition == window.start.strftime("%Y-%m-%d"):
        return f"{NOTE_PREFIX}{window.partition} (UTC day)"
    return f"{NOTE_PREFIX}{window.start:%Y-%m-%d %H:%M} → {window.end:%Y-%m-%d %H:%M} UTC"


@hookimpl
def on_dag_run_running(dag_run: Any, msg: str) -> None:
    """Label a starting daily-sync run with what it syncs (no note of its own yet)."""
    if dag_run.dag_id != DAILY_DAG_ID or dag_run.note:
        return
    try:
        dag_run.note = synced_label(
            dag_run.data_interval_start, dag_run.data_interval_end, dag_run.conf, getattr(dag_run, "run_after", None)
        )
    except Exception:  # a label is never worth a scheduler error
        log.exception("Could not label run %s with its synced day", dag_run.run_id)
