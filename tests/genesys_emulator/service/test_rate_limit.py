"""The org's rate limit as Genesys reports it: a fixed window per token and bucket, on the service clock."""

from __future__ import annotations

from genesys_emulator.service.clock import Clock
from genesys_emulator.service.rate_limit import RateLimiter


def test_rate_limiter_window_resets_on_the_clock():
    clock = Clock()
    limiter = RateLimiter(clock, 60)
    statuses = [limiter.hit("t", "default", 2) for _ in range(3)]
    assert [s.exceeded for s in statuses] == [False, False, True]
    assert statuses[-1].headers()["inin-ratelimit-count"] == "2"
    clock.advance(60)
    assert not limiter.hit("t", "default", 2).exceeded
