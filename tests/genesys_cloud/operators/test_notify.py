"""GenesysSyncNotifyOperator: skipped without its connection, a signed delivery the emulator's sink verifies,
4xx not retried, receiver 5xx retried then failed (a real HTTP server that answers 503); and ``post_event``,
the delivery through HttpHook: signed bodies, retries on 5xx and connection errors only."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from airflow.sdk.exceptions import AirflowSkipException

from genesys_cloud.operators.notify import GenesysSyncNotifyOperator, WebhookDeliveryError
from genesys_pipeline.report import webhook
from tests.genesys_cloud.operators.operator_support import (
    DAG_ID,
    EMULATOR_WEBHOOK_SECRET,
    RUN_ID,
    make_context,
    past_day,
)

PARTITION = past_day(2).strftime("%Y-%m-%d")
SUMMARY = {
    "dag_id": DAG_ID,
    "run_id": RUN_ID,
    "partition": PARTITION,
    "status": "success",
    "try_number": 1,
    "conversations_fetched": 309,
    "conversations_loaded": 309,
    "completeness_rate": 1.0,
}


def set_webhook(monkeypatch, url: str, secret: str = EMULATOR_WEBHOOK_SECRET) -> None:
    monkeypatch.setenv(
        "AIRFLOW_CONN_GENESYS_SYNC_WEBHOOK", json.dumps({"conn_type": "http", "host": url, "password": secret})
    )


def notify(summary=SUMMARY, attempts: int = 3) -> dict:
    return GenesysSyncNotifyOperator(task_id="notify", summary=summary, attempts=attempts).execute(make_context())


def test_skipped_without_the_webhook_connection(monkeypatch):
    monkeypatch.delenv("AIRFLOW_CONN_GENESYS_SYNC_WEBHOOK", raising=False)

    with pytest.raises(AirflowSkipException, match="'genesys_sync_webhook' is not defined"):
        notify()


def test_signed_delivery_is_accepted_once_per_attempt_key(monkeypatch, emulator):
    set_webhook(monkeypatch, f"{emulator.base_url}/_emulator/webhooks")

    first = notify()
    again = notify()  # a rerun of the same try: same idempotency key, stored once

    assert first["status_code"] == again["status_code"] == 200
    assert first["idempotency_key"] == again["idempotency_key"]
    accepted = [event for event in emulator.control.webhooks() if event["accepted"]]
    assert len(accepted) == 1
    body = accepted[0]["body"]
    assert body["type"] == "genesys.conversations.partition_synced"
    assert (body["partition"], body["status"], body["conversations_loaded"]) == (PARTITION, "success", 309)


def test_a_wrong_secret_is_refused_and_not_retried(monkeypatch, emulator):
    set_webhook(monkeypatch, f"{emulator.base_url}/_emulator/webhooks", secret="not-the-receivers-secret")

    with pytest.raises(WebhookDeliveryError, match="401"):
        notify()

    [event] = emulator.control.webhooks()
    assert event["accepted"] is False and "signature" in event["reason"]


def test_no_summary_asks_to_rerun_audit(monkeypatch, emulator):
    set_webhook(monkeypatch, f"{emulator.base_url}/_emulator/webhooks")

    with pytest.raises(ValueError, match="rerun the audit task"):
        notify(summary=None)
    assert emulator.control.webhooks() == []


class FailingReceiver(BaseHTTPRequestHandler):
    """Answers 503 and records each request's headers and body."""

    received: list[tuple[dict, bytes]]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.received.append((dict(self.headers), body))
        self.send_response(503)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture()
def failing_receiver() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FailingReceiver)
    server.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.mark.timeout(30)
def test_receiver_5xx_is_retried_then_fails(monkeypatch, failing_receiver):
    set_webhook(monkeypatch, f"http://127.0.0.1:{failing_receiver.server_address[1]}/hook", secret="s3cret")

    with pytest.raises(WebhookDeliveryError, match="503"):
        notify(attempts=2)

    assert len(failing_receiver.received) == 2
    for headers, body in failing_receiver.received:  # each attempt signed, verified here with hmac alone
        timestamp, key = headers["X-Genesys-Sync-Timestamp"], headers["X-Genesys-Sync-Idempotency-Key"]
        expected = hmac.new(b"s3cret", f"{timestamp}.{key}.".encode() + body, hashlib.sha256).hexdigest()
        assert headers["X-Genesys-Sync-Signature"] == f"sha256={expected}"
        assert json.loads(body)["partition"] == PARTITION


# --- post_event: webhook delivery through HttpHook (requests_mock) ----------------------------------
# Signed bodies, retries on 5xx and connection errors only, unsafe connections refused before sending.

URL = "https://hooks.test/genesys"


@pytest.fixture()
def webhook_conn(monkeypatch):
    monkeypatch.setenv(
        "AIRFLOW_CONN_GENESYS_SYNC_WEBHOOK", json.dumps({"conn_type": "http", "host": URL, "password": "s3cret"})
    )


def test_transient_errors_are_retried_and_every_attempt_is_signed(webhook_conn, requests_mock):
    from genesys_cloud.operators.notify import post_event

    requests_mock.post(URL, [{"status_code": 503}, {"exc": requests.exceptions.ConnectionError}, {"status_code": 200}])

    assert post_event({"type": "t", "partition": "2024-05-01"}, "key-1", backoff_seconds=0) == 200
    assert requests_mock.call_count == 3
    for request in requests_mock.request_history:
        assert webhook.verify("s3cret", request.headers, request.body)
        assert request.headers[webhook.IDEMPOTENCY_HEADER] == "key-1"
        assert "Authorization" not in request.headers  # the secret signs; it is never sent


