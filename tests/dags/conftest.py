"""Fixtures for running the daily DAG for real: a migrated metadata DB, connections, the DAG itself.

Connections and settings are environment variables (``AIRFLOW_CONN_*``, ``AIRFLOW_VAR_*``),
exactly as an operator would set them, so the tests also exercise that contract.
"""
from __future__ import annotations

import json

import pytest

from daily_dag_harness import DAG_ID, DAGS_FOLDER, EMULATOR_CLIENT, EMULATOR_WEBHOOK_SECRET


@pytest.fixture(scope="session")
def airflow_db() -> None:
    """Migrate the session's throw-away metadata DB once and create the API pool the DAG uses."""
    from airflow.models.pool import Pool
    from airflow.utils.db import initdb

    initdb()
    Pool.create_or_update_pool("genesys_api", slots=4, description="Genesys API concurrency", include_deferred=False)


@pytest.fixture(scope="session")
def daily_dag(airflow_db):
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS_FOLDER))
    assert not bag.import_errors, bag.import_errors
    return bag.dags[DAG_ID]


def connection_json(**fields) -> str:
    return json.dumps(fields)


@pytest.fixture()
def pipeline_env(monkeypatch, emulator, tmp_path):
    """Point the DAG at the per-test emulator; returns a function that selects the warehouse URL."""
    client_id, secret = EMULATOR_CLIENT
    monkeypatch.setenv(
        "AIRFLOW_CONN_GENESYS_CLOUD_DEFAULT",
        connection_json(conn_type="http", host=emulator.base_url, login=client_id, password=secret,
                        extra={"backoff_base_seconds": 0.1, "backoff_max_seconds": 1}),
    )
    monkeypatch.setenv(
        "AIRFLOW_CONN_GENESYS_SYNC_WEBHOOK",
        connection_json(conn_type="http", host=f"{emulator.base_url}/_emulator/webhooks", password=EMULATOR_WEBHOOK_SECRET),
    )
    monkeypatch.setenv("AIRFLOW_VAR_GENESYS_STAGING_ROOT", str(tmp_path / "staging"))
    monkeypatch.setenv("AIRFLOW_VAR_GENESYS_POLL_INTERVAL_SECONDS", "1")
    monkeypatch.setenv("AIRFLOW_VAR_GENESYS_LOOKBACK_DAYS", "0")  # these tests judge one day alone

    def use_warehouse(url: str) -> str:
        monkeypatch.setenv(
            "AIRFLOW_CONN_GENESYS_WAREHOUSE", connection_json(conn_type="generic", extra={"sqlalchemy_url": url})
        )
        return url

    return use_warehouse


@pytest.fixture()
def warehouse(pipeline_env, warehouse_url):
    """The test's warehouse (SQLite or PostgreSQL), wired as connection genesys_warehouse."""
    from genesys_pipeline.warehouse import Warehouse

    pipeline_env(warehouse_url)
    warehouse = Warehouse.from_url(warehouse_url)
    yield warehouse
    warehouse.dispose()
