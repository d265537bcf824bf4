"""Client-side pacing from our own budget and the server's inin-ratelimit headers."""
from __future__ import annotations

import pytest

from genesys_cloud.api.pacing import RatePacer


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture()
def clock() -> FakeClock:
    return FakeClock()


def headers(allowed: int, count: int, reset: float) -> dict[str, str]:
    return {"inin-ratelimit-allowed": str(allowed), "inin-ratelimit-count": str(count), "inin-ratelimit-reset": str(reset)}


def test_no_wait_while_well_under_the_server_allowance(clock):
    pacer = RatePacer(budget_per_minute=1000, clock=clock)
    pacer.observe(headers(300, 100, 30))
    assert pacer.wait_seconds() == 0.0


def test_spreads_remaining_calls_once_past_the_threshold(clock):
    pacer = RatePacer(budget_per_minute=1000, threshold=0.8, clock=clock)
    pacer.observe(headers(300, 270, 31))
    assert pacer.wait_seconds() == pytest.approx(31 / 31)  # 30 calls left, 31 s left


def test_waits_for_the_window_reset_when_the_allowance_is_used_up(clock):
    pacer = RatePacer(budget_per_minute=1000, clock=clock)
    pacer.observe(headers(180, 180, 12))
    clock.now += 2
    assert pacer.wait_seconds() == pytest.approx(10)
    clock.now += 10
    assert pacer.wait_seconds() == 0.0


def test_own_budget_caps_requests_per_rolling_minute(clock):
    pacer = RatePacer(budget_per_minute=3, clock=clock)
    for _ in range(3):
        assert pacer.wait_seconds() == 0.0
        pacer.record_request()
        clock.now += 1
    assert pacer.wait_seconds() == pytest.approx(57)  # oldest of the 3 leaves the window at +60
    clock.now += 57
    assert pacer.wait_seconds() == 0.0


def test_missing_or_garbled_headers_are_ignored(clock):
    pacer = RatePacer(budget_per_minute=10, clock=clock)
    pacer.observe({"inin-ratelimit-allowed": "many"})
    pacer.observe({})
    assert pacer.wait_seconds() == 0.0
