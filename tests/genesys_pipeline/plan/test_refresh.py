"""Which days a refresh re-extracts: the whole UTC days before its logical date, never past the watermark."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from genesys_pipeline.plan.refresh import refresh_windows, requested_days
from genesys_pipeline.plan.window import WindowError, WindowLimits

LOGICAL = datetime(2026, 3, 8, 6, 0, tzinfo=UTC)
NOW = datetime(2026, 3, 10, tzinfo=UTC)


def test_default_is_the_refresh_days_before_the_logical_date():
    days = requested_days(LOGICAL, 30)
    assert len(days) == 30
    assert days[0] == date(2026, 2, 6) and days[-1] == date(2026, 3, 7)
    assert days == sorted(set(days))


def test_a_logical_date_at_midnight_excludes_its_own_day():
    assert requested_days(datetime(2026, 3, 8, tzinfo=UTC), 2) == [date(2026, 3, 6), date(2026, 3, 7)]


def test_a_manual_day_range_is_inclusive_and_overrides_the_setting():
    assert requested_days(LOGICAL, 30, "2026-01-01", "2026-01-03") == [
        date(2026, 1, 1),
        date(2026, 1, 2),
        date(2026, 1, 3),
    ]


@pytest.mark.parametrize(
    ("first", "last", "field"),
    [
        ("2026-01-03", "2026-01-01", "last_day"),
        ("2026-01-01", None, "last_day"),
        (None, "2026-01-01", "first_day"),
        ("yesterday", "2026-01-01", "first_day"),
    ],
)
def test_bad_day_ranges_name_the_field(first, last, field):
    with pytest.raises(WindowError) as caught:
        requested_days(LOGICAL, 30, first, last)
    assert caught.value.field == field


def test_refresh_days_below_one_is_rejected():
    with pytest.raises(WindowError, match="refresh_days"):
        requested_days(LOGICAL, 0)


def test_days_past_the_watermark_are_left_out():
    days = requested_days(LOGICAL, 3)  # Mar 5, 6, 7
    watermark = datetime(2026, 3, 7, 5, 0, tzinfo=UTC)  # Mar 7 not complete yet
    windows = refresh_windows(days, watermark, NOW, WindowLimits())
    assert [w.partition for w in windows] == ["2026-03-05", "2026-03-06"]
    assert all(w.end - w.start == timedelta(days=1) for w in windows)
    assert windows[-1].end <= watermark


def test_a_day_ending_exactly_at_the_watermark_is_complete():
    windows = refresh_windows([date(2026, 3, 6)], datetime(2026, 3, 7, tzinfo=UTC), NOW, WindowLimits())
    assert [w.interval for w in windows] == ["2026-03-06T00:00:00.000Z/2026-03-07T00:00:00.000Z"]


def test_a_day_older_than_retention_fails_naming_the_day():
    with pytest.raises(WindowError, match="2026-02-06.*retention") as caught:
        refresh_windows(requested_days(LOGICAL, 30), NOW, NOW, WindowLimits(retention_days=30))
    assert caught.value.field == "first_day"
