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


def test_smoke_plan_from_the_emulators_volume(emulator, monkeypatch, capsys):
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
