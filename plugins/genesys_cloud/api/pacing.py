"""Client-side pacing from the server's ``inin-ratelimit-allowed/count/reset`` headers, so a
healthy run stays under the Genesys rate limit of its token instead of bouncing off 429s.

Below ``threshold`` of the server allowance we do not slow down at all; above it the remaining
calls are spread over the rest of the window, and once it is used up we wait for the reset.
The reset is the server's word, so it is bounded by ``max_wait_seconds`` (the connection's
``max_retry_after_seconds``): a hostile or broken ``inin-ratelimit-reset: 31536000`` costs at
most that cap, never a year. Our own requests-per-minute budget, shared by every process of
one OAuth client, is :mod:`genesys_cloud.api.rate_budget`; this pacer only reads what one
token's answers say.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from genesys_cloud.api.retry import header


@dataclass(frozen=True)
class RateLimitSnapshot:
    allowed: int
    count: int
    reset_seconds: float
    observed_at: float


def _number(headers: Mapping[str, str], name: str) -> float | None:
    value = header(headers, name)
    try:
        number = float(value) if value is not None else None
    except ValueError:
        return None
    return number if number is not None and math.isfinite(number) else None


class RatePacer:
    def __init__(
        self, threshold: float = 0.8, clock: Callable[[], float] = time.monotonic, max_wait_seconds: float = 300.0
    ) -> None:
        self.threshold = threshold
        self.max_wait_seconds = max_wait_seconds
        self.clock = clock
        self.snapshot: RateLimitSnapshot | None = None

    def observe(self, headers: Mapping[str, str]) -> None:
        """Remember the server's view of our window from a response's rate-limit headers."""
        allowed = _number(headers, "inin-ratelimit-allowed")
        count = _number(headers, "inin-ratelimit-count")
        reset = _number(headers, "inin-ratelimit-reset")
        if allowed and count is not None and reset is not None:
            bounded = min(max(reset, 0.0), self.max_wait_seconds)
            self.snapshot = RateLimitSnapshot(int(allowed), int(count), bounded, self.clock())

    def wait_seconds(self) -> float:
        """How long to wait before sending the next request on this token."""
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
