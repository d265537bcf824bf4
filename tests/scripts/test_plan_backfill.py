"""``scripts/plan_backfill.py`` as a user runs it: a smoke plan from the emulator's volume, and a reversed
range refused."""

from __future__ import annotations

import json
import math
import sys
from datetime import UTC, datetime, timedelta

import pytest

from tests.support.connections import set_connection
from tests.support.paths import SCRIPTS

sys.path.insert(0, str(SCRIPTS))
import plan_backfill


def test_smoke_plan_from_the_emulators_volume(emulator, monkeypatch, capsys, tmp_path):
    emulator.control.reset(conversations_per_day=300, clock=datetime.now(UTC).isoformat())
    set_connection(
        monkeypatch,
        emulator.base_url,
        {"rate_budget_per_minute": 120},
        login="emulator-client",
        password="emulator-secret",
    )
    last = datetime.now(UTC).date() - timedelta(days=1)
    first = last - timedelta(days=2)
    measured = tmp_path / "backfill.jsonl"
    measured.write_text(
        '{"regime": "api", "days": 2, "conversations": 600, "job_latency_s": [20, 90], "wall_s": 66.0, '
        '"api_bound_s": 55.0, "floor_s": 1.0}\n'
    )
    plan_backfill.main(["--from", first.isoformat(), "--to", last.isoformat(), "--measured", str(measured)])
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    truth = sum(
        emulator.control.ground_truth(f"{day}T00:00:00.000Z/{day + timedelta(days=1)}T00:00:00.000Z")["count"]
        for day in (first + timedelta(days=offset) for offset in range(3))
    )
    assert result["days"] == result["jobs"] == 3
    assert result["budget_per_minute"] == 120
    assert 0.7 * truth <= result["conversations"] <= 1.3 * truth  # offered + outbound approximates the count
    assert result["api_requests"] >= 3 * (3 + math.ceil(result["conversations"] / 3 / 1000))
    # two jobs of 55 s at most 5 at once: 55 s; the measured 66 s was 20 % over
    assert result["last_measured"] == [
        {
            "regime": "api",
            "days": 2,
            "conversations_per_day": 300,
            "measured_wall_s": 66.0,
            "estimate_wall_s": 55.0,
            "wall_error_pct": 20.0,
            "measured_api_requests": None,
            "estimate_api_requests": 2 * (3 + 1) + 2 * (7 + 2),
        }
    ]


def test_reversed_range_is_refused(capsys):
    with pytest.raises(SystemExit):
        plan_backfill.main(["--from", "2025-02-01", "--to", "2025-01-01", "--daily", "10"])
    assert "--to (2025-01-01) is before --from (2025-02-01)" in capsys.readouterr().err
