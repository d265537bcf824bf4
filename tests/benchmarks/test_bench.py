"""``make bench`` on a tiny day: the summary contract and the correctness of what each path loaded.

Timings are printed by the benchmark, never asserted here; this proves the benchmark measures
real work (every path loaded the whole ground truth) and keeps its output contract.
"""

from __future__ import annotations

import subprocess
import sys

import orjson
import pytest

from tests.support.paths import ROOT

SUMMARY_KEYS = {
    "conversations",
    "ours_conv_per_s",
    "floor_conv_per_s",
    "ratio_to_floor",
    "baseline_conv_per_s",
    "speedup_vs_baseline",
    "peak_rss_mb_small",
    "peak_rss_mb_large",
    "api_requests",
    "min_api_requests",
}

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def run_bench() -> list[dict]:
    result = subprocess.run(
        [sys.executable, "benchmarks/bench.py", "--n", "2000", "--baseline-n", "1000", "--rss-sizes", "1000,2000"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=540,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return [orjson.loads(line) for line in result.stdout.splitlines()]


def phase(lines: list[dict], name: str) -> list[dict]:
    return [line for line in lines if line.get("phase") == name]


def assert_summary_contract(lines: list[dict]) -> None:
    summary = lines[-1]
    assert summary.get("summary") is True
    assert summary.keys() >= SUMMARY_KEYS
    assert all(isinstance(summary[key], (int, float)) and summary[key] > 0 for key in SUMMARY_KEYS)


def assert_ours_and_floor_load_the_ground_truth(lines: list[dict]) -> None:
    truth = phase(lines, "ground_truth")[0]["conversations"]
    (ours,), (floor,) = phase(lines, "ours"), phase(lines, "floor")
    assert truth >= 2000
    assert phase(lines, "emulator_warm")[0]["warmed"] == truth  # generated before any clock started
    assert ours["table_conversations"] == floor["table_conversations"] == truth
    assert ours["table_rows"] == floor["table_rows"]
    assert lines[-1]["conversations"] == truth
    assert lines[-1]["tables_match_ground_truth"] is True


def assert_baseline_loads_the_capped_sample(lines: list[dict]) -> None:
    (baseline,) = phase(lines, "baseline")
    assert baseline["conversations"] == 1000
    assert baseline["table_rows"] > baseline["conversations"]


def assert_peak_rss_runs_each_load_their_own_day(lines: list[dict]) -> None:
    small, large = phase(lines, "ours_rss")
    assert small["table_conversations"] == small["conversations"] < large["conversations"]
    assert large["table_conversations"] == large["conversations"]
    assert lines[-1]["peak_rss_mb_small"] == small["peak_rss_mb"]
    assert lines[-1]["peak_rss_mb_large"] == large["peak_rss_mb"]


def test_one_benchmark_run_keeps_its_contract_and_every_path_loads_the_truth(postgres_server_url):
    """One run of the benchmark (about a minute) checked four ways. Four tests on a module
    fixture ran it up to three times under xdist, whose workers interleave modules."""
    lines = run_bench()
    assert_summary_contract(lines)
    assert_ours_and_floor_load_the_ground_truth(lines)
    assert_baseline_loads_the_capped_sample(lines)
    assert_peak_rss_runs_each_load_their_own_day(lines)
