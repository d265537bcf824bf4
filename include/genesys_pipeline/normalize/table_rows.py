"""One table's rows in a batch: tuples, or the same rows already encoded as COPY text.

The normalize worker (:mod:`genesys_pipeline.normalize.worker`) hands the loader its child
tables' rows as :class:`EncodedRows`, the bytes PostgreSQL's text COPY reads, so the loading
process does no per-row work. A merge still drops or sets aside whole conversations (unchanged
ones, other days' ones), so the bytes carry where each conversation's rows end: the normalizer
writes a conversation's rows of a table one after another, so they form one span.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from genesys_pipeline.tables import CONVERSATION_TABLES

ID_COLUMN = {spec.name: spec.column_names.index("conversation_id") for spec in CONVERSATION_TABLES}


@dataclass(frozen=True)
class EncodedRows:
    """COPY text of one table's rows; span ``i`` is conversation ``ids[i]``'s rows, ending at byte
    ``byte_ends[i]`` and row ``row_ends[i]`` (both cumulative)."""

    data: bytes
    ids: tuple[str, ...]
    byte_ends: tuple[int, ...]
    row_ends: tuple[int, ...]

    def __len__(self) -> int:
        return self.row_ends[-1] if self.row_ends else 0

    def select(self, ids: Collection[str], keep: bool) -> EncodedRows:
        """The spans of the conversations in ``ids`` (``keep``) or of all others (not ``keep``)."""
        view = memoryview(self.data)
        parts: list[memoryview] = []
        kept_ids: list[str] = []
        byte_ends: list[int] = []
        row_ends: list[int] = []
        start = first_row = size = rows = 0
        for cid, end, row_end in zip(self.ids, self.byte_ends, self.row_ends, strict=True):
            if (cid in ids) == keep:
                parts.append(view[start:end])
                size += end - start
                rows += row_end - first_row
                kept_ids.append(cid)
                byte_ends.append(size)
                row_ends.append(rows)
            start, first_row = end, row_end
        return EncodedRows(b"".join(parts), tuple(kept_ids), tuple(byte_ends), tuple(row_ends))


Rows = list[tuple] | EncodedRows


def select_rows(table: str, rows: Rows, ids: Collection[str], keep: bool) -> Rows:
    """``rows`` of the conversations in ``ids`` (``keep``), or of every other conversation."""
    if isinstance(rows, EncodedRows):
        return rows.select(ids, keep)
    column = ID_COLUMN[table]
    return [row for row in rows if (row[column] in ids) == keep]


def spans(table: str, rows: Sequence[tuple]) -> list[tuple[str, int]]:
    """(conversation id, end row) of each run of consecutive rows of one conversation."""
    column = ID_COLUMN[table]
    runs: list[tuple[str, int]] = []
    for position, row in enumerate(rows):
        cid = row[column]
        if runs and runs[-1][0] == cid:
            runs[-1] = (cid, position + 1)
        else:
            runs.append((cid, position + 1))
    return runs
