"""Users aggregates over HTTP: per user and bucket, time in each routing status and presence,
equal to the sums recomputed here from the records the users details jobs serve."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

import pytest

from tests.support.emulator_api import ApiClient

AGGREGATES = "/api/v2/analytics/users/aggregates/query"
JOBS = "/api/v2/analytics/users/details/jobs"
CLOCK = "2024-05-04T12:00:00.000Z"


def ms(text: str) -> int:
    return int(datetime.fromisoformat(text).timestamp() * 1000)


@pytest.fixture()
def users_api(emulator) -> ApiClient:
    emulator.control.reset(clock=CLOCK, conversations_per_day=150)
    return ApiClient(emulator.base_url)


def served_sums(api: ApiClient, start: str, end: str) -> dict[tuple[str, str, str], int]:
    """(userId, metric, qualifier) -> ms inside [start, end), from the job's records."""
    job_id = api.post(JOBS, json={"interval": f"{start}/{end}"}).json()["jobId"]
    details = api.get(f"{JOBS}/{job_id}/results", params={"pageSize": 100}).json()["userDetails"]
    low, high, now = ms(start), ms(end), ms(CLOCK)
    sums: dict[tuple[str, str, str], int] = defaultdict(int)
    for detail in details:
        for record in detail["routingStatus"]:
            overlap = min(ms(record.get("endTime", CLOCK)), high, now) - max(ms(record["startTime"]), low)
            sums[(detail["userId"], "tAgentRoutingStatus", record["routingStatus"])] += max(overlap, 0)
        for record in detail["primaryPresence"]:
            overlap = min(ms(record.get("endTime", CLOCK)), high, now) - max(ms(record["startTime"]), low)
            sums[(detail["userId"], "tSystemPresence", record["systemPresence"])] += max(overlap, 0)
            sums[(detail["userId"], "tOrganizationPresence", record["organizationPresenceId"])] += max(overlap, 0)
    return {k: v for k, v in sums.items() if v}


def aggregate_sums(api: ApiClient, start: str, end: str, granularity: str | None = None) -> dict:
    body = {
        "interval": f"{start}/{end}",
        "groupBy": ["userId"],
        "metrics": ["tAgentRoutingStatus", "tSystemPresence", "tOrganizationPresence"],
    }
    if granularity:
        body["granularity"] = granularity
    response = api.post(AGGREGATES, json=body)
    assert response.status_code == 200, response.text
    sums: dict[tuple[str, str, str], int] = defaultdict(int)
    for result in response.json()["results"]:
        for cell in result["data"]:
            for metric in cell["metrics"]:
                sums[(result["group"]["userId"], metric["metric"], metric["qualifier"])] += metric["stats"]["sum"]
    return dict(sums)


def test_a_complete_day_equals_the_served_records(users_api):
    start, end = "2024-05-02T00:00:00.000Z", "2024-05-03T00:00:00.000Z"
    expected = served_sums(users_api, start, end)
    assert aggregate_sums(users_api, start, end) == expected
    per_user = defaultdict(int)
    for (user, metric, _), total in expected.items():
        if metric == "tAgentRoutingStatus":
            per_user[user] += total
    assert set(per_user.values()) == {86_400_000}


def test_half_hour_buckets_add_up_and_the_running_day_stops_at_the_clock(users_api):
    start, end = "2024-05-04T00:00:00.000Z", "2024-05-05T00:00:00.000Z"
    assert aggregate_sums(users_api, start, end, "PT30M") == served_sums(users_api, start, end)
    body = {
        "interval": f"{start}/{end}",
        "granularity": "PT30M",
        "groupBy": ["userId"],
        "metrics": ["tAgentRoutingStatus"],
    }
    result = users_api.post(AGGREGATES, json=body).json()["results"][0]
    assert len(result["data"]) == 24  # 12 hours of the day had happened at the clock
    assert all(sum(m["stats"]["sum"] for m in cell["metrics"]) == 1_800_000 for cell in result["data"])


def test_mappings_and_validation(users_api):
    body = {"interval": "2024-05-02T00:00:00Z/2024-05-03T00:00:00Z", "metrics": ["tSystemPresence"]}
    mappings = users_api.post(AGGREGATES, json=body).json()["systemToOrganizationMappings"]
    assert len(mappings["MEAL"]) == 2 and len(mappings["ON_QUEUE"]) == 1
    assert users_api.post(AGGREGATES, json={**body, "metrics": ["tTalk"]}).status_code == 400
    assert users_api.post(AGGREGATES, json={**body, "groupBy": ["queueId"]}).status_code == 400
