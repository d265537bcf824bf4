"""Behaviour every API response shares: headers, ErrorBody, rate limiting, body rules."""

from __future__ import annotations

import uuid

import pytest
import requests

from tests.support.emulator_api import DETAILS, JOBS, ApiClient, day_interval

QUERY = DETAILS + "/query"


def test_correlation_and_ratelimit_headers_on_success(api: ApiClient):
    response = api.get("/api/v2/users")
    assert response.headers["Content-Type"].startswith("application/json")
    correlation = response.headers["ININ-Correlation-Id"]
    assert uuid.UUID(correlation) and response.headers["Genesys-Correlation-Id"] == correlation
    assert response.headers["inin-ratelimit-allowed"] == "300"
    assert response.headers["inin-ratelimit-count"] == "1"
    assert 1 <= int(response.headers["inin-ratelimit-reset"]) <= 60


def test_error_body_context_id_is_the_correlation_id(api: ApiClient):
    response = api.get(JOBS + "/no-such-job")
    assert response.status_code == 404
    body = response.json()
    assert body["code"] == "not.found" and body["status"] == 404
    assert body["contextId"] == response.headers["ININ-Correlation-Id"]
    assert body["details"] == [] and body["errors"] == []
    assert "inin-ratelimit-count" in response.headers


def test_rate_limiter_answers_429_with_retry_after(emulator, api: ApiClient):
    emulator.control.configure(rate_limit_requests=3)
    statuses = [api.get("/api/v2/users").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = api.get("/api/v2/users")
    assert limited.json()["code"] == "too.many.requests"
    retry_after = int(limited.headers["Retry-After"])
    assert 1 <= retry_after <= 60
    assert f"Retry the request in [{retry_after}] seconds" in limited.json()["message"]
    emulator.control.advance_clock(retry_after)
    assert api.get("/api/v2/users").status_code == 200


def test_rate_limit_is_per_token(emulator, api: ApiClient):
    emulator.control.configure(rate_limit_requests=1)
    assert api.get("/api/v2/users").status_code == 200
    assert api.get("/api/v2/users").status_code == 429
    assert ApiClient(emulator.base_url).get("/api/v2/users").status_code == 200


def test_per_route_rate_limit_override(emulator, api: ApiClient):
    emulator.control.configure(rate_limit_route_overrides={"get_routing_queues": 1})
    assert api.get("/api/v2/routing/queues").headers["inin-ratelimit-allowed"] == "1"
    assert api.get("/api/v2/routing/queues").status_code == 429
    assert api.get("/api/v2/users").status_code == 200


def test_429_code_is_configurable(emulator, api: ApiClient):
    emulator.control.configure(rate_limit_requests=1, too_many_requests_code="too.many.requests.retry.after")
    api.get("/api/v2/users")
    assert api.get("/api/v2/users").json()["code"] == "too.many.requests.retry.after"


def test_body_over_512000_bytes_is_413(api: ApiClient):
    padding = "x" * 512_001
    response = api.post(QUERY, data=f'{{"interval": "{padding}"}}', headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert "512000" in response.json()["message"]


def test_wrong_content_type_is_415(api: ApiClient):
    response = api.post(QUERY, data="interval=x", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported.media.type"


def test_malformed_json_is_400_bad_request(api: ApiClient):
    response = api.post(QUERY, data="{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and response.json()["code"] == "bad.request"


@pytest.mark.parametrize(
    "field", ["dateFrom", "size", "continuationToken", "filter", "view", "mediaEndpointStatFilters"]
)
@pytest.mark.parametrize("path", [QUERY, JOBS])
def test_tutorial_fields_are_rejected(api: ApiClient, path, field):
    response = api.post(path, json={"interval": day_interval(), field: 1})
    assert response.status_code == 400
    assert field in response.json()["message"]


def test_invalid_enum_names_field_and_allowed_values(api: ApiClient):
    response = api.post(QUERY, json={"interval": day_interval(), "order": "ascending"})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid.value"
    assert "[order]" in body["message"] and "asc, desc, unordered" in body["message"]


def test_unknown_path_and_method_use_error_body(api: ApiClient):
    missing = api.get("/api/v2/nothing/here")
    assert missing.status_code == 404 and missing.json()["code"] == "not.found"
    wrong_method = api.delete(QUERY)
    assert wrong_method.status_code == 405 and "contextId" in wrong_method.json()


def test_gateway_prefixes_are_accepted(emulator):
    emulator.control.reset(login_path_prefix="/login", api_path_prefix="/api")

    token = requests.post(
        f"{emulator.base_url}/login/oauth/token",
        auth=("emulator-client", "emulator-secret"),
        data={"grant_type": "client_credentials"},
        timeout=10,
    ).json()["access_token"]
    response = requests.get(
        f"{emulator.base_url}/api/api/v2/users", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert response.status_code == 200
    assert (
        requests.get(
            f"{emulator.base_url}/api/v2/users", headers={"Authorization": f"Bearer {token}"}, timeout=10
        ).status_code
        == 200
    )


def test_unexpected_handler_error_is_a_genesys_500(emulator, api: ApiClient, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(emulator.app.state.runtime.dataset.generator, "reference_data", explode)
    response = api.get("/api/v2/routing/queues")
    assert response.status_code == 500
    assert response.json()["code"] == "internal.server.error"
    assert response.headers["ININ-Correlation-Id"] == response.json()["contextId"]
