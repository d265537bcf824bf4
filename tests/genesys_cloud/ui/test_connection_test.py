"""The Test button's request as the 3.3.2 UI sends it (``port: 0`` for no port), through the real api-server app."""

from __future__ import annotations

import secrets

import orjson
import pytest

from genesys_cloud.ui.connection_test import without_empty_port

CONN_ID = "warehouse_under_test"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b'{"connection_id": "c", "port": 0}', {"connection_id": "c"}),
        (b'{"connection_id": "c", "port": 5432}', {"connection_id": "c", "port": 5432}),
        (b'{"connection_id": "c", "port": null}', {"connection_id": "c", "port": None}),
        (b'{"connection_id": "c", "port": false}', {"connection_id": "c", "port": False}),
        (b'{"connection_id": "c"}', {"connection_id": "c"}),
    ],
)
def test_only_port_zero_is_dropped(body, expected):
    assert orjson.loads(without_empty_port(body)) == expected


@pytest.mark.parametrize("body", [b"not json", b"[0]", b""])
def test_other_bodies_pass_as_they_came(body):
    assert without_empty_port(body) == body


@pytest.fixture(scope="module")
def client(airflow_db):
    from airflow.api_fastapi.app import create_app, get_auth_manager
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser
    from airflow.configuration import conf
    from fastapi.testclient import TestClient

    conf.set("api_auth", "jwt_secret", secrets.token_urlsafe(64))
    conf.set("core", "test_connection", "Enabled")
    with TestClient(create_app()) as client:
        token = get_auth_manager().generate_jwt(SimpleAuthManagerUser(username="admin", role="admin"))
        client.headers["Authorization"] = f"Bearer {token}"
        yield client


def ui_test_body(stored: dict) -> dict:
    """What the 3.3.2 Connections page posts for Test: the listed connection, ``Number(port)`` included."""
    fields = ("conn_type", "connection_id", "description", "extra", "host", "login", "password", "schema")
    body = {name: stored.get(name) or "" for name in fields}
    return {**body, "port": stored.get("port") or 0}


def test_the_button_tests_a_stored_connection_without_a_port(client, tmp_path):
    database = tmp_path / "warehouse.db"
    created = client.post(
        "/api/v2/connections", json={"connection_id": CONN_ID, "conn_type": "sqlite", "host": str(database)}
    )
    assert created.status_code == 201, created.text
    try:
        stored = client.get(f"/api/v2/connections/{CONN_ID}").json()
        assert stored["port"] is None
        response = client.post("/api/v2/connections/test", json=ui_test_body(stored))
        assert response.status_code == 200, response.text
        assert response.json()["status"] is True, response.json()
        # a real other port is still the API's business: refused without credentials of its own
        elsewhere = client.post("/api/v2/connections/test", json={**ui_test_body(stored), "port": 5433})
        assert elsewhere.status_code == 400 and "differs from the stored connection" in elsewhere.text
    finally:
        client.delete(f"/api/v2/connections/{CONN_ID}")
