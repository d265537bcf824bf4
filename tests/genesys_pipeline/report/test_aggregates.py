"""Unit tests of the aggregates query bodies, their flattening, the comparison and the snapshot rows."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from genesys_pipeline.report import aggregates
from genesys_pipeline.report.reconcile import Difference, aggregate_counts, compare, parse_tolerance
from genesys_pipeline.warehouse.reference_tables import entity_rows

INTERVAL = "2024-05-01T00:00:00.000Z/2024-05-02T00:00:00.000Z"
FACETS = {
    "results": [
        {"group": {"mediaType": "voice", "queueId": "q-1", "direction": "inbound", "wrapUpCode": "w-1"},
         "data": [{"interval": INTERVAL, "metrics": [
             {"metric": "nOffered", "stats": {"count": 12}},
             {"metric": "tHandle", "stats": {"max": 910000, "min": 41000, "count": 10, "sum": 3012000}},
         ]}]},
        {"group": {"mediaType": "chat"},
         "data": [{"interval": INTERVAL, "metrics": [{"metric": "nConnected", "stats": {"count": 4}}]}]},
    ]
}


def test_facet_query_is_one_bucket_grouped_by_the_four_dimensions():
    body = aggregates.facet_query(INTERVAL)
    assert body["interval"] == INTERVAL and "granularity" not in body
    assert body["groupBy"] == ["mediaType", "queueId", "direction", "wrapUpCode"]
    assert {"nOffered", "nConnected", "tHandle", "tTalk", "tAcw", "tAnswered", "tAbandon"} <= set(body["metrics"])
    assert aggregates.census_query(INTERVAL)["groupBy"] == ["conversationId", "mediaType"]


def test_flatten_gives_one_row_per_group_and_metric_with_missing_keys_and_stats_null():
    rows = aggregates.flatten(FACETS, "2024-05-01", "run-1")
    assert len(rows) == 3
    handle = next(row for row in rows if row["metric"] == "tHandle")
    assert (handle["media_type"], handle["queue_id"], handle["direction"], handle["wrap_up_code"]) == ("voice", "q-1", "inbound", "w-1")
    assert (handle["count"], handle["sum"], handle["min"], handle["max"]) == (10, 3012000, 41000, 910000)
    assert handle["partition"] == "2024-05-01" and handle["bucket"] == INTERVAL and handle["_run_id"] == "run-1"
    connected = next(row for row in rows if row["metric"] == "nConnected")
    assert connected["queue_id"] is None and connected["sum"] is None and connected["count"] == 4


def test_empty_aggregates_response_flattens_to_nothing():
    assert aggregates.flatten({}, "2024-05-01", "run-1") == []
    assert aggregates.census_counts({}) == {}


def test_census_counts_distinct_conversations_per_media_type():
    def group(conversation: str, media: str, *metrics: str) -> dict:
        return {"group": {"conversationId": conversation, "mediaType": media},
                "data": [{"interval": INTERVAL, "metrics": [{"metric": m, "stats": {"count": 1}} for m in metrics]}]}

    census = {"results": [group("c1", "voice", "nOffered", "tTalk"), group("c2", "voice", "tAcw"),
                          group("c1", "callback", "nOffered"), group("c3", "chat", "tTalk")]}
    assert aggregates.census_counts(census) == {"callback": 1, "chat": 1, "voice": 2}


def test_hourly_census_counts_each_conversation_once_per_hour_it_emitted_in():
    h0, h1 = "2024-05-01T00:00:00.000Z/2024-05-01T01:00:00.000Z", "2024-05-01T01:00:00.000Z/2024-05-01T02:00:00.000Z"

    def group(conversation: str, media: str, *buckets: str) -> dict:
        return {"group": {"conversationId": conversation, "mediaType": media},
                "data": [{"interval": b, "metrics": [{"metric": "tTalk", "stats": {"count": 1}},
                                                     {"metric": "nOffered", "stats": {"count": 1}}]} for b in buckets]}

    # c1 has two sessions (voice, callback) in hour 0 and runs on into hour 1; c2 only in hour 1.
    census = {"results": [group("c1", "voice", h0, h1), group("c1", "callback", h0), group("c2", "chat", h1)]}
    assert aggregates.hourly_census_query(INTERVAL)["granularity"] == "PT1H"
    assert aggregates.conversations_per_bucket(census) == {
        datetime(2024, 5, 1, 0, tzinfo=timezone.utc): 1, datetime(2024, 5, 1, 1, tzinfo=timezone.utc): 2,
    }
    assert aggregates.conversations_per_bucket({}) == {}


def test_aggregate_side_sums_offered_and_connected_per_queue():
    rows = aggregates.flatten(FACETS, "2024-05-01", "run-1")
    counts = aggregate_counts(rows, {"voice": 12})
    assert counts == {"conversations": {"voice": 12}, "offered": {"q-1": 12}, "connected": {"": 4}}


def test_compare_reports_each_difference_with_its_delta_and_a_missing_key_as_zero():
    details = {"conversations": {"voice": 97, "chat": 5}, "offered": {"q-1": 10}}
    aggs = {"conversations": {"voice": 100, "chat": 5}, "offered": {"q-1": 10, "q-2": 1}}
    result = compare(details, aggs)
    assert result.status == "incomplete" and result.incomplete
    assert result.differences == (Difference("conversations", "voice", 97, 100), Difference("offered", "q-2", 0, 1))
    report = result.as_dict()
    assert report["conversations_delta"] == 3 and report["compared"] == {"conversations": 2, "offered": 2}
    assert report["mismatches"][0] == {"check": "conversations", "key": "voice", "details": 97, "aggregates": 100, "delta": 3}


def test_identical_counts_match():
    counts = {"conversations": {"voice": 100}, "offered": {"q-1": 3}}
    assert compare(counts, counts).as_dict() == {
        "status": "match", "tolerance": 0.0, "compared": {"conversations": 1, "offered": 1},
        "mismatches": [], "conversations_delta": 0,
    }


@pytest.mark.parametrize(("tolerance", "status"), [(0.0, "incomplete"), (0.02, "incomplete"), (0.03, "within_tolerance")])
def test_tolerance_is_relative_to_the_larger_side(tolerance, status):
    result = compare({"conversations": {"voice": 97}}, {"conversations": {"voice": 100}}, tolerance)
    assert result.status == status


@pytest.mark.parametrize(("raw", "expected"), [(None, 0.0), ("", 0.0), ("0.001", 0.001), (0.5, 0.5)])
def test_parse_tolerance(raw, expected):
    assert parse_tolerance(raw) == expected


@pytest.mark.parametrize("raw", ["abc", "-0.1", "1", "2.5"])
def test_parse_tolerance_rejects_nonsense_naming_the_setting(raw):
    with pytest.raises(ValueError, match="genesys_reconcile_tolerance"):
        parse_tolerance(raw)


def test_entity_rows_keep_one_row_per_id_and_tolerate_entities_without_state():
    rows = entity_rows(
        [{"id": "u1", "name": "Ann", "state": "deleted"}, {"id": "q1", "name": "Sales"}, {"id": "u1", "name": "Ann B"}, {"name": "no id"}],
        "2024-05-01T00:00:00.000000Z",
    )
    assert rows == [
        {"id": "u1", "name": "Ann B", "state": None, "_synced_at": "2024-05-01T00:00:00.000000Z"},
        {"id": "q1", "name": "Sales", "state": None, "_synced_at": "2024-05-01T00:00:00.000000Z"},
    ]


def test_lookback_widens_only_the_start_and_refuses_what_one_job_cannot_hold():
    from datetime import datetime, timezone

    from genesys_pipeline.plan.lookback import lookback_window
    from genesys_pipeline.plan.window import Window, WindowError, WindowLimits

    day = Window(datetime(2024, 5, 3, tzinfo=timezone.utc), datetime(2024, 5, 4, tzinfo=timezone.utc))
    limits = WindowLimits(max_interval_days=3)
    assert lookback_window(day, 0, limits) == day
    assert lookback_window(day, 2, limits).interval == "2024-05-01T00:00:00.000Z/2024-05-04T00:00:00.000Z"
    with pytest.raises(WindowError, match="lookback_days.*over genesys_max_job_interval_days"):
        lookback_window(day, 3, limits)
    with pytest.raises(WindowError, match="lookback_days: must be >= 0"):
        lookback_window(day, -1, limits)
