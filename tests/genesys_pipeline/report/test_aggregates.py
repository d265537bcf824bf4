"""The aggregates query bodies (facets, census, hourly census) and their flattening into rows."""

from __future__ import annotations

from datetime import UTC, datetime

from genesys_pipeline.report import aggregates

INTERVAL = "2024-05-01T00:00:00.000Z/2024-05-02T00:00:00.000Z"
FACETS = {
    "results": [
        {
            "group": {"mediaType": "voice", "queueId": "q-1", "direction": "inbound", "wrapUpCode": "w-1"},
            "data": [
                {
                    "interval": INTERVAL,
                    "metrics": [
                        {"metric": "nOffered", "stats": {"count": 12}},
                        {"metric": "tHandle", "stats": {"max": 910000, "min": 41000, "count": 10, "sum": 3012000}},
                    ],
                }
            ],
        },
        {
            "group": {"mediaType": "chat"},
            "data": [{"interval": INTERVAL, "metrics": [{"metric": "nConnected", "stats": {"count": 4}}]}],
        },
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
    assert (handle["media_type"], handle["queue_id"], handle["direction"], handle["wrap_up_code"]) == (
        "voice",
        "q-1",
        "inbound",
        "w-1",
    )
    assert (handle["count"], handle["sum"], handle["min"], handle["max"]) == (10, 3012000, 41000, 910000)
    assert handle["partition"] == "2024-05-01" and handle["bucket"] == INTERVAL and handle["_run_id"] == "run-1"
    connected = next(row for row in rows if row["metric"] == "nConnected")
    assert connected["queue_id"] is None and connected["sum"] is None and connected["count"] == 4


def test_empty_aggregates_response_flattens_to_nothing():
    assert aggregates.flatten({}, "2024-05-01", "run-1") == []
    assert aggregates.census_counts({}) == {}


def test_census_counts_distinct_conversations_per_media_type():
    def group(conversation: str, media: str, *metrics: str) -> dict:
        return {
            "group": {"conversationId": conversation, "mediaType": media},
            "data": [{"interval": INTERVAL, "metrics": [{"metric": m, "stats": {"count": 1}} for m in metrics]}],
        }

    census = {
        "results": [
            group("c1", "voice", "nOffered", "tTalk"),
            group("c2", "voice", "tAcw"),
            group("c1", "callback", "nOffered"),
            group("c3", "chat", "tTalk"),
        ]
    }
    assert aggregates.census_counts(census) == {"callback": 1, "chat": 1, "voice": 2}


def test_hourly_census_counts_each_conversation_once_per_hour_it_emitted_in():
    h0, h1 = "2024-05-01T00:00:00.000Z/2024-05-01T01:00:00.000Z", "2024-05-01T01:00:00.000Z/2024-05-01T02:00:00.000Z"

    def group(conversation: str, media: str, *buckets: str) -> dict:
        return {
            "group": {"conversationId": conversation, "mediaType": media},
            "data": [
                {
                    "interval": b,
                    "metrics": [
                        {"metric": "tTalk", "stats": {"count": 1}},
                        {"metric": "nOffered", "stats": {"count": 1}},
                    ],
                }
                for b in buckets
            ],
        }

    # c1 has two sessions (voice, callback) in hour 0 and runs on into hour 1; c2 only in hour 1.
    census = {"results": [group("c1", "voice", h0, h1), group("c1", "callback", h0), group("c2", "chat", h1)]}
    assert aggregates.hourly_census_query(INTERVAL)["granularity"] == "PT1H"
    assert aggregates.conversations_per_bucket(census) == {
        datetime(2024, 5, 1, 0, tzinfo=UTC): 1,
        datetime(2024, 5, 1, 1, tzinfo=UTC): 2,
    }
    assert aggregates.conversations_per_bucket({}) == {}
