"""Does every value of a normalized row fit its column's type?

Genesys fields drift: a ``participantName`` may one day arrive as an object. Such a value
cannot be loaded (the warehouse refuses it, failing the whole day) and must not reach an
error message (it may be a name). The normalizer therefore checks each record's rows here and
quarantines a record that does not fit, with a reason naming the column and the JSON kind of
the value, never the value itself.
"""

from __future__ import annotations

from collections.abc import Sequence

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


class ColumnFit:
    """Per-table type checks, built once from the table specs."""

    def __init__(self, specs: Sequence[TableSpec]) -> None:
        self._specs = {spec.name: spec for spec in specs}
        self._accepts = {spec.name: tuple(ACCEPTED[column.type] for column in spec.columns) for spec in specs}

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
