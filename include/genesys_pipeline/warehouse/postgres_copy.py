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
"""
from __future__ import annotations

import re
from datetime import date, datetime
from operator import itemgetter
from typing import Any, Callable, Sequence

import psycopg
from psycopg.adapt import Dumper
from psycopg.pq import Format
from sqlalchemy import Connection

from genesys_pipeline.tables import BOOL, DATE, FLOAT, INT, JSON, TEXT, TS, ColumnType, TableSpec

# Warehouse column type -> the PostgreSQL type ensure_schema gives it (schema._TYPES).
PG_TYPES: dict[ColumnType, str] = {
    TEXT: "text", JSON: "text", INT: "int8", FLOAT: "float8", BOOL: "bool", TS: "timestamptz", DATE: "date",
}
_TIMESTAMP_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?(?:Z|[+-][0-9]{2}:[0-9]{2})")
_DATE_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TIMESTAMPTZ = psycopg.adapters.types["timestamptz"].oid
_DATE = psycopg.adapters.types["date"].oid
# psycopg's own (C) binary encoders, fed the parsed values once per distinct text.
_ENCODE_TIMESTAMPTZ = psycopg.adapters.get_dumper_by_oid(_TIMESTAMPTZ, Format.BINARY)(datetime).dump
_ENCODE_DATE = psycopg.adapters.get_dumper_by_oid(_DATE, Format.BINARY)(date).dump


class CopyWriter:
    """Binary COPY (``binary=False``: the text format, kept for comparison and as the fallback)."""

    def __init__(self, binary: bool = True) -> None:
        self.binary = binary

    def write(self, conn: Connection, spec: TableSpec, table: str, columns: Sequence[str], rows: Sequence[tuple]) -> None:
        driver_connection = conn.connection.driver_connection  # psycopg.Connection
        with driver_connection.cursor() as cursor:
            temporal = TemporalValues.of(spec, rows) if self.binary else None
            if temporal is None:
                statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
            else:
                temporal.register(cursor)
                statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)"
            with cursor.copy(statement) as copy:
                if temporal is not None:
                    copy.set_types([temporal.types[c.type] for c in spec.columns])
                write_row = copy.write_row
                for row in rows:
                    write_row(row)


class TemporalValues:
    """The binary encoding of every distinct timestamp and date of one table's rows."""

    def __init__(self, timestamps: dict[Any, bytes], dates: dict[Any, bytes]) -> None:
        self.timestamps = timestamps
        self.dates = dates
        # the dumpers' own oids are the PostgreSQL types; the other columns use psycopg's
        self.types: dict[ColumnType, Any] = {**PG_TYPES, TS: _TIMESTAMPTZ, DATE: _DATE}

    @classmethod
    def of(cls, spec: TableSpec, rows: Sequence[tuple]) -> "TemporalValues | None":
        """Encodings of the rows' timestamps and dates, or None if one is not plain ISO-8601."""
        timestamps = _encoded(spec, rows, TS, _timestamp)
        if timestamps is None:
            return None
        dates = _encoded(spec, rows, DATE, _date)
        return None if dates is None else cls(timestamps, dates)

    def register(self, cursor: psycopg.Cursor) -> None:
        """Make this cursor's binary COPY take the encodings for timestamptz and date columns.
        A cursor's adapters are its own copy, so nothing leaks to other cursors."""
        for oid, encodings in ((_TIMESTAMPTZ, self.timestamps), (_DATE, self.dates)):
            marker = type(f"_Encoded{oid}", (), {})  # a class no real value has: dumpers are chosen by oid here
            cursor.adapters.register_dumper(marker, _lookup_dumper(oid, encodings))


def _lookup_dumper(oid: int, encodings: dict[Any, bytes]) -> type[Dumper]:
    class EncodedDumper(Dumper):
        format = Format.BINARY

        def dump(self, obj: Any) -> bytes:
            return encodings[obj]

    EncodedDumper.oid = oid
    return EncodedDumper


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


def _timestamp(value: Any) -> bytes | None:
    if value.__class__ is str:
        if not _TIMESTAMP_TEXT.fullmatch(value):
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
