"""Fixtures of the operations tests: Genesys and warehouse connections as env vars, a migrated Airflow DB."""
from __future__ import annotations

import pytest

from emulator_day import point_genesys_connection, point_warehouse_connection


@pytest.fixture()
def genesys(monkeypatch, emulator):
    """The per-test emulator as connection ``genesys_cloud_default``."""
    point_genesys_connection(monkeypatch, emulator.base_url)
    return emulator


@pytest.fixture()
def warehouse_connection(monkeypatch, warehouse_url):
    """``warehouse_url`` (SQLite and PostgreSQL) as connection ``genesys_warehouse``."""
    point_warehouse_connection(monkeypatch, warehouse_url)
    return warehouse_url


@pytest.fixture(scope="session")
def airflow_db() -> None:
    from airflow.models.pool import Pool
    from airflow.utils.db import initdb

    initdb()
    Pool.create_or_update_pool("genesys_api", slots=4, description="Genesys API concurrency", include_deferred=False)


@pytest.fixture(scope="module")
def daily_dag(airflow_db):
    """The daily DAG as the DAG processor parses it (the whole folder: its defaults module too)."""
    from pathlib import Path

    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(Path(__file__).resolve().parents[2] / "dags"))
    assert not bag.import_errors, bag.import_errors
    return bag.dags["genesys_conversations_daily"]
