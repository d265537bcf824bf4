"""Late data: widen a run's extraction window back over the previous days.

Surveys, evaluations and wrap-up edits can reach a conversation days after it ended. With
``lookback_days = N`` the run for day D extracts ``[D-N, D+1)`` in one details job, and the
load rewrites those whose content hash changed, so late changes land without a separate rerun
of each earlier day. The partition (audit, aggregates, reconciliation) stays the run's own day.
"""
from __future__ import annotations

from datetime import timedelta

from genesys_pipeline.window import Window, WindowError, WindowLimits


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
