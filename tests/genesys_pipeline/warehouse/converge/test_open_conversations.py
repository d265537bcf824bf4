"""Open conversations (loaded without conversation_end) on real SQLite and PostgreSQL, oldest first:
what every run re-fetches by id until they end."""

from __future__ import annotations

import copy
from datetime import date, datetime, timedelta

from genesys_pipeline.warehouse.converge.open_conversations import open_conversations
from tests.genesys_pipeline.pipeline_records import EXTRACTED_D

DAY = date(2024, 5, 1)


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_open_conversations_of_every_day_oldest_first(warehouse, stage_days, generated_day):
    records = generated_day(DAY) + generated_day(DAY + timedelta(days=1))
    staging, manifest = stage_days(records, DAY, days=2)
    warehouse.load_extraction(staging, manifest, "run-1")
    expected = sorted((r["conversationStart"], r["conversationId"]) for r in records if not r.get("conversationEnd"))
    assert expected, "the generator leaves some conversations ongoing"
    found = open_conversations(warehouse.engine)
    assert found.ids == [cid for _, cid in expected] and found.count == len(expected)
    start_day = {r["conversationId"]: date.fromisoformat(r["conversationStart"][:10]) for r in records}
    assert found.day_of == {cid: start_day[cid] for cid in found.ids}
    assert instant(found.oldest_start) == instant(expected[0][0])

    ended = [copy.deepcopy(r) for r in records if r["conversationId"] == expected[0][1]]
    ended[0]["conversationEnd"] = "2024-05-03T00:00:00.000Z"
    _, followup = stage_days(ended, DAY, extracted_at=EXTRACTED_D + timedelta(days=2))
    warehouse.load_extraction(staging, followup, "followup")
    assert open_conversations(warehouse.engine).ids == [cid for _, cid in expected[1:]]


def test_an_empty_warehouse_has_no_open_conversations(warehouse):
    found = open_conversations(warehouse.engine)
    assert (found.ids, found.count, found.oldest_start) == ([], 0, None)
