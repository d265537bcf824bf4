"""Does every value of a normalized row fit its column, by type and by value?

Genesys fields drift: a ``participantName`` may one day arrive as an object, a timestamp as
``"yesterday"``, a count as 2^63, a text with a NUL character or ten megabytes long. Such a value
cannot be loaded the same way on both warehouses (PostgreSQL refuses the COPY, failing the whole
day on every retry, and logs the row; SQLite stores most of them as they are) and must not reach
an error message (it may be a name). The normalizer therefore checks each record's rows here and
quarantines a record that does not fit, with a reason naming the column and the problem, never
the value itself.

Two checks: :meth:`ColumnFit.misfit` per record (Python types: cheap, in C), then
:meth:`ColumnFit.bad_values` once per page and table, column by column, so the common clean page
costs a few C-level passes per column (a join, a max, a regex map) and only a column that fails
one is looked at row by row.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from functools import partial
from itertools import chain
from operator import is_not, itemgetter
from typing import Any

from genesys_pipeline.tables import BOOL, DATE, FLOAT, INT, JSON, TEXT, TS, ColumnType, TableSpec

_NONE = type(None)
# Python classes a JSON-parsed value may have in a column of each type. JSON columns hold
# text the normalizer produced itself. bool is not accepted as int (True is not a count).
ACCEPTED: dict[ColumnType, frozenset[type]] = {
    TEXT: frozenset({str, _NONE}),
    TS: frozenset({str, _NONE}),
    DATE: frozenset({str, _NONE}),
    JSON: frozenset({str, _NONE}),
    INT: frozenset({int, _NONE}),
    FLOAT: frozenset({float, int, _NONE}),
    BOOL: frozenset({bool, _NONE}),
}
_JSON_KINDS = {dict: "object", list: "array", str: "string", int: "integer", float: "number", bool: "boolean"}

# The longest text (or JSON text) a column takes, in characters. Genesys documents no limit for
# most fields; the longest real values (wrap-up notes, attribute values, id lists) are a few KB.
MAX_TEXT_CHARS = 1 << 20
INT_MIN, INT_MAX = -(1 << 63), (1 << 63) - 1  # BIGINT on PostgreSQL, INTEGER on SQLite
# ISO-8601 extended format with a time zone, as Genesys writes it (``2024-05-01T10:00:00.000Z``):
# both warehouses read it the same way. A calendar-impossible day (02-30) passes the pattern and
# is caught by parsing the distinct dates.
_TIMESTAMP = re.compile(
    r"\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,9})?"
    r"(?:Z|[+-](?:[01]\d|2[0-3]):?[0-5]\d)",
    re.ASCII,  # \d is 0-9 only: PostgreSQL reads no other digits
)
_TIMESTAMPS = re.compile(f"(?:{_TIMESTAMP.pattern})(?:\n(?:{_TIMESTAMP.pattern}))*|", re.ASCII)
_DATE = re.compile(r"\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])", re.ASCII)
_DAY_PART = itemgetter(slice(0, 10))

# A check per column type: (problem of a present value or None for fine, fast test of a whole column).
Problem = Callable[[object], "str | None"]


def _text_problem(value: object) -> str | None:
    assert isinstance(value, str)
    if "\x00" in value:
        return "holds a NUL character"
    if len(value) > MAX_TEXT_CHARS:
        return f"is {len(value)} characters long, over the {MAX_TEXT_CHARS} limit"
    return None


def _texts_fine(values: list) -> bool:
    return max(map(len, values), default=0) <= MAX_TEXT_CHARS and "\x00" not in "".join(values)


def _int_problem(value: object) -> str | None:
    assert isinstance(value, int)
    return None if INT_MIN <= value <= INT_MAX else "is outside the signed 64-bit integer range"


def _ints_fine(values: list) -> bool:
    return min(values, default=0) >= INT_MIN and max(values, default=0) <= INT_MAX


def _float_problem(value: object) -> str | None:
    assert isinstance(value, int | float)
    try:
        return None if math.isfinite(value) else "is not a finite number"
    except OverflowError:  # an int too large for a double
        return "is outside the range of a double"


def _floats_fine(values: list) -> bool:
    try:
        return all(map(math.isfinite, values))
    except OverflowError:
        return False


def _calendar_day(text: str) -> bool:
    try:
        date.fromisoformat(text[:10])
        return True
    except ValueError:
        return False


def timestamp_problem(value: object) -> str | None:
    assert isinstance(value, str)
    if _TIMESTAMP.fullmatch(value) is None or not _calendar_day(value):
        return "is not an ISO-8601 timestamp with a time zone"
    return None


def _timestamps_fine(values: list) -> bool:
    # One regex over the values joined by newlines beats one call a value; the count of newlines
    # proves no value brought one of its own.
    joined = "\n".join(values)
    return (
        joined.count("\n") == max(len(values) - 1, 0)
        and _TIMESTAMPS.fullmatch(joined) is not None
        and all(map(_calendar_day, set(map(_DAY_PART, values))))
    )


def _date_problem(value: object) -> str | None:
    assert isinstance(value, str)
    if _DATE.fullmatch(value) is None or not _calendar_day(value):
        return "is not an ISO-8601 calendar date"
    return None


def _dates_fine(values: list) -> bool:
    distinct = set(values)
    return all(map(_DATE.fullmatch, distinct)) and all(map(_calendar_day, distinct))


VALUE_CHECKS: dict[ColumnType, tuple[Problem, Callable[[list], bool]]] = {
    TEXT: (_text_problem, _texts_fine),
    JSON: (_text_problem, _texts_fine),
    INT: (_int_problem, _ints_fine),
    FLOAT: (_float_problem, _floats_fine),
    TS: (timestamp_problem, _timestamps_fine),
    DATE: (_date_problem, _dates_fine),
}


_IS_PRESENT = partial(is_not, None)


def _present(values: Iterable) -> list:
    """The column's values without its NULLs (in C: ``filter`` with a C predicate)."""
    return list(filter(_IS_PRESENT, values))


