"""OpenLineage for the operators: Genesys -> staged pages (extract) -> warehouse tables (load), through the
provider's file transport in an ``airflow dags test`` run of the daily DAG. (The dataset names themselves:
tests/genesys_pipeline/report/test_lineage_names.py; the asset events: tests/dags.)"""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from genesys_pipeline.tables import CONVERSATION_TABLES
from tests.support.daily_dag_harness import DAG_ID, past_day
from tests.support.paths import SCRIPTS

sys.path.insert(0, str(SCRIPTS))  # local_env: the demo's Airflow set-up


def complete_events(directory: Path) -> dict[str, dict]:
    events = {}
    for path in directory.parent.glob(f"{directory.name}-*.json"):  # the file transport's naming
        event = json.loads(path.read_text())
        if event.get("eventType") == "COMPLETE" and "job" in event:
            events[event["job"]["name"].rsplit(".", 1)[-1]] = event
    return events


@pytest.mark.slow  # an `airflow dags test` process of its own (the provider decides at plugin load time)
def test_extract_and_load_report_genesys_to_the_warehouse_tables(emulator, tmp_path):
    from local_env import airflow_env, migrate_metadata_db, run_airflow

    lineage_dir = tmp_path / "lineage"
    warehouse_file = tmp_path / "warehouse.db"
    env = airflow_env(tmp_path / "airflow", emulator.base_url, warehouse_file, tmp_path / "staging")
    env["AIRFLOW__OPENLINEAGE__TRANSPORT"] = json.dumps({"type": "file", "log_file_path": str(lineage_dir)})
    env["AIRFLOW__OPENLINEAGE__NAMESPACE"] = "genesys-test"
    migrate_metadata_db(env)
    day = past_day()
    run_airflow(env, "dags", "test", DAG_ID, (day + timedelta(days=1)).isoformat(), log_path=tmp_path / "dags-test.log")

    events = complete_events(lineage_dir)
    assert {"extract", "load"} <= set(events), sorted(events)
    extract, load = events["extract"], events["load"]
    assert [(d["namespace"], d["name"]) for d in extract["inputs"]] == [
        (f"genesys://{urlsplit(emulator.base_url).netloc}", "/api/v2/analytics/conversations/details/jobs")
    ]
    staging = [(d["namespace"], d["name"]) for d in extract["outputs"]]
    assert len(staging) == 1 and staging[0][1] == str(tmp_path / "staging" / "conversation_details")
    assert [(d["namespace"], d["name"]) for d in load["inputs"]] == staging  # the two jobs join on the staged pages
    assert {(d["namespace"], d["name"]) for d in load["outputs"]} == {
        (f"sqlite://{warehouse_file}", f"warehouse.main.{spec.name}") for spec in CONVERSATION_TABLES
    }
