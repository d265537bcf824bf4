"""GenesysWindowOperator: the plan from the data interval or params, and every rejection (field named, no retry)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from airflow.sdk.exceptions import AirflowFailException

from genesys_cloud.operators.validate_window import GenesysWindowOperator
from tests.genesys_cloud.operators.operator_support import iso, make_context, past_day, set_warehouse_connection


@pytest.fixture()
def configured(monkeypatch, sqlite_warehouse, staging_root):
    """A valid warehouse connection and staging root; tests break one thing at a time."""
    return staging_root


def plan_for(day=None, **params):
    return GenesysWindowOperator(task_id="validate_window").execute(make_context(day or past_day(), params=params))


def test_plan_from_the_data_interval(configured, monkeypatch):
    monkeypatch.setenv("AIRFLOW_VAR_GENESYS_CACHE_TTL_SECONDS", "120")
    monkeypatch.setenv("AIRFLOW_VAR_GENESYS_LOOKBACK_DAYS", "0")
    day = past_day(3)

    plan = plan_for(day)

    end = day + timedelta(days=1)
    assert (plan["interval_start"], plan["interval_end"]) == (iso(day), iso(end))
    assert plan["interval"] == plan["extract_interval"] == f"{iso(day)}/{iso(end)}"
    assert plan["partition"] == day.strftime("%Y-%m-%d")
    assert plan["staging_root"] == str(configured)
    assert plan["cache_ttl_seconds"] == 120
    assert plan["force_extract"] is False and plan["lookback_days"] == 0
    assert "pii_config" not in plan  # its salt stays out of XCom


def test_params_override_the_data_interval_and_add_lookback(configured):
    day = past_day(5)
    start, end = iso(day), iso(day + timedelta(hours=6))

    plan = plan_for(past_day(2), interval_start=start, interval_end=end, lookback_days=2, force_extract=True)

    assert plan["interval"] == f"{start}/{end}"
    assert plan["extract_interval"] == f"{iso(day - timedelta(days=2))}/{end}"
    assert plan["force_extract"] is True and plan["lookback_days"] == 2


@pytest.mark.parametrize("days", [1, 5])
def test_lookback_setting_is_the_default(configured, monkeypatch, days):
    monkeypatch.setenv("AIRFLOW_VAR_GENESYS_LOOKBACK_DAYS", str(days))
    day = past_day(3)

    plan = plan_for(day)

    assert plan["extract_interval"] == f"{iso(day - timedelta(days=days))}/{iso(day + timedelta(days=1))}"
    assert plan["lookback_days"] == days


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        (
            {"interval_start": iso(past_day(2)), "interval_end": iso(past_day(3))},
            "interval_end",
            "before interval_start",
        ),
        ({"interval_start": iso(past_day(2)), "interval_end": iso(past_day(2))}, "interval_end", "empty"),
        (
            {"interval_start": iso(past_day(1)), "interval_end": iso(_now() + timedelta(days=1))},
            "interval_end",
            "future",
        ),
        ({"interval_start": iso(past_day(800)), "interval_end": iso(past_day(799))}, "interval_start", "retention"),
        ({"interval_start": iso(past_day(40)), "interval_end": iso(past_day(2))}, "interval_end", "job interval limit"),
        ({"interval_start": iso(past_day(2))}, "interval_end", "is required"),
        ({"interval_end": iso(past_day(2))}, "interval_start", "is required"),
        ({"interval_start": "yesterday", "interval_end": iso(past_day(2))}, "interval_start", "not an ISO-8601"),
    ],
    ids=["reversed", "empty", "future", "over-retention", "over-limit", "start-only", "end-only", "not-iso"],
)
def test_bad_windows_fail_at_once_naming_the_field(configured, params, field, message):
    with pytest.raises(AirflowFailException, match="Invalid sync window") as failure:
        plan_for(**params)
    assert field in str(failure.value) and message in str(failure.value)


def test_a_backfill_run_defaults_to_no_lookback_but_its_param_overrides(configured, monkeypatch):
    monkeypatch.setenv("AIRFLOW_VAR_GENESYS_LOOKBACK_DAYS", "3")
    day = past_day(3)
    one_day = f"{iso(day)}/{iso(day + timedelta(days=1))}"

    def backfill_plan(**params):
        context = make_context(day, params=params)
        context["dag_run"].run_type = "backfill"
        return GenesysWindowOperator(task_id="validate_window").execute(context)

    assert (backfill_plan()["extract_interval"], backfill_plan()["lookback_days"]) == (one_day, 0)
    overridden = backfill_plan(lookback_days=2)
    assert overridden["extract_interval"] == f"{iso(day - timedelta(days=2))}/{iso(day + timedelta(days=1))}"
    assert plan_for(day)["lookback_days"] == 3  # a scheduled or manual run keeps the setting


def test_lookback_past_the_job_limit_is_rejected(configured, monkeypatch):
    monkeypatch.setenv("AIRFLOW_VAR_GENESYS_MAX_JOB_INTERVAL_DAYS", "3")

    with pytest.raises(
        AirflowFailException, match=r"lookback_days: 5 days back .* over genesys_max_job_interval_days \(3\)"
    ):
        plan_for(lookback_days=5)


@pytest.mark.parametrize("value", ["a week", "1.5"])
def test_an_unreadable_lookback_param_is_named(configured, value):
    with pytest.raises(
        AirflowFailException, match=f"param lookback_days must be a whole number of days .*got '{value}'"
    ):
        plan_for(lookback_days=value)


def test_a_run_without_data_interval_needs_params(configured):
    with pytest.raises(AirflowFailException, match="data_interval"):
        GenesysWindowOperator(task_id="validate_window").execute(make_context(None))


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("AIRFLOW_VAR_GENESYS_POLL_INTERVAL_SECONDS", "soon", "genesys_poll_interval_seconds"),
        ("AIRFLOW_VAR_GENESYS_POLL_INTERVAL_SECONDS", "0", "genesys_poll_interval_seconds"),
        ("AIRFLOW_VAR_GENESYS_PII_CONFIG", "{not json", "genesys_pii_config"),
    ],
)
def test_bad_settings_fail_naming_the_variable(configured, monkeypatch, variable, value, message):
    monkeypatch.setenv(variable, value)

    with pytest.raises(AirflowFailException, match="Invalid pipeline configuration") as failure:
        plan_for()
    assert message in str(failure.value)


def test_missing_warehouse_connection(staging_root, monkeypatch):
    monkeypatch.delenv("AIRFLOW_CONN_GENESYS_WAREHOUSE", raising=False)

    with pytest.raises(AirflowFailException, match="'genesys_warehouse' is not defined"):
        plan_for()


def test_unsupported_warehouse_type(staging_root, monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_GENESYS_WAREHOUSE", json.dumps({"conn_type": "mysql", "host": "db"}))

    with pytest.raises(AirflowFailException, match="'mysql' is not supported"):
        plan_for()


def test_invalid_warehouse_url_does_not_quote_the_password(staging_root, monkeypatch):
    set_warehouse_connection(monkeypatch, "postgresql://admin:hunter2-secret@db:notaport/x")

    with pytest.raises(AirflowFailException, match="genesys_warehouse") as failure:
        plan_for()
    assert "hunter2-secret" not in str(failure.value)


def test_unknown_copy_format_is_named_with_the_allowed_values(staging_root, monkeypatch, tmp_path):
    monkeypatch.setenv(
        "AIRFLOW_CONN_GENESYS_WAREHOUSE",
        json.dumps({"conn_type": "sqlite", "host": str(tmp_path / "w.db"), "extra": {"copy_format": "csv"}}),
    )

    with pytest.raises(AirflowFailException, match=r"extra.copy_format='csv' is not supported; allowed: text, binary"):
        plan_for()


@pytest.mark.parametrize(
    ("extra", "bulk"), [({}, "auto"), ({"copy_format": "text"}, "auto"), ({"copy_format": "binary"}, "copy")]
)
def test_copy_format_picks_the_bulk_path(monkeypatch, tmp_path, extra, bulk):
    from genesys_cloud.warehouse_connection import warehouse_bulk_path

    monkeypatch.setenv(
        "AIRFLOW_CONN_GENESYS_WAREHOUSE",
        json.dumps({"conn_type": "sqlite", "host": str(tmp_path / "w.db"), "extra": extra}),
    )
    assert warehouse_bulk_path() == bulk


def test_a_normalize_worker_setting_that_is_not_a_boolean_is_named_with_the_allowed_values(
    staging_root, monkeypatch, tmp_path
):
    monkeypatch.setenv(
        "AIRFLOW_CONN_GENESYS_WAREHOUSE",
        json.dumps({"conn_type": "sqlite", "host": str(tmp_path / "w.db"), "extra": {"normalize_worker": "no"}}),
    )

    with pytest.raises(
        AirflowFailException, match=r"extra.normalize_worker='no' is not supported; allowed: true, false"
    ):
        plan_for()


@pytest.mark.parametrize(
    ("extra", "worker_min_pages"), [({}, 2), ({"normalize_worker": True}, 2), ({"normalize_worker": False}, None)]
)
def test_normalize_worker_setting_reaches_the_warehouse(monkeypatch, tmp_path, extra, worker_min_pages):
    from genesys_cloud.warehouse_connection import open_warehouse

    monkeypatch.setenv(
        "AIRFLOW_CONN_GENESYS_WAREHOUSE",
        json.dumps({"conn_type": "sqlite", "host": str(tmp_path / "w.db"), "extra": extra}),
    )
    warehouse = open_warehouse()
    assert warehouse.worker_min_pages == worker_min_pages
    warehouse.dispose()
