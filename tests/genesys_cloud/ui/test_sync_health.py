"""The plugin as Airflow loads it: discovered in plugins/, mounted in the real api-server app, behind Airflow's auth."""

from __future__ import annotations

import json
import secrets
import sys

import pytest

from genesys_pipeline.warehouse.engine import create_warehouse_engine
from tests.support.health_world import write_attempts

pytestmark = pytest.mark.usefixtures("airflow_db")  # the shared one: tests/support/fixtures_airflow.py


@pytest.fixture(scope="module")
def api_app():
    from airflow.api_fastapi.app import create_app
    from airflow.configuration import conf

    conf.set("api_auth", "jwt_secret", secrets.token_urlsafe(64))
    return create_app()


@pytest.fixture()
def client(api_app):
    from fastapi.testclient import TestClient

    with TestClient(api_app) as client:
        yield client


def admin_token() -> str:
    from airflow.api_fastapi.app import get_auth_manager
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser

    return get_auth_manager().generate_jwt(SimpleAuthManagerUser(username="admin", role="admin"))


@pytest.fixture()
def warehouse(monkeypatch, sqlite_url):
    path = sqlite_url.removeprefix("sqlite:///")
    monkeypatch.setenv("AIRFLOW_CONN_GENESYS_WAREHOUSE", json.dumps({"conn_type": "sqlite", "host": path}))
    engine = create_warehouse_engine(sqlite_url)
    write_attempts(engine)
    engine.dispose()
    return sqlite_url


def test_discovered_with_a_navigation_entry_and_without_importing_the_app():
    from airflow import plugins_manager

    plugins, import_errors = plugins_manager._get_plugins()
    assert not import_errors
    plugin = next(p for p in plugins if p.name == "genesys_sync_health")
    assert plugin.fastapi_apps[0]["url_prefix"] == "/genesys-sync-health"
    view = plugin.external_views[0]
    assert (view["destination"], view["url_route"], view["href"]) == (
        "nav",
        "genesys-sync-health",
        "genesys-sync-health/",
    )
    assert "sync_health" not in sys.modules  # .airflowignore: not imported as a top-level plugin module


def test_page_needs_a_login(client):
    assert client.get("/genesys-sync-health/").status_code == 401


def test_page_renders_the_warehouse_of_the_connection(client, warehouse):
    client.cookies.set("_token", admin_token())  # how the UI authenticates the framed page
    response = client.get("/genesys-sync-health/", params={"days": 400})
    assert response.status_code == 422  # bounded window
    response = client.get("/genesys-sync-health/", params={"days": 30})
    assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
    assert "2026-11-21" in response.text and '<script src="plotly.min.js"></script>' in response.text
    script = client.get("/genesys-sync-health/plotly.min.js")
    assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")


def test_unusable_connection_is_a_clear_503(client, monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_GENESYS_WAREHOUSE", json.dumps({"conn_type": "mysql", "host": "db"}))
    response = client.get("/genesys-sync-health/", headers={"Authorization": f"Bearer {admin_token()}"})
    assert response.status_code == 503 and "genesys_warehouse" in response.text
