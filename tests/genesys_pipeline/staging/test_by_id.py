"""A by-id re-sync staged: batches through the follow-up's fetch, ids not returned named in order,
the retention rule applied to what comes back (only that page re-encoded), its own partition and query key."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import orjson
import pytest

from genesys_pipeline.staging.area import StagingArea
from genesys_pipeline.staging.by_id import BY_ID_PARTITION, BY_ID_QUERY_KEY, fetch_and_stage_by_id

IDS = [str(uuid.UUID(int=n)) for n in range(1, 6)]
OLDEST = datetime(2024, 1, 1, tzinfo=UTC)


def served(cid: str, start: str = "2024-05-01T10:00:00.000Z") -> dict:
    return {"conversationId": cid, "conversationStart": start}


class FakeGenesys:
    """Serves ``records`` by id (what a multi-get returns: those it has, in its own order)."""

    def __init__(self, records: list[dict]) -> None:
        self.records = {r["conversationId"]: r for r in records}
        self.batches: list[list[str]] = []
        self.bodies: list[bytes] = []

    def __call__(self, batch: list[str]) -> tuple[bytes, list[dict]]:
        self.batches.append(list(batch))
        found = [self.records[cid] for cid in reversed(batch) if cid in self.records]
        raw = orjson.dumps({"conversations": found})
        self.bodies.append(raw)
        return raw, found


def test_ids_are_fetched_in_batches_and_those_not_returned_are_named_in_order(tmp_path):
    genesys = FakeGenesys([served(IDS[0]), served(IDS[2]), served(IDS[4]), served("stranger")])
    staging = StagingArea(tmp_path)
    manifest, summary = fetch_and_stage_by_id(IDS, 2, genesys, staging, OLDEST)
    assert genesys.batches == [IDS[0:2], IDS[2:4], IDS[4:5]]
    assert (manifest.partition, manifest.query[BY_ID_QUERY_KEY], manifest.page_count) == (BY_ID_PARTITION, IDS, 3)
    assert "interval" not in manifest.query and manifest.complete
    assert list(staging.iter_pages(manifest)) == genesys.bodies  # as received, byte for byte
    assert summary.as_dict() == {
        "requested": 5,
        "returned": 3,
        "staged": 3,
        "outside_retention": 0,
        "not_found": 2,
        "requests": 3,
        "not_found_ids": [IDS[1], IDS[3]],
        "outside_retention_ids": [],
    }


def test_records_that_started_before_retention_are_not_staged_and_are_reported(tmp_path):
    old = served(IDS[1], "2023-12-31T23:59:59.000Z")
    genesys = FakeGenesys([served(IDS[0]), old, served(IDS[2]), {"conversationId": IDS[3]}])
    staging = StagingArea(tmp_path)
    manifest, summary = fetch_and_stage_by_id(IDS[:4], 2, genesys, staging, OLDEST)
    first, second = staging.iter_pages(manifest)
    assert orjson.loads(first) == {"conversations": [served(IDS[0])]}  # re-encoded without the old one
    assert second == genesys.bodies[1]  # untouched: the start-less record is left for the load to reject
    assert manifest.record_count == 3
    assert (summary.returned, summary.staged, summary.outside_retention, summary.not_found) == (4, 3, 1, 0)
    assert summary.outside_retention_ids == [IDS[1]]


def test_no_ids_is_refused_before_any_request(tmp_path):
    genesys = FakeGenesys([])
    with pytest.raises(ValueError, match="at least one"):
        fetch_and_stage_by_id([], 100, genesys, StagingArea(tmp_path), OLDEST)
    assert genesys.batches == []
