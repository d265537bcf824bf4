"""Async details jobs: submit, state machine, results paging by cursor, delete, availability."""

from __future__ import annotations

import pytest

from tests.support.emulator_api import JOBS, ApiClient, day_interval, hour_interval


def test_submit_poll_and_page_match_ground_truth(emulator, api: ApiClient):
    interval = day_interval()
    job_id = api.submit_job(interval)
    status = api.get(f"{JOBS}/{job_id}")
    assert status.status_code == 200
    body = status.json()
    assert body["state"] == "FULFILLED"
    assert {"submissionDate", "completionDate", "expirationDate"} <= set(body)
    pages = api.all_results(job_id, page_size=500)
    ids = [c["conversationId"] for page in pages for c in page]
    truth = emulator.control.ground_truth(interval)
    assert len(ids) == len(set(ids)) == truth["count"] > 1000
    assert ids == truth["conversation_ids"]
    assert all(len(page) == 500 for page in pages[:-1])


def test_results_carry_attributes_and_availability_date(api: ApiClient):
    job_id = api.submit_job(hour_interval())
    body = api.get(f"{JOBS}/{job_id}/results").json()
    assert "cursor" not in body or body["conversations"]
    assert body["dataAvailabilityDate"].endswith("Z")
    assert any("attributes" in p for c in body["conversations"] for p in c["participants"])


def test_default_and_max_page_size(api: ApiClient):
    job_id = api.submit_job(day_interval())
    assert len(api.get(f"{JOBS}/{job_id}/results").json()["conversations"]) == 100
    assert len(api.get(f"{JOBS}/{job_id}/results", params={"pageSize": 1000}).json()["conversations"]) == 1000
    too_big = api.get(f"{JOBS}/{job_id}/results", params={"pageSize": 1001})
    assert too_big.status_code == 400 and too_big.json()["code"] == "bad.request"


def test_cursor_is_opaque_and_bound_to_its_job(api: ApiClient):
    first, second = api.submit_job(day_interval()), api.submit_job(day_interval(3))
    cursor = api.get(f"{JOBS}/{first}/results").json()["cursor"]
    assert first not in cursor and not cursor.isdigit()
    foreign = api.get(f"{JOBS}/{second}/results", params={"cursor": cursor})
    assert foreign.status_code == 400
    tampered = api.get(f"{JOBS}/{first}/results", params={"cursor": cursor[:-2] + "xx"})
    assert tampered.status_code == 400
    assert api.get(f"{JOBS}/{first}/results", params={"cursor": "garbage!"}).status_code == 400


def test_limit_caps_the_result_set(api: ApiClient):
    job_id = api.submit_job(day_interval(), limit=7)
    pages = api.all_results(job_id)
    assert sum(len(p) for p in pages) == 7


def test_desc_order_reverses_conversation_start(api: ApiClient):
    job_id = api.submit_job(hour_interval(), order="desc")
    starts = [c["conversationStart"] for page in api.all_results(job_id) for c in page]
    assert starts == sorted(starts, reverse=True)


def test_filters_are_applied_to_jobs(api: ApiClient):
    voice_filter = {"type": "and", "predicates": [{"dimension": "mediaType", "value": "voice"}]}
    job_id = api.submit_job(hour_interval(), segmentFilters=[voice_filter])
    conversations = [c for page in api.all_results(job_id) for c in page]
    assert conversations
    for conversation in conversations:
        media = {s["mediaType"] for p in conversation["participants"] for s in p["sessions"]}
        assert "voice" in media


def test_progression_after_polls_returns_202_until_fulfilled(emulator, api: ApiClient):
    emulator.control.configure(job_progression="polls", job_progression_polls=2)
    job_id = api.submit_job(hour_interval())
    early = api.get(f"{JOBS}/{job_id}/results")
    assert early.status_code == 400
    observed = [(r.status_code, r.json()["state"]) for r in (api.get(f"{JOBS}/{job_id}") for _ in range(3))]
    assert observed == [(202, "QUEUED"), (202, "PENDING"), (200, "FULFILLED")]
    assert api.get(f"{JOBS}/{job_id}/results").status_code == 200


