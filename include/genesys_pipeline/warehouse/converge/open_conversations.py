"""Conversations loaded before they ended: the ones every run re-fetches by id until they end.

A details job serves partial records of conversations still in progress; their day may never
be re-extracted, so the warehouse itself is the list of what is still moving, whatever day it
started (the partial index ``ix_conversations_open`` keeps this look-up small).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Engine

from genesys_pipeline.warehouse.converge.freshness import iso_text
from genesys_pipeline.warehouse.engine import schema_for
from genesys_pipeline.warehouse.write.daylocks import conversation_day
from genesys_pipeline.warehouse.write.merge import ConversationTables


@dataclass(frozen=True)
class OpenConversations:
    ids: list[str]  # oldest conversation_start first
    oldest_start: str | None
    day_of: dict[str, date] = field(default_factory=dict)  # conversation_date: the day lock a re-fetch takes

    @property
    def count(self) -> int:
        return len(self.ids)


def open_conversations(engine: Engine) -> OpenConversations:
    """Every stored conversation without ``conversation_end``, oldest start first."""
    with engine.connect() as conn:
        tables = ConversationTables(conn, schema_for(engine))
        quote = conn.dialect.identifier_preparer.quote_identifier
        cid, start = quote("conversation_id"), quote("conversation_start")
        rows = conn.exec_driver_sql(
            f"SELECT {cid}, {start}, {quote('conversation_date')} FROM {tables.target('conversations')} "
            f"WHERE {quote('conversation_end')} IS NULL ORDER BY {start}, {cid}"
        ).all()
    oldest = rows[0][1] if rows else None
    return OpenConversations(
        [row[0] for row in rows], iso_text(oldest), {row[0]: conversation_day(row[2]) for row in rows}
    )
