"""Client-side pacing so a healthy run stays under the Genesys rate limit instead of bouncing off 429s.

Two signals, the stricter wins: our own budget of requests per rolling minute, and the server's
``inin-ratelimit-allowed/count/reset`` headers. Below ``threshold`` of the server allowance we
do not slow down at all; above it the remaining calls are spread over the rest of the window,
and once it is used up we wait for the reset.
"""
from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass
from typing import Callable, Mapping

from genesys_cloud.api.retry import header

WINDOW_SECONDS = 60.0


@dataclass(frozen=True)
class RateLimitSnapshot:
    allowed: int
    count: int
    reset_seconds: float
    observed_at: float


def _number(headers: Mapping[str, str], name: str) -> float | None:
    value = header(headers, name)
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


class RatePacer:
    def __init__(
        self, budget_per_minute: int, threshold: float = 0.8, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.budget = budget_per_minute
        self.threshold = threshold
        self.clock = clock
        self._sent: deque[float] = deque()
        self.snapshot: RateLimitSnapshot | None = None

    def observe(self, headers: Mapping[str, str]) -> None:
        """Remember the server's view of our window from a response's rate-limit headers."""
        allowed = _number(headers, "inin-ratelimit-allowed")
        count = _number(headers, "inin-ratelimit-count")
        reset = _number(headers, "inin-ratelimit-reset")
        if allowed and count is not None and reset is not None:
            self.snapshot = RateLimitSnapshot(int(allowed), int(count), reset, self.clock())

    def record_request(self) -> None:
        self._sent.append(self.clock())

    def wait_seconds(self) -> float:
        """How long to wait before sending the next request."""
        return max(self._budget_wait(), self._server_wait())

    def _budget_wait(self) -> float:
        now = self.clock()
        while self._sent and now - self._sent[0] >= WINDOW_SECONDS:
            self._sent.popleft()
        if len(self._sent) < self.budget:
            return 0.0
        return self._sent[0] + WINDOW_SECONDS - now

    def _server_wait(self) -> float:
        snap = self.snapshot
        if snap is None:
            return 0.0
        reset_left = snap.reset_seconds - (self.clock() - snap.observed_at)
        if reset_left <= 0:
            return 0.0
        remaining = snap.allowed - snap.count
        if remaining <= 0:
            return reset_left
        if snap.count < self.threshold * snap.allowed:
            return 0.0
        return reset_left / (remaining + 1)
