"""Users details jobs and presence definitions over HTTP: submit, poll, cursor pages, the
result cap, delete, availability, divisions, filters and the body validation."""

from __future__ import annotations

import pytest

from tests.support.emulator_api import ApiClient, day_interval

JOBS = "/api/v2/analytics/users/details/jobs"


@pytest.fixture()
def users_api(emulator) -> ApiClient:
    emulator.control.reset(clock="2024-05-04T12:00:00.000Z", conversations_per_day=150)
    return ApiClient(emulator.base_url)


def submit(api: ApiClient, **body) -> str:
    response = api.post(JOBS, json={"interval": "2024-05-02T00:00:00Z/2024-05-03T00:00:00Z", **body})
    assert response.status_code == 202, response.text
    return response.json()["jobId"]


def pages(api: ApiClient, job_id: str, page_size: int) -> list[dict]:
    bodies, params = [], {"pageSize": page_size}
    for _ in range(100):
        response = api.get(f"{JOBS}/{job_id}/results", params=params)
        assert response.status_code == 200, response.text
        bodies.append(response.json())
        if "cursor" not in bodies[-1]:
            return bodies
        params = {"pageSize": page_size, "cursor": bodies[-1]["cursor"]}
    raise AssertionError("cursor loop")


def test_job_pages_every_user_once_in_user_id_order(users_api):
    job_id = submit(users_api)
    assert users_api.get(f"{JOBS}/{job_id}").json()["state"] == "FULFILLED"
    bodies = pages(users_api, job_id, 20)
    assert [len(b["userDetails"]) for b in bodies] == [20, 20, 10]
    ids = [d["userId"] for b in bodies for d in b["userDetails"]]
    assert ids == sorted(ids) and len(set(ids)) == 50
    assert all("dataAvailabilityDate" in b for b in bodies)
    detail = bodies[0]["userDetails"][0]
    assert detail["primaryPresence"][0]["startTime"] < "2024-05-02T00:00:00.001Z"
    assert detail["routingStatus"][-1]["endTime"] > "2024-05-03T00:00:00Z"


def test_result_cap_and_foreign_cursor(emulator, users_api):
    emulator.control.configure(max_job_results=30)
    first, other = submit(users_api), submit(users_api)
    page = users_api.get(f"{JOBS}/{first}/results", params={"pageSize": 30}).json()
    assert len(page["userDetails"]) == 30 and page["cursor"]
    capped = users_api.get(f"{JOBS}/{first}/results", params={"cursor": page["cursor"]})
    assert capped.status_code == 400 and "may not exceed 30" in capped.text
    foreign = users_api.get(f"{JOBS}/{other}/results", params={"cursor": page["cursor"]})
    assert foreign.status_code == 400


def test_delete_availability_and_unknown_job(emulator, users_api):
    job_id = submit(users_api)
    assert users_api.delete(f"{JOBS}/{job_id}").status_code == 204
    assert users_api.get(f"{JOBS}/{job_id}/results").status_code == 404
    assert users_api.get(f"{JOBS}/00000000-0000-4000-8000-000000000000").status_code == 404
    emulator.control.configure(watermark="2024-05-04T06:00:00.000Z")
    assert users_api.get(f"{JOBS}/availability").json() == {"dataAvailabilityDate": "2024-05-04T06:00:00.000Z"}


def test_open_intervals_at_the_clock(users_api):
    response = users_api.post(JOBS, json={"interval": "2024-05-04T00:00:00Z/2024-05-05T00:00:00Z"})
    body = pages(users_api, response.json()["jobId"], 100)[0]
    for detail in body["userDetails"]:
        assert "endTime" not in detail["routingStatus"][-1] and "endTime" not in detail["primaryPresence"][-1]
        assert all(r["startTime"] <= "2024-05-04T12:00:00.000Z" for r in detail["routingStatus"])


def test_filters_narrow_users_and_records(users_api):
    everyone = pages(users_api, submit(users_api), 100)[0]["userDetails"]
    chosen = everyone[3]["userId"]
    only = {"type": "or", "predicates": [{"dimension": "userId", "value": chosen}]}
    interacting = {"type": "or", "predicates": [{"dimension": "routingStatus", "value": "INTERACTING"}]}
    body = pages(users_api, submit(users_api, userFilters=[only], routingStatusFilters=[interacting]), 100)[0]
    (detail,) = body["userDetails"]
    assert detail["userId"] == chosen and detail["primaryPresence"] == everyone[3]["primaryPresence"]
    assert detail["routingStatus"] == [r for r in everyone[3]["routingStatus"] if r["routingStatus"] == "INTERACTING"]


def test_a_client_sees_only_users_of_its_divisions(emulator, users_api):
    divisions = users_api.get("/api/v2/authorization/divisions").json()["entities"]
    home = divisions[0]["id"]
    emulator.control.reset(
        clock="2024-05-04T12:00:00.000Z",
        conversations_per_day=150,
        clients=[{"client_id": "emulator-client", "client_secret": "emulator-secret", "divisions": [home]}],
    )
    api = ApiClient(emulator.base_url)
    seen = pages(api, submit(api), 100)[0]["userDetails"]
    users = {u["id"]: u for u in api.get("/api/v2/users", params={"pageSize": 100, "state": "any"}).json()["entities"]}
    assert seen and all(users[d["userId"]]["division"]["id"] == home for d in seen if d["userId"] in users)
    assert len(seen) < 50


@pytest.mark.parametrize(
    "body",
    [
        {"interval": "2024-05-02T00:00:00Z/2024-05-03T00:00:00Z", "paging": {"pageSize": 5}},
        {"interval": "2024-05-02T00:00:00Z/2024-05-03T00:00:00Z", "order": "sideways"},
        {"interval": "2024-05-03T00:00:00Z/2024-05-02T00:00:00Z"},
        {
            "interval": "2024-05-02T00:00:00Z/2024-05-03T00:00:00Z",
            "routingStatusFilters": [{"type": "or", "predicates": [{"dimension": "userId", "value": "x"}]}],
        },
    ],
)
def test_invalid_bodies_are_400(users_api, body):
    assert users_api.post(JOBS, json=body).status_code == 400


def test_presence_definitions_cover_every_system_presence(users_api):
    listing = users_api.get("/api/v2/presence/definitions").json()
    assert listing["total"] == len(listing["entities"]) == 12
    assert {e["type"] for e in listing["entities"]} == {"System", "User"}


def test_day_interval_helper_still_answers(users_api):
    assert users_api.post(JOBS, json={"interval": day_interval()}).status_code == 202
