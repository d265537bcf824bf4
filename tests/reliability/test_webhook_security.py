"""Webhook signatures over real HTTP: the emulator's sink (an independent verifier) refuses forged,
tampered and replayed-late deliveries, and the receiver snippet published in docs/reliability.md
reaches the same verdict on every case; both published copies of the snippet (docs/reliability.md
and docs/operations.md) accept a real delivery by the pipeline's sender and refuse it under
another secret."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from genesys_pipeline.report import webhook
from tests.reliability.reliability_report import WEBHOOK_VERIFICATION_DOC
from tests.support.paths import ROOT

SECRET = "emulator-webhook-secret"  # the emulator sink's default
EVENT = {"type": webhook.EVENT_SYNCED, "partition": "2024-05-01", "conversations_loaded": 400}


def published_verifier(text: str = WEBHOOK_VERIFICATION_DOC, name: str = "docs/reliability.md") -> Callable[..., bool]:
    """The ``verify_genesys_sync_webhook`` function exactly as a document prints it."""
    [code] = [block for block in re.findall(r"```python\n(.*?)```", text, flags=re.S) if "def verify_genesys" in block]
    namespace: dict = {}
    exec(compile(code, name, "exec"), namespace)
    return namespace["verify_genesys_sync_webhook"]


def deliver(base_url: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict]:
    response = requests.post(f"{base_url}/_emulator/webhooks", data=body, headers=headers, timeout=10)
    return response.status_code, response.json()


def signed(body: bytes, *, secret: str = SECRET, timestamp: int | None = None, key: str = "key-1") -> dict[str, str]:
    return webhook.signed_headers(secret, body, key, timestamp=timestamp)


BODY = webhook.encode_event(EVENT)
CASES = {
    "valid": (BODY, lambda: signed(BODY), None),
    "tampered body": (BODY.replace(b"400", b"401"), lambda: signed(BODY), "bad signature"),
    "wrong secret": (BODY, lambda: signed(BODY, secret="guessed"), "bad signature"),
    "stale timestamp (10 min old)": (BODY, lambda: signed(BODY, timestamp=int(time.time()) - 600), "stale timestamp"),
    "timestamp 10 min ahead": (BODY, lambda: signed(BODY, timestamp=int(time.time()) + 600), "stale timestamp"),
    "no signature headers": (BODY, lambda: {"Content-Type": "application/json"}, "missing signature headers"),
    "captured delivery replayed under a new idempotency key": (
        BODY,
        lambda: {**signed(BODY), webhook.IDEMPOTENCY_HEADER: "fresh-key"},
        "bad signature",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_sink_and_published_snippet_agree(case, emulator, report_row):
    body, make_headers, rejection = CASES[case]
    headers = make_headers()

    status, answer = deliver(emulator.base_url, body, headers)

    assert (status == 200) is (rejection is None), answer
    assert answer.get("reason") == rejection
    assert published_verifier()(SECRET, headers, body) is (rejection is None)
    report_row(
        "security",
        check=f"webhook delivery, {case}",
        result="accepted by the sink and the published snippet"
        if rejection is None
        else f"rejected by the sink ({rejection}) and the published snippet",
    )


def test_replayed_delivery_is_deduplicated_by_idempotency_key(emulator):
    headers = signed(BODY, key="replayed-key")
    first, second = deliver(emulator.base_url, BODY, headers), deliver(emulator.base_url, BODY, headers)

    assert first == (200, {"accepted": True, "duplicate": False})
    assert second == (200, {"accepted": True, "duplicate": True})
    assert len(emulator.control.webhooks()) == 1


def test_pipeline_sender_is_accepted_and_a_wrong_secret_is_refused_once(emulator, monkeypatch, report_row):
    from genesys_cloud.operators.notify import post_event

    def use_secret(secret: str) -> None:
        monkeypatch.setenv(
            "AIRFLOW_CONN_GENESYS_SYNC_WEBHOOK",
            json.dumps({"conn_type": "http", "host": f"{emulator.base_url}/_emulator/webhooks", "password": secret}),
        )

    use_secret(SECRET)
    assert post_event(EVENT, "sender-key", backoff_seconds=0) == 200
    use_secret("rotated-on-one-side-only")
    with pytest.raises(Exception, match="401"):
        post_event(EVENT, "sender-key-2", backoff_seconds=0)

    deliveries = emulator.control.webhooks()
    assert [(d["accepted"], d.get("reason")) for d in deliveries] == [(True, None), (False, "bad signature")]
    assert deliveries[0]["body"] == EVENT
    report_row(
        "security",
        check="pipeline sender against the sink: right secret, then a wrong one",
        result="accepted; then refused once (HTTP 401, a 4xx is not retried)",
    )


def test_both_published_snippets_verify_a_real_delivery(monkeypatch, report_row):
    """A receiver that records what arrives; the pipeline's own sender delivers to it."""
    from genesys_cloud.operators.notify import post_event

    received: list[tuple[dict[str, str], bytes]] = []

    class Recorder(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((dict(self.headers.items()), body))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        monkeypatch.setenv(
            "AIRFLOW_CONN_GENESYS_SYNC_WEBHOOK",
            json.dumps(
                {"conn_type": "http", "host": f"http://127.0.0.1:{server.server_port}/hook", "password": SECRET}
            ),
        )
        assert post_event(EVENT, "real-delivery-key", backoff_seconds=0) == 200
    finally:
        server.shutdown()
        thread.join(timeout=5)
    [(headers, body)] = received
    verifiers = {
        "docs/reliability.md": published_verifier(),
        "docs/operations.md": published_verifier((ROOT / "docs" / "operations.md").read_text(), "docs/operations.md"),
    }
    verdicts = {
        doc: (verify(SECRET, headers, body), verify("another-secret", headers, body))
        for doc, verify in verifiers.items()
    }
    assert verdicts == {doc: (True, False) for doc in verifiers}
    report_row(
        "security",
        check="both published receiver snippets (docs/reliability.md, docs/operations.md) on a real delivery "
        "by the pipeline's sender, captured by a recording receiver",
        result="accepted by both with the right secret, refused by both with another",
    )
