"""The org's API rate limit as Genesys reports it: a fixed window per token and bucket, inin-ratelimit headers."""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

from genesys_emulator.service.clock import Clock


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
