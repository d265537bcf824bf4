"""PostgreSQL fast path: COPY rows straight into the warehouse tables through psycopg 3, in binary.

COPY streams rows with no per-statement overhead, about 5x executemany on this data. It runs
on the connection SQLAlchemy already holds, so it is part of the load's single transaction.

Binary COPY with the column types declared (``set_types``) spares the server parsing every
timestamp, date and number from text: about a quarter less backend CPU for the same rows
(docs/performance.md, "Binary COPY"). The normalizer keeps timestamps and dates as the API's
ISO text, so before a table's COPY the distinct ones are encoded once each
(:class:`TemporalValues`) and handed to psycopg through a per-COPY dumper. Only the plain
ISO-8601 forms whose meaning is certain are encoded (``YYYY-MM-DDTHH:MM:SS[.f{1,6}]`` with
``Z`` or ``±HH:MM``; ``YYYY-MM-DD``); a batch holding anything else (a value PostgreSQL may
read differently, e.g. seven fraction digits it rounds where Python truncates, or no zone)
goes through text COPY, so PostgreSQL keeps the last word on what such text means.

Rows the normalize worker already encoded (:class:`~genesys_pipeline.normalize.table_rows.EncodedRows`,
:mod:`genesys_pipeline.normalize.copy_text`) are sent as they are: no per-row work here.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from datetime import date, datetime
from operator import itemgetter
from typing import Any, cast

import psycopg
from psycopg.abc import Buffer
from psycopg.adapt import Dumper
from psycopg.pq import Format
from sqlalchemy import Connection

from genesys_pipeline.normalize.table_rows import EncodedRows, Rows
from genesys_pipeline.tables import BOOL, DATE, FLOAT, INT, JSON, TEXT, TS, ColumnType, TableSpec

# Warehouse column type -> the PostgreSQL type ensure_schema gives it (schema._TYPES).
PG_TYPES: dict[ColumnType, str] = {
    TEXT: "text",
    JSON: "text",
    INT: "int8",
    FLOAT: "float8",
    BOOL: "bool",
    TS: "timestamptz",
    DATE: "date",
}
_TIMESTAMP_TEXT = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?(?:Z|[+-][0-9]{2}:[0-9]{2})"
)
_DATE_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TIMESTAMPTZ = psycopg.adapters.types["timestamptz"].oid
_DATE = psycopg.adapters.types["date"].oid
# psycopg's own (C) binary encoders, fed the parsed values once per distinct text. ``Dumper.dump`` may
# return None (SQL NULL) in general; these two never do for a datetime / date.
_Encode = Callable[[Any], Buffer]
_ENCODE_TIMESTAMPTZ = cast(_Encode, psycopg.adapters.get_dumper_by_oid(_TIMESTAMPTZ, Format.BINARY)(datetime).dump)
_ENCODE_DATE = cast(_Encode, psycopg.adapters.get_dumper_by_oid(_DATE, Format.BINARY)(date).dump)
_COPY_TYPES: dict[ColumnType, Any] = {**PG_TYPES, TS: _TIMESTAMPTZ, DATE: _DATE}


class CopyWriter:
    """Binary COPY (``binary=False``: the text format, kept for comparison and as the fallback)."""

    def __init__(self, binary: bool = True) -> None:
        self.binary = binary

    @property
    def takes_encoded(self) -> bool:
        """Whether :class:`EncodedRows` (text) can be written: the text format only."""
        return not self.binary

    def write(self, conn: Connection, spec: TableSpec, table: str, columns: Sequence[str], rows: Rows) -> None:
        driver_connection = cast("psycopg.Connection[Any]", conn.connection.driver_connection)
        if isinstance(rows, EncodedRows):
            if self.binary:
                raise TypeError("binary COPY cannot send rows encoded as COPY text")
            with (
                driver_connection.cursor() as cursor,
                cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN (ENCODING 'UTF8')") as copy,
            ):
                copy.write(rows.data)
            return
        temporal = TemporalValues.of(spec, rows) if self.binary else None
        if temporal is None:
            with driver_connection.cursor() as cursor:
                _copy(cursor, f"COPY {table} ({', '.join(columns)}) FROM STDIN", None, rows)
            return
        with driver_connection.cursor() as cursor, temporal:
            # a cursor's adapters are its own copy: these dumpers stay out of other statements
            cursor.adapters.register_dumper(_EncodedTimestamp, _TimestampDumper)
            cursor.adapters.register_dumper(_EncodedDate, _DateDumper)
            types = [_COPY_TYPES[column.type] for column in spec.columns]
            _copy(cursor, f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)", types, rows)


def _copy(cursor: psycopg.Cursor, statement: str, types: list[Any] | None, rows: Sequence[tuple]) -> None:
    with cursor.copy(statement) as copy:
        if types is not None:
            copy.set_types(types)
        write_row = copy.write_row
        for row in rows:
            write_row(row)


class TemporalValues:
    """The binary encoding of every distinct timestamp and date of one table's rows."""

    def __init__(self, timestamps: dict[Any, bytes], dates: dict[Any, bytes]) -> None:
        self.timestamps = timestamps
        self.dates = dates

    @classmethod
    def of(cls, spec: TableSpec, rows: Sequence[tuple]) -> TemporalValues | None:
        """Encodings of the rows' timestamps and dates, or None if one is not plain ISO-8601."""
        timestamps = _encoded(spec, rows, TS, _timestamp)
        if timestamps is None:
            return None
        dates = _encoded(spec, rows, DATE, _date)
        return None if dates is None else cls(timestamps, dates)

    def __enter__(self) -> TemporalValues:
        """Hand these encodings to the dumpers of COPYs started on this thread until exit."""
        _current.values = self
        return self

    def __exit__(self, *exc: object) -> None:
        _current.values = None
        # psycopg's cursors are reference cycles that may keep the dumpers for a while: free
        # the encodings now rather than when the collector gets to them.
        self.timestamps.clear()
        self.dates.clear()


