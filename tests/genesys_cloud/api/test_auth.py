"""Run every auth path (new token, 401 refresh, failures, async trigger) with all logging on and
prove neither the client secret nor any access token appears in any captured output."""

from __future__ import annotations

import asyncio
import base64
import logging
import time

import pytest

from genesys_cloud.api import async_client, client
from genesys_cloud.api.exceptions import GenesysAuthError
from genesys_cloud.hook import GenesysCloudHook
from genesys_cloud.triggers import GenesysDetailsJobTrigger
from tests.support.connections import set_connection

SECRET = "emulator-secret"
DAY = "2024-05-01T00:00:00.000Z/2024-05-02T00:00:00.000Z"
NOISY_LOGGERS = ("", "urllib3", "requests", "httpx", "httpcore", "genesys_cloud", "airflow")


@pytest.fixture()
def issued_tokens(monkeypatch) -> list[str]:
    """Every access token the code under test receives, sync or async."""
    tokens: list[str] = []

    def recording(parse):
        def wrapper(*args, **kwargs):
            token = parse(*args, **kwargs)
            tokens.append(token.value)
            return token

        return wrapper

    monkeypatch.setattr(client, "parse_token_response", recording(client.parse_token_response))
    monkeypatch.setattr(async_client, "parse_token_response", recording(async_client.parse_token_response))
    return tokens


async def run_trigger(job_id: str) -> dict:
    trigger = GenesysDetailsJobTrigger(
        job_id=job_id, genesys_conn_id="genesys_cloud_default", poll_interval=0, end_time=time.time() + 30
    )
    async for event in trigger.run():
        return event.payload


def test_secret_and_tokens_never_logged(emulator, monkeypatch, caplog, capfd, issued_tokens):
    for name in NOISY_LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    set_connection(
        monkeypatch, emulator.base_url, {"backoff_base_seconds": 0.01}, login="emulator-client", password=SECRET
    )
    hook = GenesysCloudHook()
    assert hook.test_connection()[0]
    emulator.control.add_fault("get_analytics_conversations_details_job_results", "status", count=1, status=401)
    emulator.control.add_fault("get_analytics_conversations_details_job_results", "status", count=1, status=503)
    job_id = hook.submit_details_job({"interval": DAY})
    emulator.control.expire_tokens()
    assert sum(page.conversations for page in hook.iter_details_job_pages(job_id, 500)) > 0
    emulator.control.expire_tokens()
    assert asyncio.run(run_trigger(job_id))["status"] == "FULFILLED"

    set_connection(monkeypatch, emulator.base_url, login="emulator-client", password="wrong-" + SECRET)
    with pytest.raises(GenesysAuthError, match="authentication failed"):
        GenesysCloudHook().get_token()

    captured = capfd.readouterr()
    output = "\n".join([caplog.text, captured.out, captured.err])
    assert "answered HTTP 401" in caplog.text and "answered HTTP 503" in caplog.text  # logging really was captured
    assert len(set(issued_tokens)) >= 3
    basic = base64.b64encode(f"emulator-client:{SECRET}".encode()).decode()
    for leaked in [SECRET, basic, *issued_tokens]:
        assert leaked not in output
