"""Open conversations (loaded without conversation_end) on real SQLite and PostgreSQL, and the
id batches that re-fetch them."""
from __future__ import annotations

import copy
from datetime import date, datetime, timedelta

import pytest

from genesys_pipeline.followup import DEFAULT_FOLLOWUP_BATCH, id_batches, multiget_params
from genesys_pipeline.warehouse.open_conversations import open_conversations

from pipeline_records import EXTRACTED_D

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
    assert instant(found.oldest_start) == instant(expected[0][0])

    ended = [copy.deepcopy(r) for r in records if r["conversationId"] == expected[0][1]]
    ended[0]["conversationEnd"] = "2024-05-03T00:00:00.000Z"
    _, followup = stage_days(ended, DAY, extracted_at=EXTRACTED_D + timedelta(days=2))
    warehouse.load_extraction(staging, followup, "followup")
    assert open_conversations(warehouse.engine).ids == [cid for _, cid in expected[1:]]


def test_an_empty_warehouse_has_no_open_conversations(warehouse):
    found = open_conversations(warehouse.engine)
    assert (found.ids, found.count, found.oldest_start) == ([], 0, None)


def test_id_batches_keep_order_drop_duplicates_and_respect_the_size():
    ids = [f"c{n}" for n in range(250)] + ["c3"]
    batches = list(id_batches(ids, 100))
    assert [len(b) for b in batches] == [100, 100, 50]
    assert [cid for b in batches for cid in b] == ids[:250]
    assert list(id_batches([], 100)) == [] and DEFAULT_FOLLOWUP_BATCH == 100
    assert multiget_params(["a", "b"]) == {"id": "a,b"}


@pytest.mark.parametrize("size", [0, -1])
def test_a_batch_size_below_one_is_refused_naming_the_setting(size):
    with pytest.raises(ValueError, match="genesys_open_followup_batch"):
        list(id_batches(["a"], size))


def test_an_empty_multiget_batch_is_refused():
    with pytest.raises(ValueError):
        multiget_params([])
