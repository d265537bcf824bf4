"""Receiver side of the pipeline's signed webhook notifications.

Verification is written independently of the pipeline's signer on purpose: if both sides
shared code, a bug in the shared code would make tests pass against a wrong signature.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
from collections.abc import Mapping
from typing import Any

import orjson

TIMESTAMP_HEADER = "x-genesys-sync-timestamp"
SIGNATURE_HEADER = "x-genesys-sync-signature"
IDEMPOTENCY_HEADER = "x-genesys-sync-idempotency-key"


def expected_signature(secret: str, timestamp: str, idempotency_key: str, raw_body: bytes) -> str:
    """HMAC-SHA256 over ``timestamp.key.`` and the body: the key is signed, so it cannot be swapped."""
    digest = hmac.new(
        secret.encode(), f"{timestamp}.{idempotency_key}.".encode() + raw_body, hashlib.sha256
    ).hexdigest()
    return f"sha256={digest}"


def rejection_reason(
    headers: Mapping[str, str], raw_body: bytes, *, secret: str, now: float, tolerance_seconds: int
) -> str | None:
    """Why a delivery must be refused, or None when its signature and timestamp are valid."""
    timestamp = headers.get(TIMESTAMP_HEADER)
    signature = headers.get(SIGNATURE_HEADER)
    key = headers.get(IDEMPOTENCY_HEADER)
    if not timestamp or not signature or not key:
        return "missing signature headers"
    if not timestamp.isdigit():
        return "malformed timestamp"
    if not hmac.compare_digest(signature, expected_signature(secret, timestamp, key, raw_body)):
        return "bad signature"
    if abs(now - int(timestamp)) > tolerance_seconds:
        return "stale timestamp"
    return None


class WebhookSink:
    """Every delivery attempt, accepted or rejected, in arrival order."""

    def __init__(self) -> None:
        self._events: list[dict[str, Any]] = []
        self._seen_keys: set[str] = set()
        self._lock = threading.Lock()

    def accept(self, idempotency_key: str | None, raw_body: bytes, received_at: float) -> dict[str, Any]:
        body: Any
        try:
            body = orjson.loads(raw_body)
        except orjson.JSONDecodeError:
            body = raw_body.decode(errors="replace")
        with self._lock:
            duplicate = idempotency_key is not None and idempotency_key in self._seen_keys
            if idempotency_key is not None:
                self._seen_keys.add(idempotency_key)
            event = {
                "accepted": True,
                "duplicate": duplicate,
                "idempotency_key": idempotency_key,
                "received_at": received_at,
                "body": body,
            }
            if not duplicate:
                self._events.append(event)
        return event

    def reject(self, reason: str, idempotency_key: str | None, received_at: float) -> dict[str, Any]:
        event = {"accepted": False, "reason": reason, "idempotency_key": idempotency_key, "received_at": received_at}
        with self._lock:
            self._events.append(event)
        return event

    def events(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._events)
