"""Completion-webhook events and their signature, shared by the sender and any receiver.

The signature is HMAC-SHA256 over ``f"{timestamp}.{idempotency_key}."`` followed by the exact
body bytes, so a receiver can reject tampered bodies, replays of old requests (by checking the
timestamp) and a captured delivery replayed under a new key (the key is signed). The key
identifies the event: its type, DAG, partition, run, the task that sent it and that task's
try. A retried delivery of one event carries the same key, so receivers can drop duplicates,
while two different events of one run (``authenticate`` failing, then ``audit`` succeeding
after a clear) never share one.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import orjson

EVENT_SYNCED = "genesys.conversations.partition_synced"
EVENT_FAILED = "genesys.conversations.partition_failed"
EVENT_RESYNCED = "genesys.conversations.resynced_by_id"  # a by-id re-sync: ids asked, returned, not found
EVENT_USERS_SYNCED = "genesys.users.partition_synced"  # an agent-activity day

TIMESTAMP_HEADER = "X-Genesys-Sync-Timestamp"
SIGNATURE_HEADER = "X-Genesys-Sync-Signature"
IDEMPOTENCY_HEADER = "X-Genesys-Sync-Idempotency-Key"
DEFAULT_TOLERANCE_SECONDS = 300


def idempotency_key(event_type: str, dag_id: str, partition: str, run_id: str, task_id: str, try_number: int) -> str:
    material = "\x1f".join((event_type, dag_id, partition, run_id, task_id, str(try_number))).encode()
    return hashlib.sha256(material).hexdigest()[:32]


def build_event(
    event_type: str, *, dag_id: str, run_id: str, partition: str, status: str, **details: Any
) -> dict[str, Any]:
    """The event document; ``details`` carries the window, counts and metrics (plain JSON values only)."""
    return {
        "type": event_type,
        "dag_id": dag_id,
        "run_id": run_id,
        "partition": partition,
        "status": status,
        "sent_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        **details,
    }


def event_from_audit(event_type: str, summary: Mapping[str, Any]) -> tuple[dict[str, Any], str]:
    """The event and idempotency key for an audit record's summary (see audit.AuditRecord.summary)."""
    identity = ("dag_id", "run_id", "partition", "status")
    details = {name: value for name, value in summary.items() if name not in identity}
    event = build_event(event_type, **{name: summary[name] for name in identity}, **details)
    key = idempotency_key(
        event_type,
        summary["dag_id"],
        summary["partition"],
        summary["run_id"],
        summary.get("task_id") or "",
        summary["try_number"],
    )
    return event, key


def encode_event(event: Mapping[str, Any]) -> bytes:
    """The exact body bytes that get signed and sent."""
    return orjson.dumps(event, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)


def signature(secret: str, timestamp: int, key: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.{key}.".encode() + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def signed_headers(secret: str, body: bytes, key: str, timestamp: int | None = None) -> dict[str, str]:
    ts = int(time.time()) if timestamp is None else timestamp
    return {
        "Content-Type": "application/json",
        TIMESTAMP_HEADER: str(ts),
        SIGNATURE_HEADER: signature(secret, ts, key, body),
        IDEMPOTENCY_HEADER: key,
    }


def verify(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    now: float | None = None,
    tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS,
) -> bool:
    """Receiver-side check: a valid signature over this key and body, timestamped within ``tolerance_seconds``."""
    lowered = {name.lower(): value for name, value in headers.items()}
    try:
        ts = int(lowered[TIMESTAMP_HEADER.lower()])
        given = lowered[SIGNATURE_HEADER.lower()]
        key = lowered[IDEMPOTENCY_HEADER.lower()]
    except (KeyError, ValueError):
        return False
    if abs((time.time() if now is None else now) - ts) > tolerance_seconds:
        return False
    return hmac.compare_digest(given, signature(secret, ts, key, body))
