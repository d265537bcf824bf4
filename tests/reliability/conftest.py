"""Fixtures of the reliability suite: the daily DAG on a small emulator day, warehouses, a clean
baseline per warehouse, and the report plugin that writes docs/reliability.md.

The DAG fixtures (metadata DB, DAG, connections as environment variables) are the DAG tests'
own (tests/support/fixtures_airflow.py), so both suites run the DAG under the same contract.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from genesys_cloud.api.auth import TOKEN_CACHE
from tests.reliability.reliability_report import REPORT_ENV, ReliabilityReport
from tests.reliability.reliability_runs import backend_of, data_tables, genesys_connection, measured_run
from tests.support.daily_dag_harness import past_day

# A small day with several result pages (see RESULTS_PAGE_SIZE), so mid-pagination faults have pages to hit.
CONVERSATIONS_PER_DAY = 400

# --- the report plugin ------------------------------------------------------------------------

_REPORT = ReliabilityReport()  # a conftest is imported once per session


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    outcome = yield
    result = outcome.get_result()
    if result.when == "call" or result.failed:
        _REPORT.mark(item.nodeid, result.passed)


def pytest_sessionfinish(session: pytest.Session) -> None:
    if _REPORT.rows and os.environ.get(REPORT_ENV) == "1":
        path = _REPORT.write()
        print(f"\nreliability report written to {path}")


@pytest.fixture()
def report_row(request: pytest.FixtureRequest) -> Callable[..., None]:
    """``report_row(section, **cells)``: one row of docs/reliability.md for this test."""

    def add(section: str, **cells: Any) -> None:
        _REPORT.add(request.node.nodeid, section, **cells)

    return add


# --- the pipeline under test ------------------------------------------------------------------


@pytest.fixture(scope="session")
def org_now() -> datetime:
    """One org instant for the whole reliability session. The clean baseline is measured once and
    every fault run is compared with it, so all must read the same living org: on a running clock,
    a late evaluation, survey or wrap-up correction of ``day`` arriving between the baseline and a
    fault run made that run (and every later one) differ from the baseline."""
    return datetime.now(UTC)


def reset_small_day(control, org_now: datetime) -> None:
    """Fresh emulator state: the small day, the org clock pinned at the session's instant."""
    clock = org_now.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    control.reset(conversations_per_day=CONVERSATIONS_PER_DAY, clock=clock)


@pytest.fixture()
def small_emulator(emulator, pipeline_env, monkeypatch, org_now):
    """The per-test emulator with a small day at the session's org instant, the DAG's connections pointing at it."""
    reset_small_day(emulator.control, org_now)
    genesys_connection(monkeypatch, emulator.base_url)
    return emulator


@pytest.fixture()
def no_task_retries(daily_dag, monkeypatch) -> None:
    """Each dag.test() run is one try per task: the hook's own retries are what is under test,
    and Airflow's retry delay (minutes) would only slow the suite down."""
    for task in daily_dag.tasks:
        monkeypatch.setattr(task, "retries", 0)


@pytest.fixture()
def day(org_now) -> datetime:
    return past_day(now=org_now)


@dataclass(frozen=True)
class Baseline:
    """A clean run on one warehouse: its cost and the data a correct run must produce."""

    requests: int
    seconds: float
    tables: dict[str, list[tuple]]  # see reliability_runs.data_tables


_BASELINES: dict[tuple[str, datetime], Baseline] = {}


@pytest.fixture(scope="session")
def baseline_postgres_url(postgres_server_url: str) -> Iterator[str]:
    import psycopg

    name = f"genesys_baseline_{uuid.uuid4().hex[:12]}"
    admin = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture()
def clean_baseline(
    request,
    daily_dag,
    small_emulator,
    pipeline_env,
    warehouse_url,
    day,
    tmp_path_factory,
    monkeypatch,
    no_task_retries,
    org_now,
) -> Baseline:
    """Measured once per warehouse kind and session, in its own warehouse and staging area.

    The first run warms Airflow and the emulator up; the second (``force_extract``) is the
    one measured, so the baseline is a steady-state clean run like the fault runs.
    """
    backend = backend_of(warehouse_url)
    if (backend, day) not in _BASELINES:
        if backend == "sqlite":
            url = f"sqlite:///{tmp_path_factory.mktemp('baseline') / 'warehouse.db'}"
        else:
            url = request.getfixturevalue("baseline_postgres_url")
        with monkeypatch.context() as patch:
            patch.setenv("AIRFLOW_VAR_GENESYS_STAGING_ROOT", str(tmp_path_factory.mktemp("baseline-staging")))
            pipeline_env(url)
            measured_run(daily_dag, day, small_emulator.control)
            clean = measured_run(daily_dag, day, small_emulator.control, force_extract=True)
        assert clean.succeeded, clean.task_states
        _BASELINES[(backend, day)] = Baseline(clean.requests, clean.seconds, data_tables(url))
        reset_small_day(small_emulator.control, org_now)
        TOKEN_CACHE.clear()
    pipeline_env(warehouse_url)
    return _BASELINES[(backend, day)]
