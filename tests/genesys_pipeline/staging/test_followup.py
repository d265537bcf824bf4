"""Re-fetching open conversations by id: the id batches, the multi-get parameters, the per-page summary,
and each batch staged as received."""

from __future__ import annotations

from datetime import date

import orjson
import pytest

from genesys_pipeline.staging.area import StagingArea
from genesys_pipeline.staging.followup import (
    DEFAULT_FOLLOWUP_BATCH,
    FollowUpSummary,
    fetch_and_stage,
    id_batches,
    ids_to_follow,
    multiget_params,
    page_conversation_ids,
)


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


def test_ids_to_follow_keep_the_oldest_first_order_without_the_fresh_ones():
    assert ids_to_follow(["c1", "c2", "c3", "c2"], {"c2", "x"}) == ["c1", "c3"]
    assert ids_to_follow([], {"c1"}) == []


def test_page_conversation_ids_read_every_page_and_skip_records_without_an_id():
    pages = [
        orjson.dumps({"conversations": [{"conversationId": "a"}, {"x": 1}]}),
        orjson.dumps({"conversations": []}),
        orjson.dumps({"totalHits": 0}),
        orjson.dumps({"conversations": [{"conversationId": "b"}]}),
    ]
    assert page_conversation_ids(pages) == {"a", "b"}


def test_a_summary_counts_asked_returned_ended_and_missing_per_page():
    summary = FollowUpSummary()
    summary.add_page(
        ["a", "b", "c"],
        [
            {"conversationId": "a", "conversationEnd": "2024-05-02T00:00:00Z"},
            {"conversationId": "b"},
            {"conversationId": "stranger"},
        ],
    )
    summary.add_page(["d"], [{"conversationId": "d", "conversationEnd": "2024-05-02T00:00:00Z"}])
    assert summary.as_dict() == {
        "requested": 4,
        "returned": 3,
        "ended": 2,
        "still_open": 1,
        "not_returned": 1,
        "requests": 2,
    }


def test_nothing_open_stages_nothing_and_asks_nothing(tmp_path):
    def fetch(batch):
        raise AssertionError(f"no request may be made, asked for {batch}")

    manifest, summary = fetch_and_stage([], 100, fetch, StagingArea(tmp_path), "2024-05-01")
    assert manifest is None and summary.as_dict() == FollowUpSummary().as_dict()
    assert not any(tmp_path.iterdir())


def test_each_batch_is_staged_as_received_under_a_query_without_an_interval(tmp_path):
    asked = []

    def fetch(batch):
        asked.append(batch)
        body = {"conversations": [{"conversationId": cid} for cid in batch]}
        return orjson.dumps(body), body["conversations"]

    staging = StagingArea(tmp_path)
    manifest, summary = fetch_and_stage(
        ["a", "b", "c"], 2, fetch, staging, "2024-05-01", days=[date(2024, 5, 1), date(2024, 4, 2), date(2024, 5, 1)]
    )
    assert asked == [["a", "b"], ["c"]] and summary.requests == 2
    assert "interval" not in manifest.query and manifest.complete and manifest.record_count == 3
    assert manifest.query["conversationDays"] == ["2024-04-02", "2024-05-01"]  # the load's own days
    assert [orjson.loads(page)["conversations"] for page in staging.iter_pages(manifest)] == [
        [{"conversationId": "a"}, {"conversationId": "b"}],
        [{"conversationId": "c"}],
    ]
