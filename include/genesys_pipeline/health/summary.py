"""Per-day sync health: one row per calendar day of the window, from every attempt's audit row.

A day's latest attempt decides its status (``success``, ``incomplete``, ``failed``, or
``retry`` while a retry is pending); a day no attempt covered is ``missing``. Counts,
reconciliation and durations are the latest attempt's. API use is what the day cost: each
Genesys job once (every attempt of a run carries its extract's numbers, and a cached
re-extraction reports zero for the same job), summed over the day's distinct jobs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pandas as pd

from genesys_pipeline.health.sources import AGGREGATE_METRICS, HealthSources

MISSING = "missing"
MAX_DAYS = 366
STATUS_ORDER = ("success", "incomplete", "retry", "failed", MISSING)
API_COLUMNS = ["api_requests", "api_retries", "api_throttled"]
COLUMNS = [
    "partition",
    "status",
    "attempts",
    "failed_attempts",
    "conversations_fetched",
    "conversations_loaded",
    "conversations_rejected",
    "completeness_rate",
    "reconciliation",
    "conversations_delta",
    "last_extracted_at",
    "open_conversations",
    *AGGREGATE_METRICS.values(),
    *API_COLUMNS,
    "extract_seconds",
    "load_seconds",
    "recorded_at",
    "run_id",
]
_LATEST_FIELDS = [
    "status",
    "conversations_fetched",
    "conversations_loaded",
    "conversations_rejected",
    "completeness_rate",
    "recorded_at",
    "run_id",
]


def window_days(days: int, end: date) -> list[str]:
    """The ``days`` ISO days ending at ``end``, oldest first."""
    if days < 1:
        raise ValueError(f"days must be at least 1, got {days}")
    return [(end - timedelta(days=offset)).isoformat() for offset in range(days - 1, -1, -1)]


def default_end(today: date | None = None) -> date:
    """Yesterday (UTC): the newest day a daily sync can have finished."""
    return (today or datetime.now(UTC).date()) - timedelta(days=1)


def _latest_attempts(audit: pd.DataFrame) -> pd.DataFrame:
    ordered = audit.sort_values("id")
    attempts = ordered.groupby("partition")
    latest = attempts.tail(1).set_index("partition")
    summary = latest[_LATEST_FIELDS].copy()
    summary["attempts"] = attempts.size()
    summary["failed_attempts"] = attempts["status"].agg(lambda s: int(s.isin(["failed", "retry"]).sum()))
    reconciliation = latest["reconciliation"].map(lambda r: r or {})
    summary["reconciliation"] = reconciliation.map(lambda r: r.get("status"))
    summary["conversations_delta"] = reconciliation.map(lambda r: r.get("conversations_delta"))
    latencies = latest["stage_latency_seconds"].map(lambda s: s or {})
    summary["extract_seconds"] = latencies.map(lambda s: s.get("extract"))
    summary["load_seconds"] = latencies.map(lambda s: s.get("load"))
    summary["recorded_at"] = pd.to_datetime(summary["recorded_at"], utc=True)
    return summary.join(_api_use(ordered))


def _api_use(audit: pd.DataFrame) -> pd.DataFrame:
    """Per day, the API calls of each distinct Genesys job counted once."""
    jobs = audit.dropna(subset=["job_id"]).groupby(["partition", "job_id"])[API_COLUMNS].max()
    return jobs.groupby(level="partition").sum(min_count=1)


def partition_summary(sources: HealthSources, days: int, end: date) -> pd.DataFrame:
    """One row per day of the window (oldest first), in :data:`COLUMNS` order."""
    frame = pd.DataFrame({"partition": window_days(days, end)})
    if not sources.audit.empty:
        frame = frame.merge(_latest_attempts(sources.audit), how="left", left_on="partition", right_index=True)
    for source in (sources.freshness, sources.aggregates):
        if not source.empty:
            frame = frame.merge(source, how="left", on="partition")
    frame = frame.reindex(columns=COLUMNS)
    frame["status"] = frame["status"].fillna(MISSING)
    for count in ("attempts", "failed_attempts"):
        frame[count] = frame[count].fillna(0).astype(int)
    return frame


@dataclass(frozen=True)
class HealthTotals:
    days: int
    by_status: dict[str, int]
    conversations_loaded: int
    api_requests: int
    api_throttled: int
    lowest_completeness: float | None
    open_conversations: int

    @classmethod
    def of(cls, summary: pd.DataFrame) -> HealthTotals:
        counts = summary["status"].value_counts()
        lowest = summary["completeness_rate"].min()

        def total(column: str) -> int:
            return int(pd.to_numeric(summary[column], errors="coerce").fillna(0).sum())

        return cls(
            days=len(summary),
            by_status={status: int(counts.get(status, 0)) for status in STATUS_ORDER if counts.get(status, 0)},
            conversations_loaded=total("conversations_loaded"),
            api_requests=total("api_requests"),
            api_throttled=total("api_throttled"),
            lowest_completeness=None if pd.isna(lowest) else float(lowest),
            open_conversations=total("open_conversations"),
        )

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)
