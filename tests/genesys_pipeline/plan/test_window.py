"""Window resolution and validation: every rejection names the field a user must fix."""

from datetime import UTC, datetime, timedelta

import pytest

from genesys_pipeline.plan.window import (
    Window,
    WindowError,
    WindowLimits,
    parse_instant,
    reject_window_params_in_backfill,
    resolve_window,
    validate_window,
)

NOW = datetime(2024, 5, 10, 12, 0, tzinfo=UTC)
DAY = datetime(2024, 5, 1, tzinfo=UTC)


def test_data_interval_gives_a_day_partition():
    window = resolve_window(DAY, DAY + timedelta(days=1))
    assert window.partition == "2024-05-01"
    assert window.interval == "2024-05-01T00:00:00.000Z/2024-05-02T00:00:00.000Z"


def test_params_override_the_data_interval_and_odd_windows_get_a_safe_key():
    window = resolve_window(DAY, DAY + timedelta(days=1), "2024-05-03T06:00:00Z", "2024-05-03T18:00:00+00:00")
    assert window.start == datetime(2024, 5, 3, 6, tzinfo=UTC)
    assert window.partition == "20240503T060000Z_20240503T180000Z"


def test_bare_dates_and_naive_times_are_utc():
    assert parse_instant("2024-05-01", "f") == DAY
    assert parse_instant("2024-05-01T02:00:00+02:00", "f") == DAY


@pytest.mark.parametrize(
    ("start", "end", "field", "fragment"),
    [
        ("2024-05-02", "2024-05-01", "interval_end", "before interval_start"),
        ("2024-05-01", "2024-05-01", "interval_end", "empty"),
        ("2024-05-10", "2024-05-11", "interval_end", "future"),
        ("2021-01-01", "2021-01-02", "interval_start", "retention"),
        ("2024-03-01", "2024-05-01", "interval_end", "job interval limit"),
        ("yesterday", "2024-05-01", "interval_start", "not an ISO-8601"),
        ("2024-05-01", "2024-13-01", "interval_end", "not an ISO-8601"),
        ("2024-05-01", None, "interval_end", "required"),
        (None, "2024-05-01", "interval_start", "required"),
    ],
)
def test_bad_windows_are_rejected_with_the_field_named(start, end, field, fragment):
    with pytest.raises(WindowError) as caught:
        validate_window(resolve_window(DAY, DAY + timedelta(days=1), start, end), NOW)
    assert caught.value.field == field
    assert str(caught.value).startswith(f"{field}: ")
    assert fragment in str(caught.value)


def test_limits_are_settings():
    wide = Window(DAY - timedelta(days=40), DAY)
    assert validate_window(wide, NOW, WindowLimits(max_interval_days=60)) is wide
    with pytest.raises(WindowError, match="retention"):
        validate_window(Window(DAY, DAY + timedelta(days=1)), NOW, WindowLimits(retention_days=5))


@pytest.mark.parametrize(
    "start, end, field", [("2024-05-01", None, "interval_start"), (None, "2024-05-02", "interval_end")]
)
def test_a_backfill_refuses_window_params_naming_them(start, end, field):
    with pytest.raises(WindowError, match=f"^{field}: .*single manual runs"):
        reject_window_params_in_backfill("backfill", start, end)


def test_window_params_are_fine_outside_backfills_and_empty_ones_inside():
    reject_window_params_in_backfill("manual", "2024-05-01", "2024-05-02")
    reject_window_params_in_backfill("backfill", None, "")


def test_a_run_without_a_data_interval_syncs_the_utc_day_before_it_ran():
    """Airflow 3 gives a manual run triggered without a logical date (REST API, ``airflow dags trigger``)
    no data interval: it syncs what the scheduled run of that moment would, the day before."""
    from genesys_pipeline.plan.window import resolve_window as resolve

    ran = datetime(2026, 12, 7, 0, 0, 1, tzinfo=UTC)
    window = resolve(None, None, run_after=ran)
    assert (window.start, window.end, window.partition) == (
        datetime(2026, 12, 6, tzinfo=UTC),
        datetime(2026, 12, 7, tzinfo=UTC),
        "2026-12-06",
    )
    assert resolve(None, None, run_after=datetime(2026, 12, 7, 23, 59, tzinfo=UTC)).partition == "2026-12-06"
    given = resolve(None, None, "2026-12-01T00:00:00Z", "2026-12-02T00:00:00Z", run_after=ran)
    assert given.partition == "2026-12-01"  # the form's window still wins
    with pytest.raises(ValueError, match="no data interval"):
        resolve(None, None)
