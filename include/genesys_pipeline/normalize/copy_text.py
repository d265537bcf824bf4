"""Rows as PostgreSQL text COPY data, formatted where they are made (the normalize worker).

psycopg's own C row formatter with its global adapters (the same per-value text its COPY sends
from a connection), strings in UTF-8, which the COPY statement declares (``ENCODING 'UTF8'``)
so the server reads them right whatever the session's client encoding. Kept out of the
warehouse package so the worker starts without SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Sequence

from psycopg._copy_base import format_row_text  # psycopg's C row formatter (pinned in constraints.txt)
from psycopg.adapt import Transformer

from genesys_pipeline.normalize.table_rows import EncodedRows, spans

# One for the process: it caches a dumper per Python type. The global adapters: str as UTF-8,
# as the COPY's ENCODING says.
_TRANSFORMER = Transformer()


def encode_text(table: str, rows: Sequence[tuple]) -> EncodedRows:
    """``rows`` as text COPY data in UTF-8, each conversation's rows one span (see :class:`EncodedRows`)."""
    transformer = _TRANSFORMER
    data = bytearray()
    ids: list[str] = []
    byte_ends: list[int] = []
    row_ends: list[int] = []
    start = 0
    for cid, end in spans(table, rows):
        for row in rows[start:end]:
            format_row_text(row, transformer, data)
        ids.append(cid)
        byte_ends.append(len(data))
        row_ends.append(end)
        start = end
    return EncodedRows(bytes(data), tuple(ids), tuple(byte_ends), tuple(row_ends))
