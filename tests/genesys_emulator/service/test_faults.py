"""Scripted faults over real HTTP: statuses, dropped and truncated bodies, job faults,
cursor rejection, hidden conversations, and the seeded probability mode; then the fault book
itself (consumed in order and by route, seeded probabilities) without HTTP."""

from __future__ import annotations

import json

import pytest
import requests

from genesys_emulator.service.faults import FaultBook
from tests.support.emulator_api import DETAILS, JOBS, ApiClient, day_interval, hour_interval

RESULTS_OP = "get_analytics_conversations_details_job_results"


@pytest.mark.parametrize(
    "status, code",
    [
        (500, "internal.server.error"),
        (502, "bad.gateway"),
        (503, "service.unavailable"),
        (504, "request.timeout"),
        (401, "bad.credentials"),
    ],
)
def test_status_fault_answers_next_calls_then_recovers(emulator, api: ApiClient, status, code):
    emulator.control.add_fault("get_users", "status", count=2, status=status)
    responses = [api.get("/api/v2/users") for _ in range(3)]
    assert [r.status_code for r in responses] == [status, status, 200]
    assert responses[0].json()["code"] == code
    assert responses[0].json()["contextId"] == responses[0].headers["ININ-Correlation-Id"]


def test_429_fault_carries_retry_after_and_genesys_body(emulator, api: ApiClient):
    emulator.control.add_fault("post_analytics_conversations_details_jobs", "status", status=429, retry_after=7)
    response = api.post(JOBS, json={"interval": hour_interval()})
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "7"
    assert response.json()["code"] == "too.many.requests"
    assert "[7] seconds" in response.json()["message"]
    assert api.post(JOBS, json={"interval": hour_interval()}).status_code == 202


def test_fault_only_hits_its_route_and_star_hits_all(emulator, api: ApiClient):
    emulator.control.add_fault("get_routing_queues", "status", status=503)
    assert api.get("/api/v2/users").status_code == 200
    assert api.get("/api/v2/routing/queues").status_code == 503
    emulator.control.add_fault("*", "status", status=500)
    assert api.get("/api/v2/users").status_code == 500


def test_invalid_fault_is_rejected(emulator):
    with pytest.raises(RuntimeError, match="unknown fault kind"):
        emulator.control.add_fault("*", "explode")
    with pytest.raises(RuntimeError, match="status must be one of"):
        emulator.control.add_fault("*", "status", status=418)


def test_drop_sends_partial_body_then_closes(emulator, api: ApiClient):
    job_id = api.submit_job(hour_interval())
    emulator.control.add_fault(RESULTS_OP, "drop")
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        api.get(f"{JOBS}/{job_id}/results")
    assert api.get(f"{JOBS}/{job_id}/results").status_code == 200


def test_truncate_sends_200_with_cut_json(emulator, api: ApiClient):
    job_id = api.submit_job(hour_interval())
    emulator.control.add_fault(RESULTS_OP, "truncate")
    response = api.get(f"{JOBS}/{job_id}/results")
    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)
    assert api.get(f"{JOBS}/{job_id}/results").json()["conversations"]


def test_fail_job_fault(emulator, api: ApiClient):
    emulator.control.add_fault("post_analytics_conversations_details_jobs", "fail_job")
    failed, healthy = api.submit_job(hour_interval()), api.submit_job(hour_interval())
    status = api.get(f"{JOBS}/{failed}").json()
    assert status["state"] == "FAILED" and status["errorMessage"]
    assert api.get(f"{JOBS}/{failed}/results").status_code == 400
    assert api.get(f"{JOBS}/{healthy}").json()["state"] == "FULFILLED"


