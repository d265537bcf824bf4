"""Where a backfill's wall time goes, from the task instances the Airflow metadata DB recorded.

Per task id: how long its tries ran (``duration``: start to end, a deferred task's wait in the
triggerer included) and how long it waited between being queued and starting (executor and
task-process start-up). Read through the REST API, which serves the metadata DB's rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from statistics import mean
from typing import Any


def _at(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def task_timings(task_instances: Iterable[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """``{task_id: {"n", "run_s", "max_run_s", "queued_s"}}``: means over the runs, seconds."""
    runs: dict[str, list[float]] = {}
    queued: dict[str, list[float]] = {}
    for ti in task_instances:
        start, end, queued_at = _at(ti.get("start_date")), _at(ti.get("end_date")), _at(ti.get("queued_when"))
        if start is None or end is None:
            continue
        runs.setdefault(ti["task_id"], []).append((end - start).total_seconds())
        if queued_at is not None and queued_at <= start:
            queued.setdefault(ti["task_id"], []).append((start - queued_at).total_seconds())
    return {
        task: {
            "n": len(seconds),
            "run_s": round(mean(seconds), 1),
            "max_run_s": round(max(seconds), 1),
            "queued_s": round(mean(queued.get(task) or [0.0]), 1),
        }
        for task, seconds in sorted(runs.items(), key=lambda item: -mean(item[1]))
    }


def run_spans(dag_runs: Iterable[dict[str, Any]]) -> dict[str, float]:
    """Mean and longest run wall time (start to end), seconds."""
    spans = [
        (_at(r["end_date"]) - _at(r["start_date"])).total_seconds()
        for r in dag_runs
        if r.get("start_date") and r.get("end_date")
    ]
    return {"mean_run_s": round(mean(spans), 1), "max_run_s": round(max(spans), 1)} if spans else {}
