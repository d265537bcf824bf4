"""The backfill planner: its arithmetic recomputed by hand (the script's smoke run against the emulator:
tests/scripts/test_plan_backfill.py)."""

from __future__ import annotations

from datetime import date

import pytest

from genesys_pipeline.plan.backfill import BackfillLimits, daily_volume, plan, volume_queries


def test_plan_is_the_longer_of_the_rate_and_the_job_bounds():
    limits = BackfillLimits(requests_per_minute=60, job_latency_seconds=30, job_cap=2)
    result = plan([2500, 0, 1000], limits)
    assert result.api_requests == (3 + 3) + (3 + 1) + (3 + 1)
    assert result.expected_api_requests == result.api_requests + 3 * (3 + 5)  # 30 s job, a poll every 5 s
    assert result.rate_bound_s == pytest.approx(14.0)
    assert result.jobs_bound_s == pytest.approx(45.0)  # 3 jobs of 30 s, 2 at a time
    assert result.wall_s == result.jobs_bound_s
    assert plan([20000] * 365, BackfillLimits()).rate_bound_s == pytest.approx(365 * 23 / 4, abs=0.1)


def test_volume_queries_cover_the_range_in_31_day_chunks():
    bodies = list(volume_queries(date(2025, 1, 1), date(2025, 3, 5)))
    assert [b["interval"] for b in bodies] == [
        "2025-01-01T00:00:00.000Z/2025-02-01T00:00:00.000Z",
        "2025-02-01T00:00:00.000Z/2025-03-04T00:00:00.000Z",
        "2025-03-04T00:00:00.000Z/2025-03-06T00:00:00.000Z",
    ]
    assert all(b["granularity"] == "P1D" for b in bodies)


def test_daily_volume_sums_the_day_buckets():
    response = {
        "results": [
            {
                "data": [
                    {
                        "interval": "2025-01-01T00:00:00.000Z/2025-01-02T00:00:00.000Z",
                        "metrics": [
                            {"metric": "nOffered", "stats": {"count": 5}},
                            {"metric": "nOutbound", "stats": {"count": 2}},
                        ],
                    },
                ]
            }
        ]
    }
    assert daily_volume([response]) == {"2025-01-01": 7}
