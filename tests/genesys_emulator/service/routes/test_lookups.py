"""Lookup lists: users (state filter, id bulk fetch), queues, wrap-up codes, listing envelope."""

from __future__ import annotations

import pytest

from tests.support.emulator_api import ApiClient

ENVELOPE = {"entities", "pageSize", "pageNumber", "total", "pageCount", "firstUri", "selfUri", "lastUri"}


@pytest.mark.parametrize("path", ["/api/v2/users", "/api/v2/routing/queues", "/api/v2/routing/wrapupcodes"])
def test_envelope_and_paging_links(api: ApiClient, path):
    first = api.get(path, params={"pageSize": 2}).json()
    assert set(first) >= ENVELOPE and first["pageNumber"] == 1 and first["pageSize"] == 2
    assert "previousUri" not in first and first["pageCount"] > 1
    assert first["nextUri"].startswith(path + "?")
    seen, uri = [], first["selfUri"]
    while uri:
        page = api.get(uri).json()
        seen += [e["id"] for e in page["entities"]]
        uri = page.get("nextUri")
    assert len(seen) == len(set(seen)) == first["total"]
    last = api.get(first["lastUri"]).json()
    assert "nextUri" not in last and "previousUri" in last


def test_users_default_to_active_and_state_any_shows_the_rest(api: ApiClient):
    active = api.get("/api/v2/users", params={"pageSize": 500}).json()
    everyone = api.get("/api/v2/users", params={"pageSize": 500, "state": "any"}).json()
    assert {u["state"] for u in active["entities"]} == {"active"}
    assert {"inactive", "deleted"} <= {u["state"] for u in everyone["entities"]}
    deleted = api.get("/api/v2/users", params={"state": "deleted"}).json()["entities"]
    assert deleted and {u["state"] for u in deleted} == {"deleted"}
    assert api.get("/api/v2/users", params={"state": "gone"}).status_code == 400


def test_users_bulk_fetch_by_id_finds_deleted_agents(api: ApiClient):
    everyone = api.get("/api/v2/users", params={"pageSize": 500, "state": "any"}).json()["entities"]
    wanted = [u["id"] for u in everyone if u["state"] != "active"][:2]
    found = api.get("/api/v2/users", params={"id": wanted, "state": "any"}).json()["entities"]
    assert sorted(u["id"] for u in found) == sorted(wanted)


def test_queues_and_wrapup_codes_referenced_by_records_exist(api: ApiClient):
    queue_ids = {q["id"] for q in api.get("/api/v2/routing/queues", params={"pageSize": 100}).json()["entities"]}
    code_ids = {w["id"] for w in api.get("/api/v2/routing/wrapupcodes", params={"pageSize": 100}).json()["entities"]}
    body = api.post(
        "/api/v2/analytics/conversations/details/query",
        json={"interval": "2024-05-01T00:00:00Z/2024-05-01T06:00:00Z", "paging": {"pageSize": 100, "pageNumber": 1}},
    ).json()
    segments = [
        seg for c in body["conversations"] for p in c["participants"] for s in p["sessions"] for seg in s["segments"]
    ]
    assert {seg["queueId"] for seg in segments if "queueId" in seg} <= queue_ids
    assert {seg["wrapUpCode"] for seg in segments if "wrapUpCode" in seg} <= code_ids


@pytest.mark.parametrize(
    "path, limit", [("/api/v2/users", 500), ("/api/v2/routing/queues", 100), ("/api/v2/routing/wrapupcodes", 100)]
)
def test_page_size_limits(api: ApiClient, path, limit):
    assert api.get(path, params={"pageSize": limit}).status_code == 200
    assert api.get(path, params={"pageSize": limit + 1}).status_code == 400


def test_sorting_and_name_filter(api: ApiClient):
    names = [
        q["name"]
        for q in api.get("/api/v2/routing/queues", params={"pageSize": 100, "sortOrder": "desc"}).json()["entities"]
    ]
    assert names == sorted(names, key=str.lower, reverse=True)
    needle = names[0].split()[0]
    matched = api.get("/api/v2/routing/queues", params={"name": f"*{needle}*"}).json()["entities"]
    assert matched and all(needle.lower() in q["name"].lower() for q in matched)
    assert api.get("/api/v2/routing/wrapupcodes", params={"sortBy": "size"}).status_code == 400
