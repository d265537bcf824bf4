"""Agent activity end to end without Airflow: the users details job extracted by the real
extract operator, loaded and reconciled, on SQLite and PostgreSQL, judged by the official SDK's
read of the same org (values, not counts) and by the users aggregates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from genesys_cloud.operators.extract import GenesysExtractOperator
from genesys_cloud.operators.user_activity import (
    GenesysPresenceDefinitionsOperator,
    GenesysUserActivityLoadOperator,
    GenesysUserActivityReconcileOperator,
    whole_days,
)
from tests.genesys_cloud.operators.operator_support import (
    iso,
    make_context,
    prepare_warehouse,
    qualified,
    select_rows,
    set_genesys_connection,
)
from tests.support.user_activity_truth import ms, sdk_truth, stored

DAY = datetime(2024, 5, 2, tzinfo=UTC)
RESULTS = "get_analytics_users_details_job_results"


@pytest.fixture()
def org(monkeypatch, emulator, any_warehouse, staging_root):
    emulator.control.reset(clock="2024-05-04T12:00:00.000Z", conversations_per_day=100)
    set_genesys_connection(monkeypatch, emulator.base_url)
    prepare_warehouse()
    return emulator


def sync(day: datetime, staging_root: Path, days: int = 1, run_id: str = "run-1") -> tuple[dict, dict, dict]:
    """extract -> load -> reconcile of ``days`` days ending with ``day`` (a lookback when more than one)."""
    interval = f"{iso(day - timedelta(days=days - 1))}/{iso(day + timedelta(days=1))}"
    extract = GenesysExtractOperator(
        task_id="extract",
        dataset="users",
        interval=interval,
        partition=day.strftime("%Y-%m-%d"),
        staging_root=str(staging_root),
        poll_interval=0.2,
        page_size=20,
    ).execute(make_context(day, task_id="extract"))
    load = GenesysUserActivityLoadOperator(task_id="load", extraction=extract).execute(
        {**make_context(day, task_id="load"), "run_id": run_id}
    )
    reconcile = GenesysUserActivityReconcileOperator(
        task_id="reconcile", interval_start=iso(day), interval_end=iso(day + timedelta(days=1))
    ).execute(make_context(day, task_id="reconcile"))
    return extract, load, reconcile


def test_whole_days_of_an_interval():
    assert [d.isoformat() for d in whole_days("2024-05-01T00:00:00Z/2024-05-03T00:00:00Z")] == [
        "2024-05-01",
        "2024-05-02",
    ]
    assert whole_days("2024-05-01T06:00:00Z/2024-05-02T06:00:00Z") == []


def test_a_day_equals_the_sdk_truth_reconciles_and_reruns_change_nothing(org, any_warehouse, staging_root):
    extract, load, reconcile = sync(DAY, staging_root)
    assert extract["records"] == 50 and load["user_days_new"] == 50
    assert stored(any_warehouse, DAY) == sdk_truth(org.base_url, DAY)
    assert reconcile["status"] == "match" and reconcile["users"] == 50 and reconcile["cells_differing"] == 0
    before = stored(any_warehouse, DAY)
    _, again, reconcile_again = sync(DAY, staging_root, run_id="run-2")
    assert again["user_days_unchanged"] == 50 and again["user_days_changed"] == 0
    assert stored(any_warehouse, DAY) == before and reconcile_again["status"] == "match"
    names = select_rows(any_warehouse, f"SELECT COUNT(*) AS n FROM {qualified(any_warehouse, 'presence_definitions')}")
    assert names[0]["n"] == 0
    GenesysPresenceDefinitionsOperator(task_id="presence_definitions").execute(make_context(DAY))
    names = select_rows(any_warehouse, f"SELECT COUNT(*) AS n FROM {qualified(any_warehouse, 'presence_definitions')}")
    assert names[0]["n"] == 12


def test_intervals_open_at_extraction_are_closed_by_a_later_run_and_stored_once(org, any_warehouse, staging_root):
    org.control.configure(clock="2024-05-03T01:00:00.000Z")
    sync(DAY, staging_root)
    midnight = ms(DAY + timedelta(days=1))
    crossers = [
        r
        for r in select_rows(
            any_warehouse, f"SELECT * FROM {qualified(any_warehouse, 'user_routing_status_intervals')}"
        )
        if ms(r["start_time"]) < midnight and (r["end_time"] is None or ms(r["end_time"]) > midnight)
    ]
    still_open = [r for r in crossers if r["end_time"] is None]
    assert still_open, "some agent was in the same state from before midnight to the clock"
    org.control.configure(clock="2024-05-05T12:00:00.000Z")
    _, load, _ = sync(DAY + timedelta(days=1), staging_root)  # no lookback: the carried-over crossers
    assert load["carried_over_updated"] >= len(still_open)
    rows = select_rows(any_warehouse, f"SELECT * FROM {qualified(any_warehouse, 'user_routing_status_intervals')}")
    keys = [(r["user_id"], ms(r["start_time"])) for r in rows]
    assert len(keys) == len(set(keys))
    by_key = {(r["user_id"], ms(r["start_time"])): r for r in rows}
    for r in still_open:
        closed = by_key[(r["user_id"], ms(r["start_time"]))]
        assert closed["end_time"] is not None and str(closed["activity_date"])[:10] == "2024-05-02"
    truth = sdk_truth(org.base_url, DAY)
    crossing_truth = {t for t in truth["routing"] if t[2] is None or t[2] > midnight}
    assert crossing_truth <= stored(any_warehouse, DAY)["routing"]


def test_an_older_extraction_never_overwrites_a_fresher_one(org, any_warehouse, staging_root):
    org.control.configure(clock="2024-05-02T20:00:00.000Z")
    interval = f"{iso(DAY)}/{iso(DAY + timedelta(days=1))}"
    older = GenesysExtractOperator(
        task_id="extract",
        dataset="users",
        interval=interval,
        partition="2024-05-02",
        staging_root=str(staging_root / "earlier"),  # apart: the same query re-extracted replaces its staged copy
    ).execute(make_context(DAY, task_id="extract"))
    org.control.configure(clock="2024-05-04T12:00:00.000Z")
    sync(DAY, staging_root)
    fresh = stored(any_warehouse, DAY)
    load = GenesysUserActivityLoadOperator(task_id="load", extraction=older).execute(make_context(DAY))
    assert load["user_days_skipped_older"] == 50 and stored(any_warehouse, DAY) == fresh


def test_a_dropped_results_page_makes_the_day_incomplete(org, any_warehouse, staging_root):
    org.control.add_fault(RESULTS, "skip_page")
    extract, load, reconcile = sync(DAY, staging_root)
    assert extract["records"] == 30 and load["user_days_new"] == 30
    assert reconcile["status"] == "incomplete" and reconcile["users"] == 50
    assert reconcile["cells_differing"] >= 20


@pytest.mark.slow
def test_a_seven_day_backfill_equals_the_sdk_truth_day_by_day(org, any_warehouse, staging_root):
    org.control.configure(clock="2024-05-10T12:00:00.000Z")
    first = datetime(2024, 5, 1, tzinfo=UTC)
    requests = []
    for offset in range(7):
        extract, _, reconcile = sync(first + timedelta(days=offset), staging_root, run_id=f"backfill-{offset}")
        assert reconcile["status"] == "match", reconcile["differences"]
        requests.append(extract["api"]["requests"] + reconcile["api"]["requests"])
    for offset in range(7):
        day = first + timedelta(days=offset)
        assert stored(any_warehouse, day) == sdk_truth(org.base_url, day), day
    # submit, status, 3 results pages (pageSize 20 over 50 users), delete, aggregates; day one also
    # pays the token and the org's limits
    assert requests[1:] == [7] * 6 and requests[0] <= 9


def test_a_client_that_cannot_read_a_division_fails_naming_it_before_any_write(monkeypatch, org, any_warehouse):
    from airflow.sdk.exceptions import AirflowFailException

    from genesys_cloud.operators.authenticate import GenesysAuthenticateOperator
    from tests.support.emulator_api import ApiClient

    home = ApiClient(org.base_url).get("/api/v2/authorization/divisions").json()["entities"][0]["id"]
    org.control.add_client("scoped", "scoped-secret", divisions=[home])
    set_genesys_connection(monkeypatch, org.base_url, client=("scoped", "scoped-secret"))
    with pytest.raises(AirflowFailException, match=r"cannot read 2 of 3 divisions") as failed:
        GenesysAuthenticateOperator(task_id="authenticate").execute(make_context(DAY, task_id="authenticate"))
    assert "Retail" in str(failed.value) or "Business" in str(failed.value)
    for table in ("user_presence_intervals", "user_routing_status_intervals", "user_activity_days"):
        assert select_rows(any_warehouse, f"SELECT COUNT(*) AS n FROM {qualified(any_warehouse, table)}")[0]["n"] == 0
