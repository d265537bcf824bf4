"""The one retry policy shared by the sync hook and the async trigger.

Retried: 429 (after Retry-After), 500/502/503/504, dropped connections, timeouts and bodies
that arrive truncated. Everything else (400, 401 handled by auth, 403, 404, 413, ...) fails at
once, because repeating the same request cannot change the answer. Retries are bounded both
in attempts and in total time, and a Retry-After above the cap fails the task clearly instead
of parking a worker for hours.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import orjson
import requests

from genesys_cloud.api.exceptions import GenesysRetryAfterTooLong
from genesys_cloud.api.settings import GenesysSettings

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
# The official .NET SDK waits 3 s on a 429 without Retry-After.
DEFAULT_THROTTLE_SECONDS = 3.0


class IncompleteResponseError(Exception):
    """A 2xx body that is not complete JSON: the connection was cut mid-body."""


def decode_success_body(status: int, content: bytes, decode: Callable[[bytes], Any] = orjson.loads) -> Any:
    """``decode`` of a 2xx body (None when empty); a cut-off body becomes a retryable error.

    ``decode`` must raise ``ValueError`` (as orjson and simdjson do) on invalid JSON."""
    if not 200 <= status < 300 or not content:  # a redirect's body is no answer either
        return None
    try:
        return decode(content)
    except ValueError as error:
        raise IncompleteResponseError(f"{len(content)} bytes of invalid JSON") from error


_RETRYABLE_EXCEPTIONS: tuple[type[BaseException], ...] = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
    httpx.TransportError,
    IncompleteResponseError,
)


def is_retryable_status(status: int) -> bool:
    return status in RETRYABLE_STATUSES


def is_retryable_exception(error: BaseException) -> bool:
    return isinstance(error, _RETRYABLE_EXCEPTIONS)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (whole seconds or an HTTP date); None if absent or unreadable."""
    if value is None or not str(value).strip():
        return None
    text = str(value).strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def header(headers: Mapping[str, str], name: str) -> str | None:
    """Case-insensitive header lookup that also works on plain dicts."""
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


@dataclass
class RetryState:
    """Attempt and time bookkeeping for one logical request."""

    policy: RetryPolicy
    started: float = field(default_factory=time.monotonic)
    attempts: int = 1

    def next_delay(self, status: int | None = None, headers: Mapping[str, str] | None = None) -> float | None:
        """Seconds to wait before the next attempt, or None when the retry budget is spent."""
        delay = self.policy.delay(self.attempts, status, headers or {})
        elapsed = self.policy.clock() - self.started
        if self.attempts >= self.policy.max_attempts or elapsed + delay > self.policy.max_total_seconds:
            return None
        self.attempts += 1
        return delay


class RetryPolicy:
    def __init__(
        self,
        settings: GenesysSettings,
        rng: Callable[[], float] = random.random,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_attempts = settings.max_attempts
        self.max_total_seconds = settings.max_retry_seconds
        self.max_retry_after = settings.max_retry_after_seconds
        self.backoff_base = settings.backoff_base_seconds
        self.backoff_max = settings.backoff_max_seconds
        self.rng = rng
        self.clock = clock

    def start(self) -> RetryState:
        return RetryState(self, started=self.clock())

    def backoff(self, attempt: int) -> float:
        """Exponential backoff with jitter in [50%, 100%] so parallel tasks do not retry in lockstep."""
        ceiling = min(self.backoff_max, self.backoff_base * 2 ** (attempt - 1))
        return ceiling * (0.5 + self.rng() / 2)

    def delay(self, attempt: int, status: int | None, headers: Mapping[str, str]) -> float:
        retry_after = parse_retry_after(header(headers, "Retry-After"))
        if retry_after is not None and retry_after > self.max_retry_after:
            raise GenesysRetryAfterTooLong(
                f"Genesys asked to retry after {retry_after:.0f} s (HTTP {status}), above the "
                f"{self.max_retry_after:.0f} s cap (connection extra 'max_retry_after_seconds'); "
                "a daily or org limit is probably exhausted"
            )
        if retry_after is not None:
            return retry_after
        if status == 429:
            return DEFAULT_THROTTLE_SECONDS
        return self.backoff(attempt)
