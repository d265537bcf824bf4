"""Helpers for the emulator's contract tests: an authenticated HTTP client and fixed intervals."""

from __future__ import annotations

import importlib
import os
from datetime import UTC, datetime, timedelta
from types import ModuleType

import pytest
import requests

DETAILS = "/api/v2/analytics/conversations/details"
JOBS = DETAILS + "/jobs"


def require_module(name: str) -> ModuleType:
    """The module, or skip when it is not installed; under ``CI=true`` a missing module fails
    (like ``require_server`` in tests/conftest.py), so contract tests cannot silently vanish."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(f"{name} is not installed ({exc}); under CI=true this test must run, not skip", pytrace=False)
        pytest.skip(f"{name} is not installed", allow_module_level=True)


class ApiClient:
    """requests over the emulator's base URL with a client-credentials bearer token."""

    def __init__(self, base_url: str, client_id: str = "emulator-client", secret: str = "emulator-secret") -> None:
        self.base_url = base_url
        self.session = requests.Session()
        self.token = fetch_token(base_url, client_id, secret)
        self.session.headers["Authorization"] = f"Bearer {self.token}"

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.session.get(self.base_url + path, timeout=30, **kwargs)

    def post(self, path: str, **kwargs) -> requests.Response:
        return self.session.post(self.base_url + path, timeout=30, **kwargs)

    def delete(self, path: str, **kwargs) -> requests.Response:
        return self.session.delete(self.base_url + path, timeout=30, **kwargs)

    def submit_job(self, interval: str, **body) -> str:
        response = self.post(JOBS, json={"interval": interval, **body})
        assert response.status_code == 202, response.text
        return response.json()["jobId"]

    def all_results(self, job_id: str, page_size: int = 100) -> list[list[dict]]:
        """Every results page of a FULFILLED job, following cursors to the end."""
        pages, params = [], {"pageSize": page_size}
        while True:
            response = self.get(f"{JOBS}/{job_id}/results", params=params)
            assert response.status_code == 200, response.text
            body = response.json()
            pages.append(body["conversations"])
            if "cursor" not in body:
                return pages
            params = {"pageSize": page_size, "cursor": body["cursor"]}


def fetch_token(base_url: str, client_id: str = "emulator-client", secret: str = "emulator-secret") -> str:
    response = requests.post(
        f"{base_url}/oauth/token", auth=(client_id, secret), data={"grant_type": "client_credentials"}, timeout=10
    )
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def day_interval(days_ago: int = 2) -> str:
    """A whole UTC day safely behind the default one-hour watermark."""
    day = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=days_ago)
    return f"{day:%Y-%m-%dT%H:%M:%S.000Z}/{day + timedelta(days=1):%Y-%m-%dT%H:%M:%S.000Z}"


def hour_interval(days_ago: int = 2, hour: int = 10, hours: int = 1) -> str:
    day = datetime.now(UTC).replace(hour=hour, minute=0, second=0, microsecond=0) - timedelta(days=days_ago)
    return f"{day:%Y-%m-%dT%H:%M:%S.000Z}/{day + timedelta(hours=hours):%Y-%m-%dT%H:%M:%S.000Z}"
