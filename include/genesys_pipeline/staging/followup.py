"""Re-fetching open conversations by id: ``GET /api/v2/analytics/conversations/details?id=a,b,c``.

A conversation loaded before it ended is re-read by id on every run until a read shows its
``conversationEnd``, whatever day it started: its own day may never be re-extracted again. Ids
the run's own extraction just returned are fresh already and are not asked for. The responses
are staged as an extraction of their own (its query holds the ids, no interval), so the load
merges them like any page, and ``partition_freshness`` only recounts the days they changed. Its
manifest says the records carry no participant attributes (the multi-get serves none, fact sheet
§3.5), so the load keeps the stored ones (``warehouse.write.merge``).

A multi-get that does not return an id proves nothing (the client may not read its division,
or it was erased): it is counted as ``not_returned``, never deleted here; erasure is the
business of a complete re-extraction of its day.

The endpoint's maximum number of ids is UNCONFIRMED (fact sheet §3.5, §11 item 17), so the
batch size is the setting ``genesys_open_followup_batch``; its default, 100, is the emulator's
``multiget_max_ids`` and the usual cap of Genesys multi-get endpoints.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from typing import Any, cast

import simdjson

from genesys_pipeline.staging.area import Manifest, StagingArea

DEFAULT_FOLLOWUP_BATCH = 100
FOLLOWUP_QUERY_KEY = "openConversationIds"  # the staged query: the ids asked for, no interval
# ... and the stored days of those ids, which the load locks up front as its own days.
LISTED_DAYS_KEY = "conversationDays"


def id_batches(ids: Sequence[str], size: int = DEFAULT_FOLLOWUP_BATCH) -> Iterator[list[str]]:
    """``ids`` in order, ``size`` at a time, duplicates dropped (first occurrence kept)."""
    if size < 1:
        raise ValueError(f"genesys_open_followup_batch: must be >= 1, got {size}")
    unique = list(dict.fromkeys(ids))
    for start in range(0, len(unique), size):
        yield unique[start : start + size]


def multiget_params(batch: Sequence[str]) -> dict[str, str]:
    """Query parameters of one multi-get request (ids comma-separated in one ``id``)."""
    if not batch:
        raise ValueError("a multi-get batch needs at least one id")
    return {"id": ",".join(batch)}


def page_conversation_ids(pages: Iterable[bytes]) -> set[str]:
    """The conversation ids in staged result pages, read without building the records (simdjson)."""
    ids: set[str] = set()
    for raw in pages:
        document = simdjson.Parser().parse(raw)  # a fresh parser: no proxy outlives its page
        conversations = document.get("conversations") if isinstance(document, simdjson.Object) else None
        if isinstance(conversations, simdjson.Array):
            records = cast("Iterable[simdjson.Object]", conversations)  # conversation records are objects
            ids.update(str(c.get("conversationId")) for c in records if c.get("conversationId"))
    return ids


def ids_to_follow(open_ids: Sequence[str], fresh_ids: Iterable[str]) -> list[str]:
    """The open ids, oldest first, minus those the run's extraction has just read."""
    fresh = set(fresh_ids)
    return [cid for cid in dict.fromkeys(open_ids) if cid not in fresh]


@dataclass
class FollowUpSummary:
    """What one follow-up asked for and got back; ``requests`` counts multi-get calls only."""

    requested: int = 0
    returned: int = 0
    ended: int = 0  # returned with a conversationEnd: followed up for the last time
    still_open: int = 0  # returned without one: asked for again next run
    not_returned: int = 0  # not in its division's reach, or erased: kept, not deleted
    requests: int = 0

    def add_page(self, batch: Sequence[str], conversations: Sequence[dict[str, Any]]) -> None:
        asked = set(batch)
        got = {c.get("conversationId"): c for c in conversations if c.get("conversationId") in asked}
        self.requests += 1
        self.requested += len(asked)
        self.returned += len(got)
        self.ended += sum(1 for c in got.values() if c.get("conversationEnd"))
        self.still_open = self.returned - self.ended
        self.not_returned = self.requested - self.returned

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


Fetch = Callable[[list[str]], "tuple[bytes, list[dict[str, Any]]]"]  # a batch -> (response bytes, conversations)


def fetch_and_stage(
    ids: Sequence[str],
    batch_size: int,
    fetch: Fetch,
    staging: StagingArea,
    partition: str,
    days: Iterable[date] = (),
    query_key: str = FOLLOWUP_QUERY_KEY,
) -> tuple[Manifest | None, FollowUpSummary]:
    """Multi-get ``ids`` in batches and stage each response byte for byte under ``partition``;
    returns the committed manifest (None when there was nothing to ask: no request is made).
    ``days`` (the ids' stored ``conversation_date``s) go into the staged query, so the load locks
    them up front and merges as it streams instead of holding every row to the end. ``query_key`` names
    the ids in the staged query (the by-id re-sync stages under its own key)."""
    summary = FollowUpSummary()
    batches = list(id_batches(ids, batch_size))
    if not batches:
        return None, summary
    query: dict[str, Any] = {query_key: [cid for batch in batches for cid in batch]}
    if listed := sorted({day.isoformat() for day in days}):
        query[LISTED_DAYS_KEY] = listed
    writer = staging.open_writer(partition, query, participant_attributes=False)  # the multi-get's shape
    for batch in batches:
        raw, conversations = fetch(batch)
        writer.write_page(raw, len(conversations))
        summary.add_page(batch, conversations)
    return writer.commit(datetime.now(UTC)), summary
