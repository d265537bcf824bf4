"""The one definition of the fixtures every suite that runs the DAGs in process shares (tests/dags,
tests/operations, tests/reliability, tests/genesys_cloud/ui, tests/genesys_pipeline/report), loaded
as a pytest plugin by ``pytest_plugins`` in tests/conftest.py: ``airflow_db``, ``daily_dag``,
``pipeline_env``, ``warehouse`` (through ``pipeline_env``), ``genesys``, ``warehouse_connection``.

A migrated metadata DB, the daily DAG as the DAG processor parses it, and the connections and
settings a run reads, as environment variables (``AIRFLOW_CONN_*``, ``AIRFLOW_VAR_*``) exactly as an
operator would set them, so the tests also exercise that contract.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.support.connections import EMULATOR_CLIENT, EMULATOR_WEBHOOK_SECRET, set_genesys_cloud_connection
from tests.support.daily_dag_harness import DAG_ID
from tests.support.emulator_day import point_genesys_connection, point_warehouse_connection
from tests.support.paths import DAGS_FOLDER


@pytest.fixture(scope="session")
def airflow_db() -> None:
    """Migrate the session's throw-away metadata DB once and create the API pool the DAGs use."""
    from airflow.models.pool import Pool
    from airflow.utils.db import initdb

    initdb()
    Pool.create_or_update_pool("genesys_api", slots=4, description="Genesys API concurrency", include_deferred=False)


def parsed_dag(dag_id: str, source: Path | None = None) -> Any:
    """``dag_id`` as the DAG processor parses it, from its own file (or ``source``: a file or the folder)."""
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(source or DAGS_FOLDER / f"{dag_id}.py"))
    assert not bag.import_errors, bag.import_errors
    return bag.dags[dag_id]


@pytest.fixture(scope="module")
def daily_dag(airflow_db):
    """The daily DAG as the DAG processor parses it (the whole folder). One per test module: an
    in-process ``dag.test(run_conf=...)`` that is not wrapped in ``params_restored`` leaves its conf
    in the DAG's Param objects, and must not reach another module's runs."""
    return parsed_dag(DAG_ID, DAGS_FOLDER)


def connection_json(**fields) -> str:
    return json.dumps(fields)


@pytest.fixture()
def pipeline_env(monkeypatch, emulator, tmp_path):
    """Point the DAG at the per-test emulator; returns a function that selects the warehouse URL."""
    client_id, secret = EMULATOR_CLIENT
    set_genesys_cloud_connection(
        monkeypatch,
        emulator.base_url,
        login=client_id,
        password=secret,
        extra={"backoff_base_seconds": 0.1, "backoff_max_seconds": 1},
    )
    monkeypatch.setenv(
        "AIRFLOW_CONN_GENESYS_SYNC_WEBHOOK",
        connection_json(
            conn_type="http", host=f"{emulator.base_url}/_emulator/webhooks", password=EMULATOR_WEBHOOK_SECRET
        ),
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
def genesys(monkeypatch, emulator):
    """The per-test emulator as connection ``genesys_cloud_default``. (The operator tests override
    it in tests/genesys_cloud/operators/conftest.py with a quieter org of their own.)"""
    point_genesys_connection(monkeypatch, emulator.base_url)
    return emulator


@pytest.fixture()
def warehouse_connection(monkeypatch, warehouse_url):
    """``warehouse_url`` (SQLite and PostgreSQL) as connection ``genesys_warehouse``."""
    point_warehouse_connection(monkeypatch, warehouse_url)
    return warehouse_url


@pytest.fixture()
def warehouse(pipeline_env, warehouse_url):
    """The test's warehouse (SQLite or PostgreSQL), wired as connection genesys_warehouse. (The
    pipeline tests have a ``warehouse`` of their own, with its schema: tests/genesys_pipeline/conftest.py.)"""
    from genesys_pipeline.warehouse import Warehouse

    pipeline_env(warehouse_url)
    warehouse = Warehouse.from_url(warehouse_url)
    yield warehouse
    warehouse.dispose()
