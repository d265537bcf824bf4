"""Which UTC days a refresh run re-extracts.

The daily run's lookback catches what changes within a few days of a conversation; evaluations,
surveys and erasures that come later are caught by the periodic refresh, which re-extracts the
``genesys_refresh_days`` complete UTC days before its logical date, one details job per day.
Only whole days that ended by the data watermark are re-extracted: a job over a later day
returns partial data, and a partial day must never drive erasure.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from genesys_pipeline.plan.window import Window, WindowError, WindowLimits, validate_window


def day_window(day: date) -> Window:
    start = datetime.combine(day, time(), tzinfo=UTC)
    return Window(start, start + timedelta(days=1))


def parse_day(value: object, field: str) -> date:
    """A ``YYYY-MM-DD`` param; a bad value names its field."""
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise WindowError(field, f"must be a date YYYY-MM-DD, got {value!r}") from None


def requested_days(
    logical_date: datetime, refresh_days: int, first_day: object = None, last_day: object = None
) -> list[date]:
    """The days asked for: ``first_day``..``last_day`` (inclusive) when given, else the
    ``refresh_days`` whole UTC days before ``logical_date``."""
    if (first_day is None) != (last_day is None):
        raise WindowError(
            "first_day" if first_day is None else "last_day", "give both first_day and last_day, or neither"
        )
    if first_day is not None:
        first, last = parse_day(first_day, "first_day"), parse_day(last_day, "last_day")
        if last < first:
            raise WindowError("last_day", f"{last} is before first_day {first}")
    else:
        if refresh_days < 1:
            raise WindowError("refresh_days", f"must be >= 1, got {refresh_days}")
        last = logical_date.astimezone(UTC).date() - timedelta(days=1)
        first = last - timedelta(days=refresh_days - 1)
    return [first + timedelta(days=offset) for offset in range((last - first).days + 1)]


def refresh_windows(
    days: list[date], data_available_until: datetime, now: datetime, limits: WindowLimits
) -> list[Window]:
    """One window per day that ended by the watermark, each checked against the retention limit.

    Days past the watermark are left out (the next daily run or refresh gets them); a day older
    than retention fails the run before any job is submitted, naming the field.
    """
    windows = []
    for day in days:
        window = day_window(day)
        if window.end > data_available_until:
            continue
        try:
            validate_window(window, now, limits)
        except WindowError as error:
            raise WindowError("first_day", f"day {day}: {str(error).removeprefix(error.field + ': ')}") from None
        windows.append(window)
    return windows
