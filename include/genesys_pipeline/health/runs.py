"""Run-level figures, apart from the days: one row per Airflow run, from its attempts' audit rows.

A run's window may cover several days (lookback, a manual window) and its load reports the
whole window, so these numbers are the run's, never a day's. What the load did is shown as it
is: *written* (new or changed content hash), *unchanged* (same hash, not rewritten), *skipped
as older* (the warehouse already held a fresher copy), *rejected* and *erased*. Counts and
durations are the run's latest attempt; API use counts each Genesys job once (every attempt of
a run carries its extract's numbers, and a cached re-extraction reports zero for the same job).
"""

from __future__ import annotations

import pandas as pd

API_COLUMNS = ["api_requests", "api_retries", "api_throttled"]
RUN_KEYS = ["dag_id", "run_id"]
_LATEST = {
    "partition": "partition",
    "status": "status",
    "conversations_fetched": "fetched",
    "conversations_changed": "written",
    "conversations_unchanged": "unchanged",
    "conversations_skipped_older": "skipped_older",
    "conversations_rejected": "rejected",
    "conversations_deleted": "erased",
    "cache_hit": "cache_hit",
    "recorded_at": "recorded_at",
}
RUN_COLUMNS = [*RUN_KEYS, *_LATEST.values(), "attempts", *API_COLUMNS, "extract_seconds", "load_seconds"]


def run_summary(audit: pd.DataFrame) -> pd.DataFrame:
    """One row per run (newest first), in :data:`RUN_COLUMNS` order."""
    if audit.empty:
        return pd.DataFrame(columns=RUN_COLUMNS)
    ordered = audit.sort_values("id")
    attempts = ordered.groupby(RUN_KEYS, sort=False)
    latest = attempts.tail(1).set_index(RUN_KEYS)
    runs = latest[list(_LATEST)].rename(columns=_LATEST)
    runs["attempts"] = attempts.size()
    latencies = latest["stage_latency_seconds"].map(lambda s: s or {})
    runs["extract_seconds"] = latencies.map(lambda s: s.get("extract"))
    runs["load_seconds"] = latencies.map(lambda s: s.get("load"))
    runs["recorded_at"] = pd.to_datetime(runs["recorded_at"], utc=True)
    runs = runs.join(_api_use(ordered))
    return runs.reset_index().sort_values("recorded_at", ascending=False).reindex(columns=RUN_COLUMNS)


def _api_use(audit: pd.DataFrame) -> pd.DataFrame:
    """Per run, the API calls of each distinct Genesys job counted once."""
    jobs = audit.dropna(subset=["job_id"]).groupby([*RUN_KEYS, "job_id"])[API_COLUMNS].max()
    return jobs.groupby(level=RUN_KEYS).sum(min_count=1)
