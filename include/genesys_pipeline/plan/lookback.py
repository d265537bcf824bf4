"""Late data: widen a run's extraction window back over the previous days.

Surveys, evaluations and wrap-up edits can reach a conversation days after it ended. With
``lookback_days = N`` the run for day D extracts ``[D-N, D+1)`` in one details job, and the
load rewrites those whose content hash changed, so late changes land without a separate rerun
of each earlier day. The partition (audit, aggregates, reconciliation) stays the run's own day.

A backfill is different: its runs read consecutive days at about the same moment, so each day
is already its neighbours' lookback. There the setting would read every result page
``lookback_days + 1`` times (4x the API requests of a year's backfill at the default 3), so
backfill runs default to no lookback; the run's ``lookback_days`` param still overrides.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from genesys_pipeline.plan.window import Window, WindowError, WindowLimits

BACKFILL_RUN_TYPE = "backfill"


def default_lookback_days(setting: int, run_type: Any) -> int:
    """The lookback of a run whose params do not give one: the setting, or 0 in a backfill run."""
    return 0 if run_type == BACKFILL_RUN_TYPE else setting


def lookback_window(window: Window, days: int, limits: WindowLimits) -> Window:
    """``window`` with its start moved ``days`` earlier; the widened window must still fit one job."""
    if days < 0:
        raise WindowError("lookback_days", f"must be >= 0, got {days}")
    widened = Window(window.start - timedelta(days=days), window.end)
    if widened.end - widened.start > timedelta(days=limits.max_interval_days):
        raise WindowError(
            "lookback_days",
            f"{days} days back makes the extraction {(widened.end - widened.start).days} days wide, "
            f"over genesys_max_job_interval_days ({limits.max_interval_days})",
        )
    return widened