class ColumnFit:
    """Per-table type and value checks, built once from the table specs."""

    def __init__(self, specs: Sequence[TableSpec]) -> None:
        self._specs = {spec.name: spec for spec in specs}
        self._accepts = {spec.name: tuple(ACCEPTED[column.type] for column in spec.columns) for spec in specs}
        # table -> per checked column type: (a getter of those columns of a row, their positions)
        self._groups: dict[str, list[tuple[Callable[[tuple], Any], tuple[int, ...], ColumnType]]] = {}
        for spec in specs:
            groups: list[tuple[Callable[[tuple], Any], tuple[int, ...], ColumnType]] = []
            for column_type in VALUE_CHECKS:
                positions = tuple(i for i, column in enumerate(spec.columns) if column.type == column_type)
                if positions:
                    groups.append((itemgetter(*positions), positions, column_type))
            self._groups[spec.name] = groups

    def misfit(self, table: str, rows: Sequence[tuple]) -> str | None:
        """A value-free reason for the first value of ``rows`` its column cannot hold, else None."""
        accepts = self._accepts[table]
        for row in rows:
            if all(map(frozenset.__contains__, accepts, map(type, row))):  # the fast path, all in C
                continue
            for column, allowed, value in zip(self._specs[table].columns, accepts, row, strict=False):
                if type(value) not in allowed:
                    kind = _JSON_KINDS.get(type(value), type(value).__name__)
                    return f"type drift: {table}.{column.name} expects {column.type}, got {kind}"
        return None

    def bad_values(self, table: str, rows: Sequence[tuple]) -> dict[int, str]:
        """Row index -> a value-free reason, for each row of ``rows`` (type-checked already) holding
        a value its column cannot store the same way on every warehouse. All columns of one type
        are tested at once (gathered in C); only a type that fails is looked at row by row."""
        bad: dict[int, str] = {}
        if not rows:
            return bad
        columns = self._specs[table].columns
        for getter, positions, column_type in self._groups[table]:
            gathered = map(getter, rows)
            values = _present(gathered if len(positions) == 1 else chain.from_iterable(gathered))
            problem, fine = VALUE_CHECKS[column_type]
            if fine(values):
                continue
            for index, row in enumerate(rows):
                for position in positions:
                    value = row[position]
                    found = None if value is None or index in bad else problem(value)
                    if found:
                        bad[index] = f"bad value: {table}.{columns[position].name} {found}"
        return bad
