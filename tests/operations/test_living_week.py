"""Acceptance: one week on a living org converges to the truth (issue 12).

The emulator's clock starts at day D+1 06:00 UTC. Each simulated day the daily DAG runs for the
previous day (``dag.test()``, in process) and the clock advances one day; after the last daily run
the refresh DAG runs. Every table for days D..D+6 must then equal what the org serves at the final
clock, read independently (``living_week.truth_at_clock``): late evaluations and surveys, corrected
wrap-ups and re-opened threads included, erased conversations absent. Before the refresh, the
days the last daily run re-extracted (its day and ``lookback_days`` before) already do.

Per simulated day it prints API requests (``sync_audit`` and the emulator's own count) and wall
time, with lookback and refresh and without, and the share of conversations that changed after
their first load: the numbers the runbook's "How fresh is the warehouse" quotes.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from tests.operations.living_week import (
    DayCost,
    WeekLog,
    audit_requests,
    content_hashes,
    differences,
    served_requests,
    truth_at_clock,
    warehouse_facts,
)
from tests.support.emulator_day import point_genesys_connection, point_warehouse_connection
from tests.support.paths import DAGS_FOLDER

pytestmark = pytest.mark.slow

D = datetime(2026, 3, 2, tzinfo=UTC)  # a fixed past Monday: the org's history is the same every run
DAYS = 7
PER_DAY = 300
LOOKBACK = 3


@pytest.fixture(scope="module")
def dags(airflow_db):
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS_FOLDER))
    assert not bag.import_errors, bag.import_errors
    return bag.dags["genesys_conversations_daily"], bag.dags["genesys_conversations_refresh"]


@pytest.fixture()
def week_env(monkeypatch, emulator, tmp_path):
    point_genesys_connection(monkeypatch, emulator.base_url)
    monkeypatch.setenv("AIRFLOW_VAR_GENESYS_STAGING_ROOT", str(tmp_path / "staging"))
    monkeypatch.setenv("AIRFLOW_VAR_GENESYS_POLL_INTERVAL_SECONDS", "1")
    monkeypatch.setenv("AIRFLOW_VAR_GENESYS_REFRESH_DAYS", str(DAYS))  # the refresh covers exactly the week
    monkeypatch.delenv("AIRFLOW_CONN_GENESYS_SYNC_WEBHOOK", raising=False)  # notify skips without it
    emulator.control.reset(clock=_iso(D + timedelta(days=1, hours=6)), conversations_per_day=PER_DAY)
    return emulator


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _run(dag, logical_date: datetime, emulator, url: str, label: str) -> DayCost:
    served_before = served_requests(emulator.control.stats())
    started = time.monotonic()
    run = dag.test(logical_date=logical_date)
    seconds = time.monotonic() - started
    states = {(ti.task_id, ti.map_index): str(ti.state) for ti in run.get_task_instances()}
    assert str(run.state) == "success", f"{dag.dag_id} {label}: {states}"
    return DayCost(
        label, seconds, audit_requests(url, run.run_id), served_requests(emulator.control.stats()) - served_before
    )


def play_week(daily, emulator, url: str, log: WeekLog) -> None:
    """Daily runs for D..D+6, the clock one day on after each but the last (it stays at D+7 06:00)."""
    for offset in range(DAYS):
        day = D + timedelta(days=offset)
        log.days.append(_run(daily, day + timedelta(days=1), emulator, url, f"{day:%Y-%m-%d}"))
        log.remember_first_loads(content_hashes(url))
        if offset < DAYS - 1:
            emulator.control.advance_clock(86_400)


def test_a_week_with_lookback_and_refresh_equals_the_truth(dags, week_env, monkeypatch, warehouse_url):
    daily, refresh = dags
    emulator = week_env
    point_warehouse_connection(monkeypatch, warehouse_url)
    monkeypatch.setenv("AIRFLOW_VAR_GENESYS_LOOKBACK_DAYS", str(LOOKBACK))
    log = WeekLog()

    play_week(daily, emulator, warehouse_url, log)

    recent = (D + timedelta(days=DAYS - 1 - LOOKBACK)).date()
    recent_truth = truth_at_clock(emulator.base_url, recent, LOOKBACK + 1)
    assert recent_truth, "the oracle read no conversations"
    recent_diff = differences(recent_truth, warehouse_facts(warehouse_url, recent, LOOKBACK + 1))
    assert recent_diff == {"missing": [], "extra": [], "differing": {}, "differing_count": 0}, recent_diff
    stale_before_refresh = differences(
        truth_at_clock(emulator.base_url, D.date(), DAYS), warehouse_facts(warehouse_url, D.date(), DAYS)
    )

    log.days.append(_run(refresh, D + timedelta(days=DAYS), emulator, warehouse_url, "refresh"))

    truth = truth_at_clock(emulator.base_url, D.date(), DAYS)
    week_diff = differences(truth, warehouse_facts(warehouse_url, D.date(), DAYS))
    assert week_diff == {"missing": [], "extra": [], "differing": {}, "differing_count": 0}, week_diff
    gt = emulator.control.ground_truth(f"{_iso(D)}/{_iso(D + timedelta(days=DAYS))}", semantics="start")
    assert set(gt["conversation_ids"]) == set(truth)

    changed, of = log.changed_after_first_load(content_hashes(warehouse_url), set(truth))
    erased = {cid for cid in log.first_hash if cid not in truth} - set(content_hashes(warehouse_url))
    print()
    print(
        log.table(
            f"Living week ({warehouse_url.split(':')[0]}), lookback {LOOKBACK} + refresh, {PER_DAY} conversations/day"
        )
    )
    print(
        f"before the refresh D..D+6 differed in {len(stale_before_refresh['missing'])} missing, "
        f"{len(stale_before_refresh['extra'])} extra, "
        f"{stale_before_refresh['differing_count']} differing conversations; "
        f"e.g. (truth, warehouse): {stale_before_refresh['differing']}"
    )
    print(f"changed after their first load: {changed}/{of} = {changed / of:.1%}; loaded then erased: {len(erased)}")
    assert changed > 0  # a living week: the test exercised late changes


def test_a_week_without_lookback_or_refresh_goes_stale(dags, week_env, monkeypatch, sqlite_url):
    """The same week with ``lookback_days`` 0 and no refresh: cheaper, and the oracle sees it stale."""
    daily, _ = dags
    emulator = week_env
    point_warehouse_connection(monkeypatch, sqlite_url)
    monkeypatch.setenv("AIRFLOW_VAR_GENESYS_LOOKBACK_DAYS", "0")
    log = WeekLog()

    play_week(daily, emulator, sqlite_url, log)

    diff = differences(truth_at_clock(emulator.base_url, D.date(), DAYS), warehouse_facts(sqlite_url, D.date(), DAYS))
    print()
    print(log.table(f"Living week (sqlite), no lookback, no refresh, {PER_DAY} conversations/day"))
    print(
        f"stale at the end: {len(diff['missing'])} missing, {len(diff['extra'])} extra, "
        f"{diff['differing_count']} differing"
    )
    assert diff["differing_count"] + len(diff["extra"]) + len(diff["missing"]) > 0