def test_progression_after_seconds_follows_the_emulator_clock(emulator, api: ApiClient):
    emulator.control.configure(job_progression="seconds", job_progression_seconds=30)
    job_id = api.submit_job(hour_interval())
    assert api.get(f"{JOBS}/{job_id}").json()["state"] == "QUEUED"
    emulator.control.advance_clock(20)
    assert api.get(f"{JOBS}/{job_id}").json()["state"] == "PENDING"
    emulator.control.advance_clock(10)
    assert api.get(f"{JOBS}/{job_id}").json()["state"] == "FULFILLED"


def test_concurrent_active_jobs_are_capped_per_client(emulator, api: ApiClient):
    emulator.control.configure(job_progression="polls", job_progression_polls=5, job_max_active_per_client=2)
    api.submit_job(hour_interval())
    api.submit_job(hour_interval())
    capped = api.post(JOBS, json={"interval": hour_interval()})
    assert capped.status_code == 429 and "Retry-After" in capped.headers


def test_delete_cancels_and_results_are_gone(api: ApiClient):
    job_id = api.submit_job(hour_interval())
    deleted = api.delete(f"{JOBS}/{job_id}")
    assert deleted.status_code == 204 and deleted.content == b""
    assert api.get(f"{JOBS}/{job_id}").json()["state"] == "CANCELLED"
    assert api.get(f"{JOBS}/{job_id}/results").status_code == 404
    assert api.delete(f"{JOBS}/not-a-job").status_code == 404


def test_job_expires_after_retention(emulator, api: ApiClient):
    emulator.control.configure(job_retention_seconds=600)
    job_id = api.submit_job(hour_interval())
    emulator.control.advance_clock(599)
    assert api.get(f"{JOBS}/{job_id}").json()["state"] == "FULFILLED"
    emulator.control.advance_clock(1)
    status = api.get(f"{JOBS}/{job_id}").json()
    assert status["state"] == "EXPIRED"
    assert api.get(f"{JOBS}/{job_id}/results").status_code == 404


def test_unknown_job_is_404(api: ApiClient):
    for path in (f"{JOBS}/nope", f"{JOBS}/nope/results"):
        response = api.get(path)
        assert response.status_code == 404 and response.json()["code"] == "not.found"


def test_availability_reports_the_configured_watermark(emulator, api: ApiClient):
    emulator.control.configure(watermark="2026-01-05T12:00:00.000Z")
    response = api.get(f"{JOBS}/availability")
    assert response.status_code == 200
    assert response.json() == {"dataAvailabilityDate": "2026-01-05T12:00:00.000Z"}


def test_frozen_org_jobs_serve_only_data_before_the_watermark(emulator, api: ApiClient):
    """The pre-living behaviour (``frozen``): the watermark filters what a job serves."""
    emulator.control.configure(frozen=True, watermark="2026-01-05T12:00:00.000Z")
    interval = "2026-01-05T00:00:00.000Z/2026-01-06T00:00:00.000Z"
    conversations = [c for page in api.all_results(api.submit_job(interval), 1000) for c in page]
    truth = emulator.control.ground_truth(interval)
    assert len(conversations) == truth["count"]
    assert truth["count"] > 0
    assert max(c["conversationStart"] for c in conversations) < "2026-01-05T12:00:00.000Z"


