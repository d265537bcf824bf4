"""End to end through real Airflow: ``airflow dags test`` runs the sensor and the details-job
operator, serializes the trigger, runs it inline, resumes ``execute_complete`` and stages pages."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from genesys_pipeline.staging.area import StagingArea
from tests.support.connections import GENESYS_CLOUD_CONNECTION, genesys_connection_json

DAG_FILE = """
import pendulum
from airflow.sdk import DAG
from genesys_cloud.operators.details_job import GenesysDetailsJobOperator
from genesys_cloud.sensors import GenesysDataAvailabilitySensor

with DAG("genesys_hook_deferral", schedule=None, start_date=pendulum.datetime(2024, 5, 1)):
    wait = GenesysDataAvailabilitySensor(task_id="wait", target="2024-05-02T00:00:00Z", poke_interval=1)
    extract = GenesysDetailsJobOperator(
        task_id="extract", interval="2024-05-01T00:00:00.000Z/2024-05-02T00:00:00.000Z",
        staging_root={staging!r}, partition="2024-05-01", page_size=1000, poll_interval=0.2, timeout=120,
    )
    wait >> extract
"""


@pytest.mark.slow
def test_dags_test_defers_and_resumes(emulator, tmp_path: Path):
    emulator.control.reset(job_progression="polls", job_progression_polls=3)
    dags, staging = tmp_path / "dags", tmp_path / "staging"
    dags.mkdir()
    (dags / "genesys_hook_deferral.py").write_text(DAG_FILE.format(staging=str(staging)))
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(tmp_path),
        "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{tmp_path / 'airflow.db'}",
        GENESYS_CLOUD_CONNECTION: genesys_connection_json(
            emulator.base_url, login="emulator-client", password="emulator-secret"
        ),
    }
    airflow = str(Path(sys.executable).with_name("airflow"))
    subprocess.run([airflow, "db", "migrate"], env=env, check=True, capture_output=True, timeout=300)
    run = subprocess.run(
        [airflow, "dags", "test", "genesys_hook_deferral", "2024-05-02"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-3000:]
    assert "running trigger in line" in output  # the operator really deferred
    assert "emulator-secret" not in output
    stats = emulator.control.stats()
    assert stats["get_analytics_conversations_details_job"].get("202", 0) >= 1  # polled while PENDING
    assert stats["delete_analytics_conversations_details_job"] == {"204": 1}
    truth = emulator.control.ground_truth("2024-05-01T00:00:00.000Z/2024-05-02T00:00:00.000Z")
    staged = StagingArea(staging)
    [qhash_dir] = (staging / "conversation_details" / "2024-05-01").iterdir()
    assert staged.read_manifest("2024-05-01", qhash_dir.name).record_count == truth["count"]
