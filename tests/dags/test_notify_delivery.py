"""Webhook delivery through HttpHook: signed bodies, retries on 5xx and connection errors only."""
from __future__ import annotations

import json

import pytest
import requests

from genesys_pipeline import webhook

URL = "http://hooks.test/genesys"


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
