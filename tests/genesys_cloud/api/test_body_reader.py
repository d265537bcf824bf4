"""Response bodies are read within a decompressed-size cap and a whole-request deadline."""

from __future__ import annotations

import gzip
import time
from collections.abc import Iterator

import pytest
import requests
import requests_mock as rm

from genesys_cloud.api.body_reader import ResponseDeadlineError, read_body
from genesys_cloud.api.exceptions import GenesysTransientError
from tests.genesys_cloud.genesys_responses import AVAILABILITY_URL, TOKEN_URL, token_ok
from tests.support.connections import FAKE_BASE, set_connection
from tests.support.hostile_server import hostile_servers, http_answer

pytestmark = pytest.mark.timeout(30)
CAP = 1024 * 1024


@pytest.fixture()
def capped_hook(monkeypatch, sleeps):
    from genesys_cloud.hook import GenesysCloudHook

    set_connection(monkeypatch, FAKE_BASE, {"backoff_base_seconds": 0.01, "max_response_bytes": CAP, "max_attempts": 3})
    hook = GenesysCloudHook()
    hook.client.sleep = sleeps.append
    return hook


def test_gzip_bomb_is_retried_then_fails_naming_the_cap(capped_hook, sleeps):
    bomb = gzip.compress(b"0" * (20 * CAP))  # about 20 KB on the wire, 20 MB decompressed
    assert len(bomb) < 64 * 1024
    with rm.Mocker() as m:
        m.post(TOKEN_URL, **token_ok())
        m.get(AVAILABILITY_URL, content=bomb, headers={"Content-Encoding": "gzip", "Content-Type": "application/json"})
        with pytest.raises(GenesysTransientError, match="failed after 3 attempts: ResponseTooLargeError"):
            capped_hook.get_data_availability()
    assert len(sleeps) == 2  # retried like a truncated body


def test_compressed_body_under_the_cap_is_read(capped_hook):
    body = b'{"dataAvailabilityDate": "2024-05-02T03:15:00.000Z", "pad": "' + b" " * (CAP // 2) + b'"}'
    with rm.Mocker() as m:
        m.post(TOKEN_URL, **token_ok())
        m.get(AVAILABILITY_URL, content=gzip.compress(body), headers={"Content-Encoding": "gzip"})
        assert capped_hook.get_data_availability().year == 2024


@pytest.fixture()
def dripping_server() -> Iterator[str]:
    """Answers every request with headers at once, then one body byte every 0.2 s for a minute."""
    with hostile_servers() as start:
        yield start(http_answer(b" " * 300), drip=True)


def test_dripping_body_is_cut_at_the_deadline_although_each_read_is_fast(dripping_server):
    started = time.monotonic()
    response = requests.get(dripping_server, stream=True, timeout=1)  # each byte arrives well within 1 s
    with pytest.raises(ResponseDeadlineError, match="request_deadline_seconds"):
        read_body(response, max_bytes=CAP, deadline=started + 1.5)
    assert time.monotonic() - started < 3
