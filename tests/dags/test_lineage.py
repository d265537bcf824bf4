"""What a run reports about its data: OpenLineage (Genesys -> staging -> tables, through the provider's
file transport in a ``dag.test()`` run) and the synced day on each table's asset event."""
from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from daily_dag_harness import past_day, run_day, task_states
from genesys_pipeline.lineage_names import genesys_details, staged_files, warehouse_tables
from genesys_pipeline.tables import CONVERSATION_TABLES


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


def test_extract_and_load_report_genesys_to_the_warehouse_tables(daily_dag, pipeline_env, sqlite_url, emulator,
                                                                  tmp_path, monkeypatch):
    lineage_dir = tmp_path / "lineage"
    monkeypatch.setenv("AIRFLOW__OPENLINEAGE__TRANSPORT", json.dumps({"type": "file", "log_file_path": str(lineage_dir)}))
    monkeypatch.setenv("AIRFLOW__OPENLINEAGE__NAMESPACE", "genesys-test")
    pipeline_env(sqlite_url)

    dag_run = run_day(daily_dag, past_day())

    assert str(dag_run.state) == "success", task_states(dag_run)
    events = complete_events(lineage_dir)
    assert {"extract", "load"} <= set(events), sorted(events)
    extract, load = events["extract"], events["load"]
    assert [(d["namespace"], d["name"]) for d in extract["inputs"]] == [
        (f"genesys://{urlsplit(emulator.base_url).netloc}", "/api/v2/analytics/conversations/details/jobs")]
    staging = [(d["namespace"], d["name"]) for d in extract["outputs"]]
    assert len(staging) == 1 and staging[0][1] == str(tmp_path / "staging" / "conversation_details")
    assert [(d["namespace"], d["name"]) for d in load["inputs"]] == staging  # the two jobs join on the staged pages
    warehouse_file = urlsplit(sqlite_url).path
    assert {(d["namespace"], d["name"]) for d in load["outputs"]} == {
        (f"sqlite://{Path(warehouse_file).resolve()}", f"{Path(warehouse_file).stem}.main.{spec.name}")
        for spec in CONVERSATION_TABLES}


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
