"""Fixtures of the DAG tests. The metadata DB, the daily DAG and ``pipeline_env`` (connections and
settings as environment variables) are shared with other suites: tests/support/fixtures_airflow.py."""
from __future__ import annotations

import pytest


@pytest.fixture()
def warehouse(pipeline_env, warehouse_url):
    """The test's warehouse (SQLite or PostgreSQL), wired as connection genesys_warehouse."""
    from genesys_pipeline.warehouse import Warehouse

    pipeline_env(warehouse_url)
    warehouse = Warehouse.from_url(warehouse_url)
    yield warehouse
    warehouse.dispose()
