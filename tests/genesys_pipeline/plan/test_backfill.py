"""The backfill planner: its arithmetic recomputed by hand, and a smoke run against the emulator."""
from __future__ import annotations

import json
import math
import sys
from datetime import date, datetime, timedelta, timezone

import pytest

from tests.support.connections import set_connection
from genesys_pipeline.plan.backfill import BackfillLimits, daily_volume, plan, volume_queries
from tests.support.paths import SCRIPTS

sys.path.insert(0, str(SCRIPTS))
import plan_backfill  # noqa: E402


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


def test_smoke_plan_from_the_emulators_volume(emulator, monkeypatch, capsys):
    emulator.control.reset(conversations_per_day=300, clock=datetime.now(timezone.utc).isoformat())
    set_connection(monkeypatch, emulator.base_url, {"rate_budget_per_minute": 120},
                   login="emulator-client", password="emulator-secret")
    last = datetime.now(timezone.utc).date() - timedelta(days=1)
    first = last - timedelta(days=2)
    plan_backfill.main(["--from", first.isoformat(), "--to", last.isoformat()])
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    truth = sum(
        emulator.control.ground_truth(f"{day}T00:00:00.000Z/{day + timedelta(days=1)}T00:00:00.000Z")["count"]
        for day in (first + timedelta(days=offset) for offset in range(3))
    )
    assert result["days"] == result["jobs"] == 3
    assert result["budget_per_minute"] == 120
    assert 0.7 * truth <= result["conversations"] <= 1.3 * truth  # offered + outbound approximates the count
    assert result["api_requests"] >= 3 * (3 + math.ceil(result["conversations"] / 3 / 1000))


def test_reversed_range_is_refused(capsys):
    with pytest.raises(SystemExit):
        plan_backfill.main(["--from", "2025-02-01", "--to", "2025-01-01", "--daily", "10"])
    assert "--to (2025-01-01) is before --from (2025-02-01)" in capsys.readouterr().err


def test_daily_volume_sums_the_day_buckets():
    response = {"results": [{"data": [
        {"interval": "2025-01-01T00:00:00.000Z/2025-01-02T00:00:00.000Z",
         "metrics": [{"metric": "nOffered", "stats": {"count": 5}}, {"metric": "nOutbound", "stats": {"count": 2}}]},
    ]}]}
    assert daily_volume([response]) == {"2025-01-01": 7}