def test_living_org_jobs_serve_the_state_at_the_clock_including_open_conversations(emulator, api: ApiClient):
    """The watermark is a guarantee, not a filter: a job serves what the org has now,
    partial records of conversations in progress included, and nothing started later."""
    emulator.control.set_clock("2026-01-05T12:00:00.000Z")
    interval = "2026-01-05T00:00:00.000Z/2026-01-06T00:00:00.000Z"
    conversations = [c for page in api.all_results(api.submit_job(interval), 1000) for c in page]
    assert emulator.control.clock()["dataAvailabilityDate"] == "2026-01-05T11:00:00.000Z"
    assert len(conversations) == emulator.control.ground_truth(interval)["count"] > 0
    assert max(c["conversationStart"] for c in conversations) <= "2026-01-05T12:00:00.000Z"
    still_open = [c for c in conversations if "conversationEnd" not in c]
    assert still_open, "conversations in progress at the clock are served as partial records"
    for record in still_open:
        for participant in record["participants"]:
            for session in participant["sessions"]:
                assert all(s["segmentStart"] <= "2026-01-05T12:00:00.000Z" for s in session["segments"])
                assert all(m["emitDate"] <= "2026-01-05T12:00:00.000Z" for m in session.get("metrics", []))


def test_overlap_semantics_include_conversations_started_before_the_interval(emulator, api: ApiClient):
    """Plain overlap (the default): anything active during the interval, open threads included."""
    interval = hour_interval(hour=10)
    starts = [c["conversationStart"] for page in api.all_results(api.submit_job(interval), 1000) for c in page]
    assert min(starts) < interval[:10] + "T00:00:00.000Z"
    started_inside = emulator.control.ground_truth(interval, semantics="start")["count"]
    assert len(starts) > started_inside


def test_start_day_setting_keeps_only_conversations_started_on_the_interval_day(emulator, api: ApiClient):
    """With ``overlap_from_interval_start_day`` on: earlier the same UTC day, never the day before."""
    emulator.control.configure(overlap_from_interval_start_day=True)
    interval = hour_interval(hour=10)
    starts = [c["conversationStart"] for page in api.all_results(api.submit_job(interval), 1000) for c in page]
    assert interval[:10] + "T00:00:00.000Z" <= min(starts) < interval.split("/")[0]
    started_inside = emulator.control.ground_truth(interval, semantics="start")["count"]
    assert len(starts) > started_inside


@pytest.mark.parametrize(
    "body, code",
    [
        ({}, "bad.request"),
        ({"interval": "2024-05-01"}, "invalid.date"),
        ({"interval": "2024-05-02T00:00:00Z/2024-05-01T00:00:00Z"}, "bad.request"),
        ({"interval": "2024-01-01T00:00:00Z/2024-03-01T00:00:00Z"}, "bad.request"),
        (
            {"interval": "2024-05-01T00:00:00Z/2024-05-02T00:00:00Z", "paging": {"pageSize": 10, "pageNumber": 1}},
            "bad.request",
        ),
        ({"interval": "2024-05-01T00:00:00Z/2024-05-02T00:00:00Z", "orderBy": "start"}, "invalid.value"),
        ({"interval": "2024-05-01T00:00:00Z/2024-05-02T00:00:00Z", "limit": 0}, "bad.request"),
    ],
)
def test_invalid_job_bodies(api: ApiClient, body, code):
    response = api.post(JOBS, json=body)
    assert response.status_code == 400 and response.json()["code"] == code


def test_start_of_day_interval_matching_drops_conversations_from_the_previous_day(emulator, api: ApiClient):
    """The flag forces the §11 start-day limit even when the org-wide setting is off."""
    emulator.control.configure(overlap_from_interval_start_day=False)
    interval = hour_interval(hour=0)
    day_start = interval.split("/")[0]
    plain = [c["conversationStart"] for p in api.all_results(api.submit_job(interval), 1000) for c in p]
    matched = [
        c["conversationStart"]
        for p in api.all_results(api.submit_job(interval, startOfDayIntervalMatching=True), 1000)
        for c in p
    ]
    assert min(plain) < day_start <= min(matched)
    assert set(matched) == {s for s in plain if s >= day_start}