# The encodings of the COPY running on this thread, which the dumpers below take when psycopg
# creates them (at set_types). No class is made per COPY: classes are reference cycles, and
# cyclic garbage waits for the collector, which the normalizer pauses while it works.
_current = threading.local()


class _EncodedDumper(Dumper):
    format = Format.BINARY

    kind = ""  # the TemporalValues attribute holding this type's encodings

    def __init__(self, cls: type, context: Any = None) -> None:
        super().__init__(cls, context)
        self._encodings: dict[Any, bytes] = getattr(_current.values, self.kind)

    def dump(self, obj: Any) -> bytes:
        return self._encodings[obj]


class _TimestampDumper(_EncodedDumper):
    oid = _TIMESTAMPTZ
    kind = "timestamps"


class _DateDumper(_EncodedDumper):
    oid = _DATE
    kind = "dates"


class _EncodedTimestamp:  # classes no real value has: in a typed COPY, dumpers are chosen by oid
    pass


class _EncodedDate:
    pass


def _encoded(
    spec: TableSpec, rows: Sequence[tuple], type_: ColumnType, encode: Callable[[Any], bytes | None]
) -> dict[Any, bytes] | None:
    distinct: set[Any] = set()
    for position, column in enumerate(spec.columns):
        if column.type == type_:
            distinct.update(map(itemgetter(position), rows))
    distinct.discard(None)
    encodings = {}
    for value in distinct:
        encoded = encode(value)
        if encoded is None:
            return None
        encodings[value] = encoded
    return encodings


def _genesys_shape(value: str) -> bool:
    """``YYYY-MM-DDTHH:MM:SS.fffZ``, the API's own form, by its punctuation (fromisoformat then
    takes only ASCII digits in between): a third of the regular expression's cost."""
    return len(value) == 24 and value[4:20:3] == "--T::." and value[23] == "Z"


def _timestamp(value: Any) -> bytes | None:
    if value.__class__ is str:
        if not _genesys_shape(value) and not _TIMESTAMP_TEXT.fullmatch(value):
            return None
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:  # e.g. month 13: PostgreSQL refuses it too, with its own message
            return None
    elif isinstance(value, datetime):
        moment = value
    else:
        return None
    if moment.tzinfo is None:  # PostgreSQL would read it in the session's time zone
        return None
    return bytes(_ENCODE_TIMESTAMPTZ(moment))


def _date(value: Any) -> bytes | None:
    if value.__class__ is str:
        if not _DATE_TEXT.fullmatch(value):
            return None
        try:
            day = date.fromisoformat(value)
        except ValueError:
            return None
    elif value.__class__ is date:
        day = value
    else:
        return None
    return bytes(_ENCODE_DATE(day))
