"""Value-level fit: the values PostgreSQL would refuse (and SQLite would store) are found, per row,
with a reason naming the column and never the value."""

from __future__ import annotations

import pytest

from genesys_pipeline.normalize.value_fit import MAX_TEXT_CHARS, ColumnFit, timestamp_problem
from genesys_pipeline.tables import CONVERSATION_TABLES, TABLES_BY_NAME

FIT = ColumnFit(CONVERSATION_TABLES)
CANARY = "Zebulon Quixotic +15550100"


def row_of(table: str, **values: object) -> tuple:
    """A row of ``table`` in column order: ``values`` where given, NULL elsewhere."""
    names = TABLES_BY_NAME[table].column_names
    return tuple(values.get(name) for name in names)


def sessions_row(**values: object) -> tuple:
    return row_of("sessions", session_id="s-1", participant_id="p-1", conversation_id="c-1", **values)


@pytest.mark.parametrize(
    ("column", "value", "problem"),
    [
        ("ani", f"tel:{CANARY}\x00", "sessions.ani holds a NUL character"),
        ("ani", "x" * (MAX_TEXT_CHARS + 1), f"sessions.ani is {MAX_TEXT_CHARS + 1} characters long"),
        ("routing_ring", 1 << 63, "sessions.routing_ring is outside the signed 64-bit integer range"),
        ("routing_ring", -(1 << 63) - 1, "sessions.routing_ring is outside the signed 64-bit integer range"),
        ("callback_scheduled_time", CANARY, "sessions.callback_scheduled_time is not an ISO-8601 timestamp"),
        ("callback_scheduled_time", "2024-02-30T10:00:00Z", "sessions.callback_scheduled_time is not an ISO"),
        ("callback_scheduled_time", "2024-05-01T10:00:00", "sessions.callback_scheduled_time is not an ISO"),
        ("callback_scheduled_time", "", "sessions.callback_scheduled_time is not an ISO"),
        ("callback_scheduled_time", "2024-05-01T10:00:00Z\n2024-05-01T10:00:00Z", "sessions.callback_scheduled_time"),
        ("callback_scheduled_time", "\u0662024-05-01T10:00:00Z", "sessions.callback_scheduled_time is not"),
        ("callback_scheduled_time", "0000-01-01T10:00:00Z", "sessions.callback_scheduled_time is not"),
    ],
)
def test_each_hostile_value_is_named_by_column_without_its_value(column, value, problem):
    rows = [sessions_row(), sessions_row(**{column: value}), sessions_row()]
    assert FIT.misfit("sessions", rows) is None  # the right Python type: only the value check sees it
    bad = FIT.bad_values("sessions", rows)
    assert list(bad) == [1]
    assert bad[1].startswith(f"bad value: {problem}")
    assert "Zebulon" not in bad[1] and "xxxx" not in bad[1]


def test_values_at_the_limits_fit():
    rows = [
        sessions_row(
            ani="x" * MAX_TEXT_CHARS,
            routing_ring=(1 << 63) - 1,
            callback_scheduled_time="2024-02-29T23:59:59.999999999+05:30",
        ),
        sessions_row(routing_ring=-(1 << 63), callback_scheduled_time="2024-05-01T10:00:00.000Z", ani=""),
    ]
    assert FIT.bad_values("sessions", rows) == {}


def test_a_date_column_takes_calendar_dates_only():
    def row(day: str) -> tuple:
        return row_of("conversations", conversation_id="c", conversation_date=day)

    assert FIT.bad_values("conversations", [row("2024-05-01"), row("2024-13-01"), row("yesterday")]) == {
        1: "bad value: conversations.conversation_date is not an ISO-8601 calendar date",
        2: "bad value: conversations.conversation_date is not an ISO-8601 calendar date",
    }


def test_non_finite_and_huge_numbers_in_a_float_column():
    def row(value: object) -> tuple:
        return row_of("conversations", conversation_id="c", media_stats_min_conversation_mos=value)

    bad = FIT.bad_values("conversations", [row(1.5), row(float("inf")), row(10**400), row(float("nan"))])
    assert sorted(bad) == [1, 2, 3]


def test_timestamp_problem_is_the_normalizers_one_judge():
    assert timestamp_problem("2024-05-01T10:09:30.000Z") is None
    assert timestamp_problem("2024-05-01 10:09:30Z") is not None
