"""The shared retry predicate, Retry-After parsing and cap, and bounded backoff."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
import requests

from genesys_cloud.api.exceptions import GenesysRateLimitExceeded
from genesys_cloud.api.retry import (
    DEFAULT_THROTTLE_SECONDS,
    IncompleteResponseError,
    RetryPolicy,
    decode_success_body,
    is_retryable_exception,
    is_retryable_status,
    parse_retry_after,
)
from genesys_cloud.api.settings import GenesysSettings


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_retryable_statuses(status):
    assert is_retryable_status(status)


@pytest.mark.parametrize("status", [200, 400, 401, 403, 404, 408, 409, 413, 415])
def test_statuses_that_are_never_retried(status):
    assert not is_retryable_status(status)


@pytest.mark.parametrize(
    "error",
    [
        requests.ConnectionError(),
        requests.Timeout(),
        requests.exceptions.ChunkedEncodingError(),
        httpx.ConnectError("refused"),
        httpx.ReadTimeout("slow"),
        httpx.RemoteProtocolError("peer closed"),
        IncompleteResponseError("cut"),
    ],
)
def test_retryable_exceptions(error):
    assert is_retryable_exception(error)


@pytest.mark.parametrize("error", [ValueError("bug"), KeyError("x"), requests.exceptions.InvalidURL()])
def test_programming_errors_are_not_retried(error):
    assert not is_retryable_exception(error)


def test_truncated_success_body_is_a_retryable_error():
    assert decode_success_body(200, b'{"a": 1}') == {"a": 1}
    assert decode_success_body(204, b"") is None
    assert decode_success_body(404, b"not json") is None
    with pytest.raises(IncompleteResponseError):
        decode_success_body(200, b'{"conversations": [{"conv')


def test_retry_after_in_seconds_and_http_date():
    now = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(" 0 ") == 0.0
    assert parse_retry_after(format_datetime(now + timedelta(seconds=90), usegmt=True), now=now) == 90.0
    assert parse_retry_after(format_datetime(now - timedelta(seconds=5), usegmt=True), now=now) == 0.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None


def policy(**settings) -> RetryPolicy:
    return RetryPolicy(GenesysSettings(**settings), rng=lambda: 1.0, clock=lambda: 0.0)


def test_429_waits_retry_after_or_the_sdk_default():
    assert policy().delay(1, 429, {"retry-after": "7"}) == 7.0
    assert policy().delay(1, 429, {}) == DEFAULT_THROTTLE_SECONDS


def test_retry_after_above_cap_raises_naming_the_setting():
    with pytest.raises(GenesysRateLimitExceeded, match="max_retry_after_seconds"):
        policy(max_retry_after_seconds=60).delay(1, 429, {"Retry-After": "61"})


def test_backoff_is_exponential_capped_and_jittered():
    fixed = policy(backoff_base_seconds=1, backoff_max_seconds=10)
    assert [fixed.delay(n, 503, {}) for n in range(1, 7)] == [1, 2, 4, 8, 10, 10]
    low = RetryPolicy(GenesysSettings(backoff_base_seconds=1), rng=lambda: 0.0)
    assert low.delay(3, 503, {}) == 2.0  # half of the 4 s ceiling


def test_attempts_are_bounded():
    state = policy(max_attempts=3).start()
    assert state.next_delay(503, {}) is not None
    assert state.next_delay(503, {}) is not None
    assert state.next_delay(503, {}) is None


def test_total_retry_time_is_bounded():
    now = [0.0]
    bounded = RetryPolicy(GenesysSettings(max_retry_seconds=10, max_attempts=50), clock=lambda: now[0])
    state = bounded.start()
    assert state.next_delay(429, {"Retry-After": "6"}) == 6.0
    now[0] = 6.0
    assert state.next_delay(429, {"Retry-After": "6"}) is None  # 6 + 6 > 10
