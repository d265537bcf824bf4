"""POST /api/v2/analytics/conversations/aggregates/query."""

from __future__ import annotations

import pytest

from tests.support.emulator_api import ApiClient

AGGREGATES = "/api/v2/analytics/conversations/aggregates/query"
INTERVAL = "2024-05-01T00:00:00.000Z/2024-05-02T00:00:00.000Z"


def test_grouped_and_bucketed_metrics(api: ApiClient):
    response = api.post(
        AGGREGATES,
        json={
            "interval": INTERVAL,
            "granularity": "PT6H",
            "groupBy": ["queueId", "mediaType"],
            "metrics": ["nOffered", "tHandle", "tTalk"],
        },
    )
    assert response.status_code == 200
    results = response.json()["results"]
    assert results and all(set(r) == {"group", "data"} for r in results)
    grouped = [r for r in results if "queueId" in r["group"]]
    assert grouped
    for result in grouped:
        for bucket in result["data"]:
            start, end = bucket["interval"].split("/")
            assert start >= INTERVAL.split("/")[0] and end <= INTERVAL.split("/")[1]
            for metric in bucket["metrics"]:
                stats = metric["stats"]
                if metric["metric"].startswith("t"):
                    assert stats["min"] <= stats["max"] and stats["count"] >= 1 and stats["sum"] >= stats["max"]
                else:
                    assert set(stats) == {"count"}
    buckets = {b["interval"] for r in results for b in r["data"]}
    assert len(buckets) <= 4


def test_filter_object_narrows(api: ApiClient):
    def offered(filter_body=None) -> int:
        body = {"interval": INTERVAL, "metrics": ["nOffered"], **({"filter": filter_body} if filter_body else {})}
        results = api.post(AGGREGATES, json=body).json().get("results", [])
        return sum(m["stats"]["count"] for r in results for b in r["data"] for m in b["metrics"])

    voice = offered({"type": "and", "predicates": [{"dimension": "mediaType", "value": "voice"}]})
    assert 0 < voice < offered()


@pytest.mark.parametrize(
    "body, code",
    [
        ({"interval": INTERVAL}, "bad.request"),
        ({"interval": INTERVAL, "metrics": ["nBogus"]}, "invalid.value"),
        ({"interval": INTERVAL, "metrics": ["nOffered"], "groupBy": ["color"]}, "invalid.value"),
        ({"interval": INTERVAL, "metrics": ["nOffered"], "granularity": "PT1M"}, "bad.request"),
        ({"interval": INTERVAL, "metrics": ["nOffered"], "granularity": "often"}, "bad.request"),
        ({"interval": INTERVAL, "metrics": ["nOffered"], "timeZone": "Mars/Olympus"}, "bad.request"),
        ({"interval": INTERVAL, "metrics": ["nOffered"], "filter": [{"type": "and"}]}, "bad.request"),
        ({"interval": "2024-01-01T00:00:00Z/2024-03-01T00:00:00Z", "metrics": ["nOffered"]}, "bad.request"),
    ],
)
def test_invalid_aggregate_queries(api: ApiClient, body, code):
    response = api.post(AGGREGATES, json=body)
    assert response.status_code == 400 and response.json()["code"] == code


def test_filter_on_a_conversation_level_dimension(api: ApiClient):
    inbound = {"type": "and", "predicates": [{"dimension": "originatingDirection", "value": "inbound"}]}
    response = api.post(AGGREGATES, json={"interval": INTERVAL, "metrics": ["nOffered"], "filter": inbound})
    assert response.status_code == 200 and response.json()["results"]