def test_client_errors_are_not_retried(webhook_conn, requests_mock):
    from genesys_cloud.operators.notify import post_event

    requests_mock.post(URL, status_code=401)

    from genesys_cloud.operators.notify import WebhookDeliveryError

    with pytest.raises(WebhookDeliveryError, match="401"):
        post_event({"type": "t"}, "key-1", backoff_seconds=0)
    assert requests_mock.call_count == 1


def test_missing_connection_is_reported_as_not_found(monkeypatch):
    from airflow.sdk.exceptions import AirflowNotFoundException

    from genesys_cloud.operators.notify import post_event

    monkeypatch.delenv("AIRFLOW_CONN_GENESYS_SYNC_WEBHOOK", raising=False)
    with pytest.raises(AirflowNotFoundException):
        post_event({"type": "t"}, "key-1")


def test_a_connection_without_secret_is_refused(monkeypatch, requests_mock):
    from genesys_cloud.operators.notify import post_event

    monkeypatch.setenv("AIRFLOW_CONN_GENESYS_SYNC_WEBHOOK", json.dumps({"conn_type": "http", "host": URL}))
    with pytest.raises(ValueError, match="signing secret"):
        post_event({"type": "t"}, "key-1")
    assert requests_mock.call_count == 0


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"host": URL, "login": "someone"}, "'login' must be empty"),
        ({"host": "http://hooks.test/genesys"}, "'host' uses plain http on a non-loopback host"),
        ({"host": "https://user:pw@hooks.test/genesys"}, "'host' must not carry user:password@"),
        (
            {"host": "http://hooks.test/genesys", "extra": {"allow_insecure_http": "yes"}},
            "'allow_insecure_http' must be true or false",
        ),
    ],
    ids=["login", "plain-http", "userinfo", "opt-out-not-bool"],
)
def test_unsafe_webhook_connections_are_refused_before_sending(monkeypatch, requests_mock, fields, named):
    from genesys_cloud.operators.notify import post_event

    conn = {"conn_type": "http", "password": "s3cret", **fields}
    monkeypatch.setenv("AIRFLOW_CONN_GENESYS_SYNC_WEBHOOK", json.dumps(conn))
    with pytest.raises(ValueError, match=named):
        post_event({"type": "t"}, "key-1")
    assert requests_mock.call_count == 0


def test_plain_http_needs_the_explicit_opt_out_which_is_not_sent(monkeypatch, requests_mock):
    from genesys_cloud.operators.notify import post_event

    private = "http://receiver.internal/genesys"
    monkeypatch.setenv(
        "AIRFLOW_CONN_GENESYS_SYNC_WEBHOOK",
        json.dumps(
            {"conn_type": "http", "host": private, "password": "s3cret", "extra": {"allow_insecure_http": True}}
        ),
    )
    requests_mock.post(private, status_code=200)
    assert post_event({"type": "t"}, "key-1") == 200
    assert "allow_insecure_http" not in {name.lower() for name in requests_mock.last_request.headers}


def test_a_redirect_is_not_followed_nor_retried(webhook_conn, requests_mock):
    from genesys_cloud.operators.notify import post_event

    requests_mock.post(URL, status_code=307, headers={"Location": "https://elsewhere.example.com/collect"})
    elsewhere = requests_mock.post("https://elsewhere.example.com/collect", status_code=200)

    with pytest.raises(WebhookDeliveryError, match="HTTP 307; redirects are not followed"):
        post_event({"type": "t"}, "key-1", backoff_seconds=0)
    assert requests_mock.call_count == 1 and elsewhere.call_count == 0  # the signed body stayed home


@pytest.mark.parametrize(
    "extra",
    [{"verify": False}, {"proxies": {"https": "http://proxy:3128"}}, {"cert": "/c.pem"}, {"allow_redirects": True}],
)
def test_transport_options_in_the_extra_are_refused_by_name(monkeypatch, requests_mock, extra):
    from genesys_cloud.operators.notify import post_event

    conn = {"conn_type": "http", "host": URL, "password": "s3cret", "extra": extra}
    monkeypatch.setenv("AIRFLOW_CONN_GENESYS_SYNC_WEBHOOK", json.dumps(conn))
    with pytest.raises(ValueError, match=f"extra '{next(iter(extra))}' would change how the webhook is delivered"):
        post_event({"type": "t"}, "key-1", backoff_seconds=0)
    assert requests_mock.call_count == 0


@pytest.mark.timeout(60)
def test_a_dripping_receiver_cannot_hold_a_delivery_past_its_bound(monkeypatch):
    """Header lines a byte every 0.2 s (each read well inside the 10 s read timeout): every attempt
    ends at its deadline, the whole delivery within worst_case_seconds."""
    import time

    from genesys_cloud.operators.notify import WebhookDeadlineError, post_event, worst_case_seconds
    from tests.support.hostile_server import hostile_servers, http_answer

    with hostile_servers() as start:
        set_webhook(monkeypatch, start(http_answer(b""), endless_headers=True), secret="s3cret")
        started = time.monotonic()
        with pytest.raises(WebhookDeadlineError, match="1 s deadline"):
            post_event({"type": "t"}, "key-1", attempts=2, backoff_seconds=0.5, deadline_seconds=1)
        elapsed = time.monotonic() - started
    assert worst_case_seconds(2, 0.5, 1) == 2.5
    assert 2.0 < elapsed < 2.5 + 1.0


def test_the_failure_callbacks_webhook_is_bounded():
    from genesys_cloud.operators.audit import FAILURE_WEBHOOK_BOUND_SECONDS

    assert FAILURE_WEBHOOK_BOUND_SECONDS == 22.0  # 2 attempts x 10 s + 2 s backoff, as docs/operations.md says
