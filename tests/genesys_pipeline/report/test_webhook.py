"""Completion-webhook events: the documented signature scheme, verification, and idempotency keys."""

from __future__ import annotations

from genesys_pipeline.report import webhook


def test_signature_matches_the_documented_scheme_and_verifies():
    import hashlib
    import hmac

    body = webhook.encode_event({"b": 1, "a": 2})
    headers = webhook.signed_headers("s3cret", body, "key-1", timestamp=1700000000)
    expected = hmac.new(b"s3cret", b"1700000000.key-1." + body, hashlib.sha256).hexdigest()
    assert headers[webhook.SIGNATURE_HEADER] == f"sha256={expected}"
    assert webhook.verify("s3cret", headers, body, now=1700000010)
    assert not webhook.verify("wrong", headers, body, now=1700000010)
    assert not webhook.verify("s3cret", headers, body + b" ", now=1700000010)
    assert not webhook.verify("s3cret", headers, body, now=1700000000 + 3600)  # replay of an old request
    rekeyed = {**headers, webhook.IDEMPOTENCY_HEADER: "key-2"}
    assert not webhook.verify("s3cret", rekeyed, body, now=1700000010)  # a replay under a fresh key


def test_idempotency_key_identifies_the_event():
    key = webhook.idempotency_key(webhook.EVENT_FAILED, "d", "2024-05-01", "run", "authenticate", 1)
    assert key == webhook.idempotency_key(webhook.EVENT_FAILED, "d", "2024-05-01", "run", "authenticate", 1)
    assert key != webhook.idempotency_key(webhook.EVENT_FAILED, "d", "2024-05-01", "run", "authenticate", 2)
    # After a clear: authenticate try 1 failed, then audit try 1 succeeded. Two events, two keys.
    assert key != webhook.idempotency_key(webhook.EVENT_SYNCED, "d", "2024-05-01", "run", "audit", 1)
    assert key != webhook.idempotency_key(webhook.EVENT_FAILED, "d", "2024-05-01", "run", "audit", 1)


def test_failure_and_success_of_one_run_get_different_keys_from_their_audit_summaries():
    summary = {"dag_id": "d", "run_id": "run", "partition": "2024-05-01", "status": "failed", "try_number": 1}
    _, failed_key = webhook.event_from_audit(webhook.EVENT_FAILED, {**summary, "task_id": "authenticate"})
    _, synced_key = webhook.event_from_audit(webhook.EVENT_SYNCED, {**summary, "status": "success", "task_id": "audit"})
    assert failed_key != synced_key
