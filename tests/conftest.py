"""Shared test set-up: an isolated Airflow home, local servers, and the Genesys emulator.

Airflow reads its configuration at import time, so the environment is set here, before any
test module imports Airflow. Tests that need PostgreSQL or Redis skip with a reason when the
server does not answer, except under CI (``CI=true``), where a missing server is a failure.
"""

from __future__ import annotations

import os
import socket
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest

pytest_plugins = ["tests.support.fixtures_airflow"]

ROOT = Path(__file__).resolve().parents[1]
AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="genesys-airflow-home-"))

os.environ["AIRFLOW_HOME"] = str(AIRFLOW_HOME)
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(ROOT / "dags")
os.environ["AIRFLOW__CORE__PLUGINS_FOLDER"] = str(ROOT / "plugins")
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__PARALLELISM"] = "4"
os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = f"sqlite:///{AIRFLOW_HOME / 'airflow.db'}"
os.environ.setdefault("AIRFLOW__LOGGING__BASE_LOG_FOLDER", str(AIRFLOW_HOME / "logs"))

PG_HOST, PG_PORT = "127.0.0.1", 5432
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def require_server(name: str, host: str, port: int) -> None:
    """Skip (or fail under CI) when a local server the test needs does not answer."""
    if _port_open(host, port):
        return
    reason = f"{name} is not answering on {host}:{port}"
    if IN_CI:
        pytest.fail(f"{reason}; under CI=true this test must run, not skip")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_server_url() -> str:
    """SQLAlchemy URL of the local PostgreSQL server's maintenance database."""
    require_server("PostgreSQL", PG_HOST, PG_PORT)
    return f"postgresql+psycopg://postgres@{PG_HOST}:{PG_PORT}/postgres"


@contextmanager
def fresh_postgres_database() -> Iterator[str]:
    """A fresh, empty PostgreSQL database, dropped afterwards (the server must be up)."""
    import psycopg

    name = f"genesys_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(f"host={PG_HOST} port={PG_PORT} user=postgres dbname=postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@{PG_HOST}:{PG_PORT}/{name}"
    finally:
        with psycopg.connect(f"host={PG_HOST} port={PG_PORT} user=postgres dbname=postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture()
def postgres_url(postgres_server_url: str):
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    with fresh_postgres_database() as url:
        yield url


@pytest.fixture()
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'warehouse.db'}"


@pytest.fixture(params=["sqlite", "postgres"])
def warehouse_url(request) -> str:
    """Each warehouse dialect the product supports, as a SQLAlchemy URL."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    return request.getfixturevalue("postgres_url")


@pytest.fixture()
def second_warehouse_url(request, warehouse_url: str, tmp_path: Path):
    """Another empty warehouse of ``warehouse_url``'s dialect, to compare two runs table by table."""
    if warehouse_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'second-warehouse.db'}"
        return
    request.getfixturevalue("postgres_server_url")
    with fresh_postgres_database() as url:
        yield url


@pytest.fixture()
def redis_server() -> str:
    require_server("Redis", REDIS_HOST, REDIS_PORT)
    return f"redis://{REDIS_HOST}:{REDIS_PORT}/0"


@pytest.fixture(scope="session")
def emulator_server():
    """One emulator per test session, served over real HTTP from a background thread."""
    from genesys_emulator.testing import EmulatorServer

    with EmulatorServer() as server:
        yield server


@pytest.fixture()
def emulator(emulator_server):
    """The session's emulator, reset to default state (seed 42) before each test, with the org
    clock pinned at the real "now": the living org then changes only when a test advances
    the clock, so ground truth always equals what was served a moment before."""
    now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    emulator_server.control.reset(clock=now)
    return emulator_server


@pytest.fixture(autouse=True)
def fresh_rate_budget():
    """The in-process rate budget is shared like the token cache: every test starts with it unspent."""
    budget = sys.modules.get("genesys_cloud.api.rate_budget")
    if budget is not None:
        budget.LOCAL_BUDGET.clear()
    facts = sys.modules.get("genesys_cloud.api.client_facts")
    if facts is not None:  # the org's limits and the job latencies learnt, per process like the budget
        facts.LOCAL_FACTS.clear()


@pytest.fixture(autouse=True)
def fresh_token_cache():
    """OAuth tokens are cached per process, and the emulator forgets its tokens on reset: every
    test starts without one. (Only where the hook's auth module is loaded: no Airflow import.)"""
    auth = sys.modules.get("genesys_cloud.api.auth")
    if auth is not None:
        auth.TOKEN_CACHE.clear()
    yield
    auth = sys.modules.get("genesys_cloud.api.auth")
    if auth is not None:
        auth.TOKEN_CACHE.clear()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """End-to-end runs (``slow``) first, the rest in their usual order after them.

    Under ``-n`` each worker starts on the long real-Airflow runs at once and the short tests fill
    the gaps (with ``--dist worksteal``), instead of one long run starting last and holding the
    whole suite's end. The sort is stable, so tests within each group keep their file order.
    """
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
