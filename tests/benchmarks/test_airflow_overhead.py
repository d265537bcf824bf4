"""``benchmarks/airflow_overhead.py`` on a tiny day: the DAG run and the core pipeline load the same day."""

from __future__ import annotations

import subprocess
import sys

import orjson
import pytest

from tests.support.paths import ROOT

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def test_dags_test_and_core_pipeline_load_the_same_conversations(postgres_server_url, tmp_path):
    result = subprocess.run(
        [sys.executable, "benchmarks/airflow_overhead.py", "--n", "1000", "--home", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=540,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    warm, core, rollup, summary = (orjson.loads(line) for line in result.stdout.splitlines())
    assert summary["summary"] is True
    assert warm["phase"] == "emulator_warm" and warm["warmed"] == summary["conversations"]
    assert rollup["phase"] == "rollup" and rollup["reconciliation"] == "match" and rollup["aggregate_rows"] > 0
    assert summary["airflow_table_conversations"] == core["table_conversations"] == summary["conversations"]
    assert summary["airflow_s"] > 0 and summary["core_s"] > 0
    assert summary["same_work_s"] == pytest.approx(core["seconds"] + rollup["seconds"], rel=0.01)
    assert summary["overhead_ratio"] == pytest.approx(summary["airflow_s"] / summary["same_work_s"], rel=0.01)
    assert summary["ratio_to_core"] == pytest.approx(summary["airflow_s"] / summary["core_s"], rel=0.01)
