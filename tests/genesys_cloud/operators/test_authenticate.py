"""GenesysAuthenticateOperator against the emulator: success, and every branch that fails at once."""

from __future__ import annotations

import json

import pytest
from airflow.sdk.exceptions import AirflowFailException

from genesys_cloud.api.exceptions import GenesysTransientError
from genesys_cloud.operators.authenticate import GenesysAuthenticateOperator
from tests.genesys_cloud.operators.operator_support import make_context, set_genesys_connection

DETAILS_PERMISSION = "analytics:conversationDetail:view"


def run(**kwargs):
    return GenesysAuthenticateOperator(task_id="authenticate", **kwargs).execute(make_context())


def test_valid_credentials_pass_and_report_their_requests(genesys):
    result = run()

    served = genesys.control.stats()
    assert served["post_token"] == {"200": 1}
    assert served["get_analytics_conversations_details_jobs_availability"] == {"200": 1}
    assert served["get_authorization_divisions"] == {"200": 1}
    assert served["get_authorization_divisionspermitted_paged_me"] == {"200": 1}
    assert result["api"]["requests"] == 4  # token, availability, every division, divisions it may read
    assert result["all_divisions_read"] is True and result["division_ids"]


def test_wrong_secret_fails_without_retry_and_without_the_secret(monkeypatch, genesys):
    set_genesys_connection(monkeypatch, genesys.base_url, client=("emulator-client", "wrong-secret-9d1"))

    with pytest.raises(AirflowFailException, match="authentication failed") as failure:
        run()

    assert "wrong-secret-9d1" not in str(failure.value)
    assert genesys.control.stats()["post_token"] == {"401": 1}  # one try: a retry cannot fix credentials


def test_missing_permission_is_named(monkeypatch, genesys):
    genesys.control.add_client("no-analytics", "s3cret-client", permissions=["routing:queue:view"])
    set_genesys_connection(monkeypatch, genesys.base_url, client=("no-analytics", "s3cret-client"))

    with pytest.raises(AirflowFailException, match="permission check failed") as failure:
        run()

    assert DETAILS_PERMISSION in str(failure.value)


def test_a_client_with_the_permission_passes(monkeypatch, genesys):
    genesys.control.add_client("analytics-only", "s3cret-client", permissions=[DETAILS_PERMISSION])
    set_genesys_connection(monkeypatch, genesys.base_url, client=("analytics-only", "s3cret-client"))

    assert run()["api"]["requests"] == 4


def test_undefined_connection_is_unusable(genesys):
    with pytest.raises(AirflowFailException, match="'genesys_other' is unusable"):
        run(genesys_conn_id="genesys_other")
    assert genesys.control.stats() == {}  # nothing was called


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("password", "", "OAuth client secret"),
        ("host", "ftp://example.com", "not an http"),
    ],
)
def test_malformed_connection_is_unusable(monkeypatch, genesys, field, value, message):
    conn = {"conn_type": "http", "host": genesys.base_url, "login": "emulator-client", "password": "emulator-secret"}
    conn[field] = value
    monkeypatch.setenv("AIRFLOW_CONN_GENESYS_CLOUD_DEFAULT", json.dumps(conn))

    with pytest.raises(AirflowFailException, match=message):
        run()
    assert genesys.control.stats() == {}


def test_out_of_range_extra_is_unusable(monkeypatch, genesys):
    set_genesys_connection(monkeypatch, genesys.base_url, backoff_base_seconds=-1)

    with pytest.raises(AirflowFailException, match="backoff_base_seconds"):
        run()


@pytest.mark.timeout(30)
def test_network_trouble_is_left_to_airflow_retries(monkeypatch):
    import socket

    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    set_genesys_connection(monkeypatch, f"http://127.0.0.1:{port}")

    with pytest.raises(GenesysTransientError):  # not AirflowFailException: a task retry may well fix it
        run()