@pytest.mark.parametrize("after_pages", [0, 1])
def test_expire_job_fault_makes_results_404(emulator, api: ApiClient, after_pages):
    emulator.control.add_fault("*", "expire_job", after_pages=after_pages)
    job_id = api.submit_job(day_interval())
    assert api.get(f"{JOBS}/{job_id}").json()["state"] == "FULFILLED"
    statuses = []
    params: dict = {}
    for _ in range(after_pages + 1):
        response = api.get(f"{JOBS}/{job_id}/results", params=params)
        statuses.append(response.status_code)
        if response.status_code == 200:
            params = {"cursor": response.json()["cursor"]}
    assert statuses == [200] * after_pages + [404]
    assert api.get(f"{JOBS}/{job_id}").json()["state"] == "EXPIRED"


def test_reject_cursor_fault(emulator, api: ApiClient):
    job_id = api.submit_job(day_interval())
    cursor = api.get(f"{JOBS}/{job_id}/results").json()["cursor"]
    emulator.control.add_fault(RESULTS_OP, "reject_cursor")
    assert api.get(f"{JOBS}/{job_id}/results", params={"cursor": cursor}).status_code == 400
    assert api.get(f"{JOBS}/{job_id}/results", params={"cursor": cursor}).status_code == 200


def test_hide_conversations_affects_details_not_ground_truth(emulator, api: ApiClient):
    interval = hour_interval()
    truth = emulator.control.ground_truth(interval)
    emulator.control.add_fault("*", "hide_conversations", n=3)
    served = [c["conversationId"] for p in api.all_results(api.submit_job(interval)) for c in p]
    assert len(served) == truth["count"] - 3
    assert set(served) < set(truth["conversation_ids"])
    again = [c["conversationId"] for p in api.all_results(api.submit_job(interval)) for c in p]
    assert again == served
    sync = api.post(DETAILS + "/query", json={"interval": interval}).json()
    assert sync["totalHits"] == emulator.control.ground_truth(interval, semantics="start")["count"] - 3
    assert emulator.control.ground_truth(interval) == truth


def test_probability_mode_is_seeded_and_replays(emulator, api: ApiClient):
    def run() -> list[int]:
        emulator.control.reset()
        emulator.control.set_fault_probabilities({"503": 0.3, "429": 0.2}, seed=5)
        client = ApiClient(emulator.base_url)
        return [client.get("/api/v2/users").status_code for _ in range(30)]

    first = run()
    assert first == run()
    assert {200, 503, 429} <= set(first)


def test_stats_count_calls_per_operation_and_status(emulator, api: ApiClient):
    emulator.control.add_fault("get_users", "status", status=503)
    api.get("/api/v2/users")
    api.get("/api/v2/users")
    assert emulator.control.stats()["get_users"] == {"200": 1, "503": 1}


def test_body_fault_waits_for_a_successful_response(emulator, api: ApiClient):
    emulator.control.add_fault("*", "truncate")
    assert api.get(f"{JOBS}/missing").status_code == 404
    assert emulator.control.faults()[0]["remaining"] == 1
    with pytest.raises(requests.exceptions.JSONDecodeError):
        api.get("/api/v2/users").json()


# --- the fault book itself, without HTTP ----------------------------------------------------------


def test_fault_book_consumes_in_order_and_by_route():
    book = FaultBook()
    book.add("op_a", "status", count=2, status=503)
    book.add("*", "drop")
    assert book.take("status", "op_b") is None
    assert [book.take("status", "op_a").params["status"] for _ in range(2)] == [503, 503]
    assert book.take("status", "op_a") is None
    assert book.take("drop", "op_b") is not None and book.take("drop", "op_b") is None


def test_fault_book_probability_mode_is_seeded():
    def draws(seed: int) -> list:
        book = FaultBook()
        book.set_probabilities({"503": 0.5}, seed=seed)
        return [book.draw() for _ in range(50)]

    assert draws(1) == draws(1) and set(draws(1)) == {"503", None}
    assert FaultBook().draw() is None
    with pytest.raises(ValueError):
        FaultBook().set_probabilities({"418": 1.0})
