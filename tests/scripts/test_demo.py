"""`make demo`'s script end to end in a scratch directory: real emulator process, `airflow dags test`."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.support.paths import ROOT


@pytest.mark.slow
def test_demo_syncs_a_day_that_matches_ground_truth(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "demo.py"),
            "--days",
            "1",
            "--conversations-per-day",
            "200",
            "--dir",
            str(tmp_path / "demo"),
        ],
        capture_output=True,
        text=True,
        timeout=540,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "Demo OK" in result.stdout
    report = result.stdout.split("Queue report ", 1)[1]  # the last day's queue report beside Genesys's numbers
    assert "half-hour cells compared, 0 differ" in report.splitlines()[0]
    header, _rule, first = report.splitlines()[1:4]
    assert "offered" in header and "SL %" in header and " | " in first
    agents = result.stdout.split("Agent tables: rows per activity_date", 1)[1].splitlines()
    presence = next(line for line in agents if line.strip().startswith("user_presence_intervals"))
    assert int(presence.split()[-1]) > 0  # the synced day's presence intervals
    sample = result.stdout.split("Agent KPIs ", 1)[1].splitlines()
    assert "occupancy %" in sample[1] and len(sample[3].split()) == 8  # a first agent with all 8 columns
    assert (tmp_path / "demo" / "warehouse.db").exists()
