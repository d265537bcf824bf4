"""Re-fetching open conversations by id: ``GET /api/v2/analytics/conversations/details?id=a,b,c``.

The endpoint's maximum number of ids is UNCONFIRMED (fact sheet §3.5, §11 item 17), so the
batch size is the setting ``genesys_open_followup_batch``; its default, 100, is the emulator's
``multiget_max_ids`` and the usual cap of Genesys multi-get endpoints.
"""
from __future__ import annotations

from typing import Iterator, Sequence

MULTIGET_PATH = "/api/v2/analytics/conversations/details"
DEFAULT_FOLLOWUP_BATCH = 100


def id_batches(ids: Sequence[str], size: int = DEFAULT_FOLLOWUP_BATCH) -> Iterator[list[str]]:
    """``ids`` in order, ``size`` at a time, duplicates dropped (first occurrence kept)."""
    if size < 1:
        raise ValueError(f"genesys_open_followup_batch: must be >= 1, got {size}")
    unique = list(dict.fromkeys(ids))
    for start in range(0, len(unique), size):
        yield unique[start:start + size]


def multiget_params(batch: Sequence[str]) -> dict[str, str]:
    """Query parameters of one multi-get request (ids comma-separated in one ``id``)."""
    if not batch:
        raise ValueError("a multi-get batch needs at least one id")
    return {"id": ",".join(batch)}
