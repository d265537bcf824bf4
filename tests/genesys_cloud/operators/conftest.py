"""Fixtures of the operator tests: the emulator and warehouses wired as Airflow connections
(``AIRFLOW_CONN_*``), settings as ``AIRFLOW_VAR_*``, and a staging root per test."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from tests.genesys_cloud.operators.operator_support import (
    LIVING_DAY,
    iso,
    set_genesys_connection,
    set_warehouse_connection,
)

# A quieter org than the default 2,000 conversations a day: every branch still sees several
# result pages, and the folder stays fast.
CONVERSATIONS_PER_DAY = 300
LIVING_PER_DAY = 1000  # 0.5 % of conversations are ongoing: several of LIVING_DAY (7) are open the next morning


@pytest.fixture()
def genesys(monkeypatch: pytest.MonkeyPatch, emulator):
    """The per-test emulator (clock still pinned at the fixture's "now") as connection ``genesys_cloud_default``."""
    emulator.control.reset(clock=emulator.control.clock()["nowIso"], conversations_per_day=CONVERSATIONS_PER_DAY)
    set_genesys_connection(monkeypatch, emulator.base_url)
    return emulator


@pytest.fixture()
def living_org(genesys):
    """The org at LIVING_DAY + 1, 06:00 UTC, some of that day's conversations still in progress, under the
    "started on or after the interval's first day" reading of overlap (fact sheet §11): a later day's
    extraction never returns them, only a multi-get can."""
    genesys.control.reset(
        clock=iso(LIVING_DAY + timedelta(days=1, hours=6)),
        conversations_per_day=LIVING_PER_DAY,
        overlap_from_interval_start_day=True,
    )
    return genesys


@pytest.fixture()
def staging_root(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    root = tmp_path / "staging"
    monkeypatch.setenv("AIRFLOW_VAR_GENESYS_STAGING_ROOT", str(root))
    return root


@pytest.fixture()
def sqlite_warehouse(monkeypatch: pytest.MonkeyPatch, sqlite_url: str) -> str:
    """A SQLite warehouse as connection ``genesys_warehouse``."""
    set_warehouse_connection(monkeypatch, sqlite_url)
    return sqlite_url


@pytest.fixture()
def any_warehouse(monkeypatch: pytest.MonkeyPatch, warehouse_url: str) -> str:
    """Each supported warehouse (SQLite, PostgreSQL) as connection ``genesys_warehouse``."""
    set_warehouse_connection(monkeypatch, warehouse_url)
    return warehouse_url
