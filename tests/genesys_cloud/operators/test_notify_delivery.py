"""Webhook delivery through HttpHook: signed bodies, retries on 5xx and connection errors only."""
from __future__ import annotations

import json

import pytest
import requests

from genesys_pipeline.report import webhook

URL = "https://hooks.test/genesys"


@pytest.fixture()
def webhook_conn(monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_GENESYS_SYNC_WEBHOOK", json.dumps({"conn_type": "http", "host": URL, "password": "s3cret"}))


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
        ({"host": "http://hooks.test/genesys", "extra": {"allow_insecure_http": "yes"}}, "'allow_insecure_http' must be true or false"),
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
    monkeypatch.setenv("AIRFLOW_CONN_GENESYS_SYNC_WEBHOOK", json.dumps(
        {"conn_type": "http", "host": private, "password": "s3cret", "extra": {"allow_insecure_http": True}}))
    requests_mock.post(private, status_code=200)
    assert post_event({"type": "t"}, "key-1") == 200
    assert "allow_insecure_http" not in {name.lower() for name in requests_mock.last_request.headers}
