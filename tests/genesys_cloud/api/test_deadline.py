"""One deadline over the whole exchange (connect, headers, body) and no redirect followed, on both clients."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
import requests
import requests_mock as rm

from genesys_cloud.api.deadline import DeadlineAdapter, ExchangeDeadline, mount_deadline_adapter
from genesys_cloud.api.exceptions import GenesysApiError, GenesysTransientError
from tests.genesys_cloud.genesys_responses import AVAILABILITY_URL, TOKEN_URL, token_ok
from tests.support.connections import FAKE_BASE, set_connection
from tests.support.hostile_server import hostile_servers, http_answer

pytestmark = pytest.mark.timeout(60)
ELSEWHERE = "https://elsewhere.example.com/api/v2/analytics/conversations/details/jobs/availability"


def test_endless_dripping_headers_end_at_the_deadline():
    """Each header byte arrives within the 1 s socket timeout; only the exchange deadline ends it."""
    session = requests.Session()
    mount_deadline_adapter(session)
    assert isinstance(session.get_adapter("http://x"), DeadlineAdapter)
    with hostile_servers() as start:
        url = start(http_answer(b""), endless_headers=True)
        started = time.monotonic()
        with ExchangeDeadline(1.5) as exchange:
            try:
                assert session.get(url, timeout=1, stream=True).content is not None
            except requests.exceptions.RequestException:
                pass  # or http.client takes the shut socket's EOF for the end of the headers
        elapsed = time.monotonic() - started
    assert exchange.expired and 1.4 < elapsed < 3


def test_a_fast_exchange_is_untouched_and_the_watchdog_stops():
    session = requests.Session()
    mount_deadline_adapter(session)
    with hostile_servers() as start:
        url = start(http_answer(b'{"ok": true}'))
        with ExchangeDeadline(5) as exchange:
            assert session.get(url, timeout=1).json() == {"ok": True}
    assert not exchange.expired


def test_a_test_double_adapter_is_left_in_place():
    session = requests.Session()
    double = rm.Adapter()
    session.mount("https://", double)
    mount_deadline_adapter(session)
    assert session.get_adapter("https://x") is double and isinstance(session.get_adapter("http://x"), DeadlineAdapter)


@pytest.fixture()
def hook(monkeypatch, sleeps):
    from genesys_cloud.hook import GenesysCloudHook

    set_connection(monkeypatch, FAKE_BASE, {"backoff_base_seconds": 0.01, "max_attempts": 3})
    hook = GenesysCloudHook()
    hook.client.sleep = sleeps.append
    return hook


def test_the_sync_client_follows_no_redirect(hook, sleeps):
    with rm.Mocker() as m:
        m.post(TOKEN_URL, **token_ok())
        m.get(AVAILABILITY_URL, status_code=307, headers={"Location": ELSEWHERE})
        other = m.get(ELSEWHERE, json={"dataAvailabilityDate": "2024-05-02T03:15:00.000Z"})
        with pytest.raises(GenesysApiError, match="HTTP 307.*redirects are not followed"):
            hook.get_data_availability()
    assert other.call_count == 0 and sleeps == []  # never asked the other host, nor retried


def test_the_async_client_follows_no_redirect(monkeypatch):
    from genesys_cloud.api.async_client import AsyncGenesysClient
    from genesys_cloud.api.connection import config_from_connection
    from genesys_cloud.hook import GenesysCloudHook

    set_connection(monkeypatch, FAKE_BASE, {"max_attempts": 2})
    hook = GenesysCloudHook()
    config = config_from_connection(hook.get_connection(hook.genesys_conn_id))
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        if request.url.path == "/oauth/token":
            return httpx.Response(200, json={"access_token": "t", "token_type": "bearer", "expires_in": 86400})
        return httpx.Response(307, headers={"Location": ELSEWHERE})

    async def fetch() -> object:
        async def no_sleep(_: float) -> None:
            return None

        async with AsyncGenesysClient(config, transport=httpx.MockTransport(answer), sleep=no_sleep) as client:
            return await client.get_json("/api/v2/analytics/conversations/details/jobs/availability")

    with pytest.raises(GenesysApiError, match="HTTP 307"):
        asyncio.run(fetch())
    assert not any("elsewhere" in url for url in seen)


def test_the_sync_client_names_the_deadline_when_headers_drip(monkeypatch, sleeps):
    from genesys_cloud.hook import GenesysCloudHook

    with hostile_servers() as start:
        token_base = start(http_answer(b'{"access_token": "t", "token_type": "bearer", "expires_in": 86400}'))
        api_base = start(http_answer(b""), endless_headers=True)
        set_connection(monkeypatch, api_base, {"timeout": 1, "request_deadline_seconds": 1, "max_attempts": 2})
        hook = GenesysCloudHook()
        hook.client.sleep = sleeps.append
        hook.client.urls = type(hook.client.urls)(api=api_base, login=token_base)
        started = time.monotonic()
        with pytest.raises(GenesysTransientError, match="failed after 2 attempts: ResponseDeadlineError"):
            hook.get_data_availability()
        assert time.monotonic() - started < 5
