"""POST /oauth/token and bearer-token checks on the API."""

from __future__ import annotations

import base64

import pytest
import requests

from tests.support.emulator_api import ApiClient, fetch_token

TOKEN_FORM = {"grant_type": "client_credentials"}
USERS = "/api/v2/users"


def post_token(base_url: str, **kwargs) -> requests.Response:
    return requests.post(f"{base_url}/oauth/token", timeout=10, **kwargs)


def test_token_success_shape(emulator):
    response = post_token(emulator.base_url, auth=("emulator-client", "emulator-secret"), data=TOKEN_FORM)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert body["expires_in"] == 86400 and body["token_type"] == "bearer"
    assert len(body["access_token"]) >= 32


@pytest.mark.parametrize("auth", [("nobody", "emulator-secret"), ("emulator-client", "wrong")])
def test_unknown_client_and_wrong_secret_get_the_same_401(emulator, auth):
    """One answer for both, so a caller cannot probe which client ids exist."""
    response = post_token(emulator.base_url, auth=auth, data=TOKEN_FORM)
    assert response.status_code == 401
    assert response.json() == {
        "error": "invalid_client",
        "description": "authentication failed",
        "error_description": "authentication failed",
    }


def test_token_without_basic_auth_is_rejected(emulator):
    response = post_token(emulator.base_url, data=TOKEN_FORM)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_token_garbled_basic_auth_is_rejected(emulator):
    response = post_token(emulator.base_url, data=TOKEN_FORM, headers={"Authorization": "Basic !!notbase64"})
    assert response.status_code == 401


def test_token_bad_grant_type(emulator):
    response = post_token(
        emulator.base_url, auth=("emulator-client", "emulator-secret"), data={"grant_type": "password"}
    )
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


def test_token_requires_form_content_type(emulator):
    response = post_token(emulator.base_url, auth=("emulator-client", "emulator-secret"), json=TOKEN_FORM)
    assert response.status_code == 415


def test_configured_client_lifetime_and_roles(emulator):
    emulator.control.reset(
        clients=[
            {"client_id": "emulator-client", "client_secret": "emulator-secret"},
            {"client_id": "narrow", "client_secret": "s3", "roles": [], "token_lifetime_seconds": 300},
        ]
    )
    response = post_token(emulator.base_url, auth=("narrow", "s3"), data=TOKEN_FORM)
    assert response.json()["expires_in"] == 300


def test_missing_bearer_is_authentication_required(emulator):
    response = requests.get(emulator.base_url + USERS, timeout=10)
    assert response.status_code == 401
    assert response.json()["code"] == "authentication.required"


def test_unknown_bearer_is_bad_credentials(emulator):
    response = requests.get(emulator.base_url + USERS, headers={"Authorization": "Bearer nope"}, timeout=10)
    assert response.status_code == 401
    assert response.json()["code"] == "bad.credentials"


def test_forced_expiry_then_new_token_works(emulator, api: ApiClient):
    assert api.get(USERS).status_code == 200
    assert emulator.control.expire_tokens() >= 1
    expired = api.get(USERS)
    assert expired.status_code == 401 and expired.json()["code"] == "bad.credentials"
    fresh = fetch_token(emulator.base_url)
    assert (
        requests.get(emulator.base_url + USERS, headers={"Authorization": f"Bearer {fresh}"}, timeout=10).status_code
        == 200
    )


def test_token_expires_with_the_clock(emulator, api: ApiClient):
    emulator.control.advance_clock(86401)
    assert api.get(USERS).status_code == 401


def test_expired_token_code_is_configurable(emulator, api: ApiClient):
    emulator.control.configure(expired_token_code="credentials.expired")
    emulator.control.expire_tokens()
    assert api.get(USERS).json()["code"] == "credentials.expired"


def test_basic_header_built_by_hand_is_accepted(emulator):
    encoded = base64.b64encode(b"emulator-client:emulator-secret").decode()
    response = post_token(emulator.base_url, data=TOKEN_FORM, headers={"Authorization": f"Basic {encoded}"})
    assert response.status_code == 200


@pytest.mark.parametrize(
    "method, path, body",
    [
        (
            "post",
            "/api/v2/analytics/conversations/details/query",
            {"interval": "2024-05-01T00:00:00Z/2024-05-02T00:00:00Z"},
        ),
        (
            "post",
            "/api/v2/analytics/conversations/details/jobs",
            {"interval": "2024-05-01T00:00:00Z/2024-05-02T00:00:00Z"},
        ),
        ("get", "/api/v2/analytics/conversations/details/jobs/availability", None),
        ("get", "/api/v2/analytics/conversations/details?id=x", None),
        (
            "post",
            "/api/v2/analytics/conversations/aggregates/query",
            {"interval": "2024-05-01T00:00:00Z/2024-05-02T00:00:00Z", "metrics": ["nOffered"]},
        ),
        ("get", "/api/v2/routing/queues", None),
        ("get", "/api/v2/routing/wrapupcodes", None),
    ],
)
def test_client_without_roles_gets_missing_any_permissions(emulator, method, path, body):
    emulator.control.reset(clients=[{"client_id": "narrow", "client_secret": "s3", "roles": []}])
    api = ApiClient(emulator.base_url, "narrow", "s3")
    response = getattr(api, method)(path, **({"json": body} if body is not None else {}))
    assert response.status_code == 403
    assert response.json()["code"] == "missing.any.permissions"
    assert api.get(USERS).status_code == 200  # users need no permission


def test_agent_detail_role_suffices_for_details_but_not_availability(emulator):
    emulator.control.reset(
        clients=[{"client_id": "agent", "client_secret": "s", "roles": ["analytics:agentConversationDetail:view"]}]
    )
    api = ApiClient(emulator.base_url, "agent", "s")
    assert (
        api.post(
            "/api/v2/analytics/conversations/details/jobs",
            json={"interval": "2024-05-01T00:00:00Z/2024-05-02T00:00:00Z"},
        ).status_code
        == 202
    )
    assert api.get("/api/v2/analytics/conversations/details/jobs/availability").status_code == 403
