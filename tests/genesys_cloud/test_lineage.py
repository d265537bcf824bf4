"""What a run reports about its data: OpenLineage (Genesys -> staging -> tables, through the provider's
file transport in a ``dag.test()`` run) and the synced day on each table's asset event."""
from __future__ import annotations

import json
import sys
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.support.daily_dag_harness import DAG_ID, past_day, run_day, task_states
from genesys_pipeline.report.lineage_names import genesys_details, staged_files, warehouse_tables
from genesys_pipeline.tables import CONVERSATION_TABLES
from tests.support.paths import SCRIPTS

sys.path.insert(0, str(SCRIPTS))  # local_env: the demo's Airflow set-up


def test_dataset_names_follow_the_openlineage_naming_spec_and_hold_no_credentials():
    assert genesys_details("https://api.mypurecloud.ie").namespace == "genesys://api.mypurecloud.ie"
    [pg] = warehouse_tables("postgresql+psycopg://etl:s3cret@db.internal:6543/warehouse", ["conversations"])
    assert (pg.namespace, pg.name) == ("postgres://db.internal:6543", "warehouse.genesys.conversations")
    [lite] = warehouse_tables("sqlite:////data/wh.db", ["users"])
    assert (lite.namespace, lite.name) == ("sqlite:///data/wh.db", "wh.main.users")
    assert staged_files("s3://bucket/genesys/conversation_details").namespace == "s3://bucket"
    with pytest.raises(ValueError, match="mysql"):
        warehouse_tables("mysql://h/db", ["t"])


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
        (f"genesys://{urlsplit(emulator.base_url).netloc}", "/api/v2/analytics/conversations/details/jobs")]
    staging = [(d["namespace"], d["name"]) for d in extract["outputs"]]
    assert len(staging) == 1 and staging[0][1] == str(tmp_path / "staging" / "conversation_details")
    assert [(d["namespace"], d["name"]) for d in load["inputs"]] == staging  # the two jobs join on the staged pages
    assert {(d["namespace"], d["name"]) for d in load["outputs"]} == {
        (f"sqlite://{warehouse_file}", f"warehouse.main.{spec.name}") for spec in CONVERSATION_TABLES}


def test_each_table_asset_event_names_the_synced_day(daily_dag, pipeline_env, sqlite_url, emulator):
    from airflow.models.asset import AssetEvent
    from airflow.utils.session import create_session

    pipeline_env(sqlite_url)
    day = past_day()
    dag_run = run_day(daily_dag, day)

    assert str(dag_run.state) == "success", task_states(dag_run)
    with create_session() as session:
        events = session.query(AssetEvent).filter(AssetEvent.source_run_id == dag_run.run_id).all()
        extras = {event.asset.uri: dict(event.extra) for event in events if event.source_task_id == "load"}
    assert set(extras) == {f"genesys://warehouse/{spec.name}" for spec in CONVERSATION_TABLES}
    assert {extra["partition"] for extra in extras.values()} == {f"{day:%Y-%m-%d}"}
    assert all(extra["conversations_loaded"] > 0 for extra in extras.values())
