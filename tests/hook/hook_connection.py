"""Genesys connection helpers of the hook tests (a module of its own: test modules import it,
and ``conftest`` is not a unique module name across test folders)."""
from __future__ import annotations

import json
from typing import Any

import pytest

FAKE_BASE = "http://127.0.0.1:9"  # loopback, never contacted: requests_mock intercepts
CLIENT_ID = "unit-client"
CLIENT_SECRET = "unit-secret-7f3a9c"


def set_connection(monkeypatch: pytest.MonkeyPatch, host: str, extra: dict[str, Any] | None = None, **fields: Any) -> None:
    conn = {"conn_type": "http", "host": host, "login": CLIENT_ID, "password": CLIENT_SECRET, "extra": extra or {}}
    conn.update(fields)
    monkeypatch.setenv("AIRFLOW_CONN_GENESYS_CLOUD_DEFAULT", json.dumps(conn))
