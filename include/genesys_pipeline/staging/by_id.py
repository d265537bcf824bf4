"""A by-id re-sync staged like any extraction: the named conversations multi-got in batches.

It reuses the open-conversation follow-up's fetch (:func:`.followup.fetch_and_stage`: the same
batches, ``GET /api/v2/analytics/conversations/details?id=...``, one staged page per response), under
a partition of its own (:data:`BY_ID_PARTITION`, which the sync-health page, reading days, leaves out)
and its own query key, so a by-id extraction never shares a directory with a day's or a follow-up's.
Its manifest says the records carry no participant attributes (the multi-get's shape), so the load
keeps the stored ones (``warehouse.write.merge``).

What comes back is held to the retention rule (``genesys_retention_days``, the oldest start a window
may have): a conversation that started before it is not staged, so not merged, and is reported as
``outside_retention``. Only a page that held one is re-encoded without it; every other page is the
response's bytes as received. An id Genesys does not return (unknown, erased, or in a division the
client cannot read) is reported by name as ``not_found`` and never deleted: erasure stays the business
of a complete re-extraction of its day.

No days are listed in the staged query: the ids' days are unknown before the fetch (an id may not be
stored yet), so the load sets every row aside and merges it at the end under its days' locks, taken
latest first like every load's (deadlock-free against a daily run of the same days, see
``warehouse.write.daylocks``). At most 1,000 conversations a run, that costs little.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

from genesys_pipeline.staging.area import Manifest, StagingArea
from genesys_pipeline.staging.followup import Fetch, fetch_and_stage

BY_ID_PARTITION = "by-id"
BY_ID_QUERY_KEY = "conversationIds"


def _started_before(conversation: dict[str, Any], oldest: datetime) -> bool:
    """True for a record whose ``conversationStart`` is before ``oldest``; one without a readable start is
    left to the load (which quarantines a record missing a required key)."""
    start = conversation.get("conversationStart")
    if not isinstance(start, str):
        return False
    try:
        return datetime.fromisoformat(start.replace("Z", "+00:00")) < oldest
    except ValueError:
        return False


@dataclass
class RetentionFilter:
    """A multi-get (``fetch``) whose returned records that started before ``oldest`` are not staged.
    It notes every id Genesys returned and those it held back, for the summary."""

    fetch: Fetch
    oldest: datetime
    returned: list[str] = field(default_factory=list)
    outside_retention: list[str] = field(default_factory=list)

    def __call__(self, batch: list[str]) -> tuple[bytes, list[dict[str, Any]]]:
        raw, conversations = self.fetch(batch)
        asked = set(batch)
        self.returned += [c["conversationId"] for c in conversations if c.get("conversationId") in asked]
        too_old = [c for c in conversations if c.get("conversationId") in asked and _started_before(c, self.oldest)]
        if not too_old:
            return raw, conversations
        self.outside_retention += [c["conversationId"] for c in too_old]
        kept = [c for c in conversations if not any(c is old for old in too_old)]
        body = orjson.loads(raw)
        body["conversations"] = kept
        return orjson.dumps(body), kept


@dataclass
class ResyncSummary:
    """What a by-id run asked for and what came back; ``requests`` counts multi-get calls only."""

    requested: int
    returned: int  # by Genesys, retention aside
    staged: int  # returned and within retention: what the load merges
    outside_retention: int
    not_found: int
    requests: int
    not_found_ids: list[str]
    outside_retention_ids: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {
            "requested": self.requested,
            "returned": self.returned,
            "staged": self.staged,
            "outside_retention": self.outside_retention,
            "not_found": self.not_found,
            "requests": self.requests,
            "not_found_ids": list(self.not_found_ids),
            "outside_retention_ids": list(self.outside_retention_ids),
        }


def fetch_and_stage_by_id(
    ids: Sequence[str], batch_size: int, fetch: Fetch, staging: StagingArea, oldest: datetime
) -> tuple[Manifest, ResyncSummary]:
    """Multi-get ``ids`` (already checked: UUIDs, no duplicates, within the cap) ``batch_size`` at a time,
    stage what is within retention under :data:`BY_ID_PARTITION`; returns the committed manifest and the
    summary (ids not returned, in the order asked)."""
    if not ids:
        raise ValueError("a by-id re-sync needs at least one conversation id")
    kept = RetentionFilter(fetch, oldest)
    manifest, pages = fetch_and_stage(ids, batch_size, kept, staging, BY_ID_PARTITION, query_key=BY_ID_QUERY_KEY)
    if manifest is None:  # cannot happen: ids is not empty, so one batch at least was fetched and committed
        raise RuntimeError("the by-id fetch staged nothing")
    returned = set(kept.returned)
    not_found = [cid for cid in ids if cid not in returned]
    summary = ResyncSummary(
        requested=len(ids),
        returned=len(returned),
        staged=pages.returned,
        outside_retention=len(kept.outside_retention),
        not_found=len(not_found),
        requests=pages.requests,
        not_found_ids=not_found,
        outside_retention_ids=list(kept.outside_retention),
    )
    return manifest, summary
