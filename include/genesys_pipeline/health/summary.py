"""Per-day sync health: one row per calendar day of the window, keyed on the day's data.

What a day shows is what the warehouse holds for it now (conversations, still open), when it
was last extracted whole and by which run (:mod:`.provenance`), and the latest reconciliation
of the day against Genesys's aggregates. None of it adds up run reports, so a rerun that
changes nothing changes no figure, and the totals are the warehouse's.

Status: the latest attempt of the day's own run (``success``, ``incomplete``, ``failed``, or
``retry`` while a retry is pending), except that a day extracted whole after its own run last
failed, or never run itself but extracted by another run's window, is ``covered``; a day with
conversations but never extracted whole (only the half of a conversation that spans midnight,
or a follow-up) is ``partial``; a day with neither is ``missing``. Run-level figures (API use,
durations, written/unchanged/skipped) are in :mod:`.runs`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pandas as pd

from genesys_pipeline.health.provenance import PROVENANCE_COLUMNS, provenance
from genesys_pipeline.health.sources import AGGREGATE_METRICS, DAY_PATTERN, HealthSources

MISSING = "missing"
COVERED = "covered"
PARTIAL = "partial"
MAX_DAYS = 366
STATUS_ORDER = ("success", "incomplete", COVERED, PARTIAL, "retry", "failed", MISSING)
FAILED = ("failed", "retry")
# The latest reconciliation's half-hour queue cells (report.kpi_reconcile), empty when it had none.
KPI_CELL_COLUMNS = ["cells_compared", "cells_differing", "largest_difference"]
COLUMNS = [
    "partition",
    "status",
    "conversations",
    "open_conversations",
    *AGGREGATE_METRICS.values(),
    "reconciliation",
    "conversations_delta",
    *KPI_CELL_COLUMNS,
    "last_extracted_at",
    "extracted_by",
    "extracted_by_run",
    "attempts",
]


def window_days(days: int, end: date) -> list[str]:
    """The ``days`` ISO days ending at ``end``, oldest first."""
    if days < 1:
        raise ValueError(f"days must be at least 1, got {days}")
    return [(end - timedelta(days=offset)).isoformat() for offset in range(days - 1, -1, -1)]


def default_end(today: date | None = None) -> date:
    """Yesterday (UTC): the newest day a daily sync can have finished."""
    return (today or datetime.now(UTC).date()) - timedelta(days=1)


def own_attempts(audit: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """Per day, its own runs' latest attempt (``own_status``, ``own_recorded_at``, ``attempts``, ``run_id``)
    and the latest reconciliation that attempts of the day recorded (its dict, by day)."""
    own = audit[audit["partition"].str.fullmatch(DAY_PATTERN.pattern)].sort_values("id")
    attempts = own.groupby("partition")
    latest = attempts.tail(1).set_index("partition")
    summary = pd.DataFrame(index=latest.index)
    summary["own_status"] = latest["status"]
    summary["own_recorded_at"] = pd.to_datetime(latest["recorded_at"], utc=True)
    summary["attempts"] = attempts.size()
    summary["run_id"] = latest["run_id"]
    reconciled = own[own["reconciliation"].map(lambda r: bool((r or {}).get("status")))]
    return summary, reconciled.groupby("partition").tail(1).set_index("partition")["reconciliation"]


def _own_attempts(audit: pd.DataFrame) -> pd.DataFrame:
    """Per day, its own runs' latest attempt: status, when, how many attempts, the latest reconciliation."""
    summary, last_reconciled = own_attempts(audit)
    summary["reconciliation"] = last_reconciled.map(lambda r: r.get("status"))
    summary["conversations_delta"] = last_reconciled.map(lambda r: r.get("conversations_delta"))
    for column in KPI_CELL_COLUMNS:
        summary[column] = last_reconciled.map(lambda r, c=column: (r.get("cells") or {}).get(c))
    return summary.drop(columns="run_id")


def day_status(row: pd.Series, held: str = "conversations") -> str:
    """The day's status (module docstring) from its own latest attempt, its last whole extraction and
    how many rows of ``held`` it holds."""
    extracted = pd.notna(row["last_extracted_at"])
    own = row["own_status"]
    if pd.notna(own) and not (own in FAILED and extracted and row["last_extracted_at"] > row["own_recorded_at"]):
        return str(own)
    if extracted:
        return COVERED
    return PARTIAL if row[held] > 0 else MISSING


def partition_summary(sources: HealthSources, days: int, end: date) -> pd.DataFrame:
    """One row per day of the window (oldest first), in :data:`COLUMNS` order."""
    frame = pd.DataFrame({"partition": window_days(days, end)})
    own = _own_attempts(sources.audit) if not sources.audit.empty else pd.DataFrame()
    if not own.empty:
        frame = frame.merge(own, how="left", left_on="partition", right_index=True)
    who = provenance(sources.freshness, sources.audit) if not sources.freshness.empty else pd.DataFrame()
    for source in (sources.holdings, sources.freshness, sources.aggregates, who):
        if not source.empty:
            frame = frame.merge(source, how="left", on="partition")
    frame = frame.reindex(columns=[*COLUMNS, "own_status", "own_recorded_at"])
    for count in ("conversations", "open_conversations", "attempts"):
        frame[count] = pd.to_numeric(frame[count]).fillna(0).astype(int)
    frame["status"] = frame.apply(day_status, axis=1) if len(frame) else frame["status"]
    for column in PROVENANCE_COLUMNS[1:]:
        frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    return frame[COLUMNS]


def days_by_status(summary: pd.DataFrame) -> dict[str, int]:
    """How many days of the window are in each status, in :data:`STATUS_ORDER`, statuses with none left out."""
    counts = summary["status"].value_counts()
    return {status: int(counts[status]) for status in STATUS_ORDER if counts.get(status, 0)}


@dataclass(frozen=True)
class HealthTotals:
    """The window's day-level totals: what the warehouse holds for these days, and how many days are in each state."""

    days: int
    by_status: dict[str, int]
    conversations: int
    open_conversations: int
    days_with_data: int

    @classmethod
    def of(cls, summary: pd.DataFrame) -> HealthTotals:
        return cls(
            days=len(summary),
            by_status=days_by_status(summary),
            conversations=int(summary["conversations"].sum()),
            open_conversations=int(summary["open_conversations"].sum()),
            days_with_data=int((summary["conversations"] > 0).sum()),
        )

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)
