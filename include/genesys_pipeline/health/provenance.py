"""Which run made each day's latest whole extraction: its own, a later day's lookback, a manual window, the refresh.

One extraction stamps every whole day it covered with the same ``last_extracted_at`` (the
load upserts ``partition_freshness`` for all of them at once, microseconds included), so the
days sharing a timestamp are one extraction, and the newest of them is the day whose run asked
for it: a lookback reaches back from its run's own day, never forward. That run is the first
attempt recorded after the extraction whose window holds that newest day and that extracted
rather than reused staging (``cache_hit``). The page shows this instead of guessing from the
day's own attempts, so a day read by a neighbour's lookback is not "missing".
"""

from __future__ import annotations

import pandas as pd

from genesys_pipeline.health.sources import DAY_PATTERN

REFRESH_DAG_ID = "genesys_conversations_refresh"
LOADED = ("success", "incomplete")
PROVENANCE_COLUMNS = ["partition", "extracted_by", "extracted_by_run"]


def covers(attempt: pd.Series, day: str) -> bool:
    """The attempt's own window (without lookback) holds ``day``."""
    if DAY_PATTERN.fullmatch(str(attempt["partition"])):
        return bool(attempt["partition"] == day)
    start, end = str(attempt.get("interval_start") or ""), str(attempt.get("interval_end") or "")
    return bool(start[:10] <= day < end)


def describe(attempt: pd.Series | None, day: str) -> str:
    if attempt is None:
        return "no run recorded"
    if attempt["dag_id"] == REFRESH_DAG_ID:
        return "refresh"
    if attempt["partition"] == day:
        return "own run"
    if DAY_PATTERN.fullmatch(str(attempt["partition"])):
        return f"lookback of {attempt['partition']}"
    return f"manual window {attempt['partition']}"


def extracting_attempt(audit: pd.DataFrame, anchor: str, extracted_at: pd.Timestamp) -> pd.Series | None:
    """The first loaded, non-cached attempt recorded after ``extracted_at`` whose window holds ``anchor``."""
    if audit.empty:
        return None
    recorded = pd.to_datetime(audit["recorded_at"], utc=True)
    candidates = audit[
        audit["status"].isin(LOADED) & ~audit["cache_hit"].fillna(False).astype(bool) & (recorded >= extracted_at)
    ]
    candidates = candidates[candidates.apply(covers, axis=1, day=anchor)] if not candidates.empty else candidates
    if candidates.empty:
        return None
    return candidates.loc[pd.to_datetime(candidates["recorded_at"], utc=True).idxmin()]


def provenance(freshness: pd.DataFrame, audit: pd.DataFrame) -> pd.DataFrame:
    """Per day extracted whole: who extracted it last (:data:`PROVENANCE_COLUMNS`)."""
    rows = []
    for extracted_at, days in freshness.groupby("last_extracted_at"):
        anchor = max(days["partition"])
        attempt = extracting_attempt(audit, anchor, pd.Timestamp(extracted_at))
        run = None if attempt is None else str(attempt["run_id"])
        rows += [(day, describe(attempt, day), run) for day in days["partition"]]
    return pd.DataFrame(rows, columns=PROVENANCE_COLUMNS)
