"""The extraction window of one run: resolved from Airflow's data interval or manual params, then validated.

Validation happens before any API call or write, so a bad manual run fails in seconds with a
message naming the offending field instead of as a Genesys 400 (or worse, a silently empty
partition) halfway through. Times are UTC; partitions are named after the UTC day when the
window is exactly one day, which is what every scheduled run produces.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

ISO_FORMAT = "%Y-%m-%dT%H:%M:%S.000Z"


class WindowError(ValueError):
    """An invalid window; ``field`` names the parameter a user has to fix."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(f"{field}: {message}")


@dataclass(frozen=True)
class WindowLimits:
    """How far back and how wide a window may be (Genesys limits are settings, see settings.py)."""

    retention_days: int = 730
    max_interval_days: int = 31


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime

    @property
    def interval(self) -> str:
        """The Genesys ``interval`` string: ISO-8601 ``start/end`` with milliseconds and ``Z``."""
        return f"{format_instant(self.start)}/{format_instant(self.end)}"

    @property
    def partition(self) -> str:
        """``YYYY-MM-DD`` for a whole UTC day, else a filesystem-safe ``start_end`` key."""
        if self.end - self.start == timedelta(days=1) and self.start == _midnight(self.start):
            return self.start.strftime("%Y-%m-%d")
        return f"{self.start:%Y%m%dT%H%M%SZ}_{self.end:%Y%m%dT%H%M%SZ}"

    @classmethod
    def from_interval(cls, interval: str, field: str = "interval") -> Window:
        """The window of a Genesys ``start/end`` interval string."""
        start_text, slash, end_text = str(interval).partition("/")
        if not slash:
            raise WindowError(field, f"expected ISO-8601 'start/end', got {interval!r}")
        return cls(parse_instant(start_text, field), parse_instant(end_text, field))

    def as_dict(self) -> dict[str, str]:
        return {
            "partition": self.partition,
            "interval": self.interval,
            "interval_start": format_instant(self.start),
            "interval_end": format_instant(self.end),
        }


def format_instant(value: datetime) -> str:
    return value.astimezone(UTC).strftime(ISO_FORMAT)


def _midnight(value: datetime) -> datetime:
    return value.replace(hour=0, minute=0, second=0, microsecond=0)


def parse_instant(value: Any, field: str) -> datetime:
    """A UTC datetime from a datetime or an ISO-8601 string; a bare date means its midnight UTC."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str) and value.strip():
        text = value.strip()
        try:
            parsed = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text)
        except ValueError:
            raise WindowError(
                field, f"{value!r} is not an ISO-8601 date or date-time (e.g. 2024-05-01T00:00:00Z)"
            ) from None
    else:
        raise WindowError(field, f"expected an ISO-8601 date-time string, got {value!r}")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def day_before(instant: datetime) -> Window:
    """The UTC day before ``instant``'s: what a daily run at ``instant`` syncs (the D-1 rule)."""
    midnight = instant.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return Window(midnight - timedelta(days=1), midnight)


def resolve_window(
    data_interval_start: datetime | None,
    data_interval_end: datetime | None,
    interval_start: Any = None,
    interval_end: Any = None,
    run_after: datetime | None = None,
) -> Window:
    """Manual-run params win over the data interval; giving only one of them is an error. A run with
    no data interval (Airflow 3 creates a manual run triggered without a logical date, e.g. from the
    REST API or ``airflow dags trigger``, without one) syncs the UTC day before its ``run_after``."""
    if interval_start not in (None, "") or interval_end not in (None, ""):
        if interval_start in (None, ""):
            raise WindowError("interval_start", "is required when interval_end is given")
        if interval_end in (None, ""):
            raise WindowError("interval_end", "is required when interval_start is given")
        return Window(parse_instant(interval_start, "interval_start"), parse_instant(interval_end, "interval_end"))
    if data_interval_start is None or data_interval_end is None:
        if run_after is not None:
            return day_before(run_after)
        raise WindowError("data_interval", "the run has no data interval; pass interval_start and interval_end")
    return Window(
        parse_instant(data_interval_start, "data_interval_start"), parse_instant(data_interval_end, "data_interval_end")
    )


def reject_window_params_in_backfill(run_type: Any, interval_start: Any, interval_end: Any) -> None:
    """A backfill syncs each run's own day: window params would make every day sync the same window."""
    if run_type != "backfill":
        return
    given = [
        name
        for name, value in (("interval_start", interval_start), ("interval_end", interval_end))
        if value not in (None, "")
    ]
    if given:
        raise WindowError(
            given[0],
            f"{' and '.join(given)} belong to single manual runs (Trigger), not to a backfill, whose runs each "
            "sync their own day; start the backfill again with these params empty "
            "(force_extract and lookback_days are fine in a backfill)",
        )


def validate_window(window: Window, now: datetime, limits: WindowLimits = WindowLimits()) -> Window:
    """Reject windows Genesys cannot serve; a window ending after the watermark but not after ``now`` is fine."""
    if window.end < window.start:
        raise WindowError(
            "interval_end", f"{format_instant(window.end)} is before interval_start {format_instant(window.start)}"
        )
    if window.end == window.start:
        raise WindowError("interval_end", "equals interval_start: the window is empty")
    if window.end > now:
        raise WindowError(
            "interval_end", f"{format_instant(window.end)} is in the future (now is {format_instant(now)})"
        )
    oldest = now - timedelta(days=limits.retention_days)
    if window.start < oldest:
        raise WindowError(
            "interval_start",
            f"{format_instant(window.start)} is older than the {limits.retention_days}-day retention limit "
            f"(earliest allowed {format_instant(oldest)})",
        )
    if window.end - window.start > timedelta(days=limits.max_interval_days):
        raise WindowError(
            "interval_end",
            f"the window spans {window.end - window.start}, over the {limits.max_interval_days}-day job interval limit",
        )
    return window
