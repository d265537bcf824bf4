"""Late data: the lookback widens a run's window back over the previous days, within one job's limit."""

from __future__ import annotations

from datetime import UTC

import pytest


def test_lookback_widens_only_the_start_and_refuses_what_one_job_cannot_hold():
    from datetime import datetime

    from genesys_pipeline.plan.lookback import lookback_window
    from genesys_pipeline.plan.window import Window, WindowError, WindowLimits

    day = Window(datetime(2024, 5, 3, tzinfo=UTC), datetime(2024, 5, 4, tzinfo=UTC))
    limits = WindowLimits(max_interval_days=3)
    assert lookback_window(day, 0, limits) == day
    assert lookback_window(day, 2, limits).interval == "2024-05-01T00:00:00.000Z/2024-05-04T00:00:00.000Z"
    with pytest.raises(WindowError, match="lookback_days.*over genesys_max_job_interval_days"):
        lookback_window(day, 3, limits)
    with pytest.raises(WindowError, match="lookback_days: must be >= 0"):
        lookback_window(day, -1, limits)
