"""The backfill planner: its arithmetic recomputed by hand (the script's smoke run against the emulator:
tests/scripts/test_plan_backfill.py)."""

from __future__ import annotations

import json
from datetime import date

import pytest

from genesys_pipeline.plan.backfill import (
    BackfillLimits,
    compare_with_measured,
    daily_volume,
    measured_backfills,
    plan,
    volume_queries,
)


def test_plan_is_the_longer_of_the_rate_and_the_job_bounds():
    limits = BackfillLimits(requests_per_minute=60, job_latency_seconds=30, job_cap=2)
    result = plan([2500, 0, 1000], limits)
    assert result.api_requests == (3 + 3) + (3 + 1) + (3 + 1)
    # per run 7 more calls, and 2 polls beyond the one the minimum counts (3 per job on the learnt schedule)
    assert result.expected_api_requests == result.api_requests + 3 * (7 + 2)
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


def test_the_model_beside_a_measured_backfill(tmp_path):
    """14 days of 2,000 at 20-90 s with 5 jobs at once: 14 jobs of 55 s over 5 slots = 154 s; a
    backfill that took 177.1 s was 15 % over the model."""
    measured = {
        "regime": "api",
        "days": 14,
        "conversations": 28000,
        "job_latency_s": [20.0, 90.0],
        "rate_limit_per_min": 300,
        "job_cap": 5,
        "floor_s": 12.0,
        "wall_s": 177.1,
        "api_bound_s": 154.0,
        "api_requests": 130,
    }
    path = tmp_path / "backfill.jsonl"
    path.write_text("\n".join(["not json", '{"cut off', json.dumps(measured), ""]))
    assert measured_backfills(path) == [measured]
    assert measured_backfills(tmp_path / "absent.jsonl") == []
    comparison = compare_with_measured(measured)
    assert comparison["estimate_wall_s"] == pytest.approx(14 * 55 / 5)
    assert comparison["wall_error_pct"] == pytest.approx(15.0, abs=0.1)
    assert comparison["estimate_api_requests"] == 14 * (3 + 2) + 14 * (7 + 2)  # 2 pages a day
