"""Canned Genesys responses for requests_mock-based unit tests."""

from __future__ import annotations

from typing import Any

BASE = "http://127.0.0.1:9"
TOKEN_URL = f"{BASE}/oauth/token"
JOBS_URL = f"{BASE}/api/v2/analytics/conversations/details/jobs"
AVAILABILITY_URL = f"{JOBS_URL}/availability"


def token_ok(value: str = "tok-aaaaaaaa", expires_in: int = 86400) -> dict[str, Any]:
    return {"json": {"access_token": value, "token_type": "bearer", "expires_in": expires_in}, "status_code": 200}


def error_body(status: int, code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {
        "status_code": status,
        "json": {
            "message": message,
            "code": code,
            "status": status,
            "contextId": "ctx-1",
            "details": [],
            "errors": [],
            **extra,
        },
        "headers": {"ININ-Correlation-Id": f"corr-{status}"},
    }


def conversations(start: int, count: int) -> list[dict[str, Any]]:
    return [{"conversationId": f"c-{i:05d}"} for i in range(start, start + count)]
