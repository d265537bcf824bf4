"""Airflow connections of the tests, set as ``AIRFLOW_CONN_*`` environment variables exactly as an
operator would set them. ``set_genesys_cloud_connection`` is the one place that writes
``AIRFLOW_CONN_GENESYS_CLOUD_DEFAULT``; each suite's own helper only chooses its defaults."""

from __future__ import annotations

import json
from typing import Any

import pytest

GENESYS_CLOUD_CONNECTION = "AIRFLOW_CONN_GENESYS_CLOUD_DEFAULT"
EMULATOR_CLIENT = ("emulator-client", "emulator-secret")  # the emulator's default OAuth client
EMULATOR_WEBHOOK_SECRET = "emulator-webhook-secret"  # the emulator webhook sink's default secret
# Every test connection's default: the emulator's (and the fakes') jobs finish after a number of
# polls, not of seconds, so a cold start's first timed poll at the product default (10 s,
# job_polls.py) would only make a test wait. A test's own extra may set it.
TEST_EXTRA_DEFAULTS = {"job_first_poll_seconds": 0.5}
FAKE_BASE = "http://127.0.0.1:9"  # loopback, never contacted: requests_mock intercepts
CLIENT_ID = "unit-client"
CLIENT_SECRET = "unit-secret-7f3a9c"


def genesys_connection_json(
    host: str, *, login: str | None, password: str | None, extra: dict[str, Any] | None = None, **fields: Any
) -> str:
    """The ``genesys_cloud_default`` connection as the JSON an ``AIRFLOW_CONN_*`` variable holds."""
    conn = {
        "conn_type": "http",
        "host": host,
        "login": login,
        "password": password,
        "extra": {**TEST_EXTRA_DEFAULTS, **(extra or {})},
    }
    conn.update(fields)
    return json.dumps(conn)


def set_genesys_cloud_connection(
    monkeypatch: pytest.MonkeyPatch,
    host: str,
    *,
    login: str | None,
    password: str | None,
    extra: dict[str, Any] | None = None,
    **fields: Any,
) -> None:
    """Point ``genesys_cloud_default`` at ``host`` (``fields``: further connection fields, e.g. ``port``)."""
    monkeypatch.setenv(
        GENESYS_CLOUD_CONNECTION, genesys_connection_json(host, login=login, password=password, extra=extra, **fields)
    )


def set_connection(
    monkeypatch: pytest.MonkeyPatch, host: str, extra: dict[str, Any] | None = None, **fields: Any
) -> None:
    """The hook tests' connection: the unit client unless ``fields`` name another login/password."""
    credentials = {"login": CLIENT_ID, "password": CLIENT_SECRET, **fields}
    set_genesys_cloud_connection(monkeypatch, host, extra=extra, **credentials)


def emulator_hook(monkeypatch: pytest.MonkeyPatch, base_url: str, **extra: Any) -> Any:
    """A ``GenesysCloudHook`` on the emulator's default client, with fast backoff unless ``extra`` says otherwise."""
    from genesys_cloud.hook import GenesysCloudHook

    login, password = EMULATOR_CLIENT
    set_connection(monkeypatch, base_url, {"backoff_base_seconds": 0.05, **extra}, login=login, password=password)
    return GenesysCloudHook()
