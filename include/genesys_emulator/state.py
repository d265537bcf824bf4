"""Mutable emulator state that is not about jobs: clock, tokens, rate limiter, request stats.

Kept apart from the wire format (routes) so tests can reason about state transitions, and
so ``reset`` is simply "build a new EmulatorState".
"""
from __future__ import annotations

import math
import secrets
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass

from .config import ClientConfig


class Clock:
    """Two times that the control plane advances together (no real sleeping).

    ``now`` is service time: wall clock plus every advance; tokens, rate windows, job
    progression and the webhook tolerance run on it, so they keep moving in real time.
    ``org_now`` is the emulated org's time, which decides what data exists: the same as
    ``now`` by default, but once pinned (``--clock``, ``POST /_emulator/clock``) it stands
    still except for advances, so a test sees the same org state however slowly it runs.
    """

    def __init__(self, org_start: float | None = None) -> None:
        self._offset = 0.0
        self._org_pinned_at = org_start

    def now(self) -> float:
        return time.time() + self._offset

    def now_ms(self) -> int:
        return int(self.now() * 1000)

    @property
    def pinned(self) -> bool:
        return self._org_pinned_at is not None

    def org_now(self) -> float:
        if self._org_pinned_at is None:
            return self.now()
        return self._org_pinned_at + self._offset

    def org_now_ms(self) -> int:
        return int(self.org_now() * 1000)

    def pin_org(self, instant: float) -> None:
        """Org time becomes ``instant`` and from then on moves only with advances."""
        self._org_pinned_at = instant - self._offset

    def advance(self, seconds: float) -> None:
        self._offset += seconds


@dataclass
class Token:
    value: str
    client: ClientConfig
    expires_at: float


class TokenStore:
    """Opaque bearer tokens issued to clients, each with its own expiry."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._tokens: dict[str, Token] = {}
        self._lock = threading.Lock()

    def issue(self, client: ClientConfig) -> Token:
        token = Token(secrets.token_urlsafe(32), client, self._clock.now() + client.token_lifetime_seconds)
        with self._lock:
            self._tokens[token.value] = token
        return token

    def lookup(self, value: str) -> tuple[Token | None, bool]:
        """The token and whether it has expired; ``(None, False)`` when never issued."""
        token = self._tokens.get(value)
        if token is None:
            return None, False
        return token, token.expires_at <= self._clock.now()

    def issued(self) -> list[str]:
        """Every token value issued since the last reset, for leak scans in security tests."""
        with self._lock:
            return list(self._tokens)

    def expire_all(self) -> int:
        now = self._clock.now()
        with self._lock:
            for token in self._tokens.values():
                token.expires_at = min(token.expires_at, now)
            return len(self._tokens)


@dataclass(frozen=True)
class RateLimitStatus:
    allowed: int
    count: int
    reset_seconds: int

    @property
    def exceeded(self) -> bool:
        return self.count > self.allowed

    def headers(self) -> dict[str, str]:
        return {
            "inin-ratelimit-allowed": str(self.allowed),
            "inin-ratelimit-count": str(min(self.count, self.allowed)),
            "inin-ratelimit-reset": str(self.reset_seconds),
        }


class RateLimiter:
    """Fixed-window counter per (token, bucket), the shape the inin-ratelimit headers describe."""

    def __init__(self, clock: Clock, window_seconds: int) -> None:
        self._clock = clock
        self._window = window_seconds
        self._windows: dict[tuple[str, str], tuple[float, int]] = {}
        self._lock = threading.Lock()

    def hit(self, token: str, bucket: str, allowed: int) -> RateLimitStatus:
        now = self._clock.now()
        with self._lock:
            started, count = self._windows.get((token, bucket), (now, 0))
            if now - started >= self._window:
                started, count = now, 0
            count += 1
            self._windows[(token, bucket)] = (started, count)
        reset = max(1, math.ceil(started + self._window - now))
        return RateLimitStatus(allowed, count, reset)

    def idle(self, allowed: int) -> RateLimitStatus:
        """Headers for responses that are not charged to any token (e.g. /oauth/token)."""
        return RateLimitStatus(allowed, 0, self._window)


class RequestStats:
    """Request counts per operation name and HTTP status, for tests to assert retries."""

    def __init__(self) -> None:
        self._counts: Counter[tuple[str, int]] = Counter()
        self._lock = threading.Lock()

    def record(self, operation: str, status: int) -> None:
        with self._lock:
            self._counts[(operation, status)] += 1

    def snapshot(self) -> dict[str, dict[str, int]]:
        result: dict[str, dict[str, int]] = {}
        with self._lock:
            for (operation, status), count in sorted(self._counts.items()):
                result.setdefault(operation, {})[str(status)] = count
        return result


class ClientRequestLog:
    """When each OAuth client's API requests arrived (service time), so a test can count them per
    rolling minute across every token and process of that client. Bounded per client."""

    def __init__(self, clock: Clock, max_per_client: int = 100_000) -> None:
        self._clock = clock
        self._max = max_per_client
        self._times: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def record(self, client_id: str) -> None:
        now = self._clock.now()
        with self._lock:
            self._times.setdefault(client_id, deque(maxlen=self._max)).append(now)

    def times(self, client_id: str) -> list[float]:
        with self._lock:
            return list(self._times.get(client_id, ()))
