"""The vocabulary of table specs: column types, :class:`Column`, :class:`TableSpec`, naming.

Every dataset's specs are written in these terms; the warehouse derives its DDL from them and the
normalizer its getters, so nothing else needs to know a database type.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

ColumnType = Literal["text", "int", "float", "bool", "timestamp", "date", "json", "serial"]
TEXT: ColumnType = "text"
INT: ColumnType = "int"
FLOAT: ColumnType = "float"
BOOL: ColumnType = "bool"
TS: ColumnType = "timestamp"
DATE: ColumnType = "date"
JSON: ColumnType = "json"
SERIAL: ColumnType = "serial"  # integer key the database assigns

EXTRACTED_AT = "_extracted_at"
RUN_ID = "_run_id"
# Digest of the raw conversation record (see genesys_pipeline.normalize.content_hash): a re-extraction
# rewrites only conversations whose digest changed.
CONTENT_HASH = "_content_hash"


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    source: str | None = None  # JSON key at the record's level; None for keys and derived columns
    nullable: bool = True


@dataclass(frozen=True)
class TableSpec:
    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    indexes: tuple[str, ...] = ()  # columns with an index of their own

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)


def snake_case(name: str) -> str:
    """``mediaStatsMinConversationRFactor`` -> ``media_stats_min_conversation_r_factor``."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])|(?<=[A-Z])([A-Z])(?=[a-z])", r"_\1\2", name).lower()


def layout(fields: dict[str, ColumnType]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(scalar keys, JSON keys) in column order: the normalizer builds rows in this order."""
    return (tuple(k for k, t in fields.items() if t != JSON), tuple(k for k, t in fields.items() if t == JSON))


SYNCED_AT = "_synced_at"  # when a row that is not an extraction (lookups, aggregates) was written
