"""The receiver side of the signed webhooks: why a delivery is rejected (the HTTP sink: routes/test_control.py)."""

from __future__ import annotations

from genesys_emulator.service.webhooks import expected_signature, rejection_reason


def test_webhook_rejection_reasons():
    body = b'{"a": 1}'
    good = {
        "x-genesys-sync-timestamp": "1000",
        "x-genesys-sync-idempotency-key": "key-1",
        "x-genesys-sync-signature": expected_signature("k", "1000", "key-1", body),
    }
    assert rejection_reason(good, body, secret="k", now=1000, tolerance_seconds=300) is None
    assert rejection_reason(good, body, secret="k", now=1301, tolerance_seconds=300) == "stale timestamp"
    assert rejection_reason(good, body + b" ", secret="k", now=1000, tolerance_seconds=300) == "bad signature"
    assert (
        rejection_reason(
            {**good, "x-genesys-sync-idempotency-key": "key-2"}, body, secret="k", now=1000, tolerance_seconds=300
        )
        == "bad signature"
    )
    assert (
        rejection_reason({**good, "x-genesys-sync-timestamp": "abc"}, body, secret="k", now=1000, tolerance_seconds=300)
        == "malformed timestamp"
    )
