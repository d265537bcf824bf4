"""Client-side pacing from the server's inin-ratelimit headers (our own budget: test_rate_budget.py)."""

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
    return {
        "inin-ratelimit-allowed": str(allowed),
        "inin-ratelimit-count": str(count),
        "inin-ratelimit-reset": str(reset),
    }


def test_no_wait_while_well_under_the_server_allowance(clock):
    pacer = RatePacer(clock=clock)
    pacer.observe(headers(300, 100, 30))
    assert pacer.wait_seconds() == 0.0


def test_spreads_remaining_calls_once_past_the_threshold(clock):
    pacer = RatePacer(threshold=0.8, clock=clock)
    pacer.observe(headers(300, 270, 31))
    assert pacer.wait_seconds() == pytest.approx(31 / 31)  # 30 calls left, 31 s left


def test_waits_for_the_window_reset_when_the_allowance_is_used_up(clock):
    pacer = RatePacer(clock=clock)
    pacer.observe(headers(180, 180, 12))
    clock.now += 2
    assert pacer.wait_seconds() == pytest.approx(10)
    clock.now += 10
    assert pacer.wait_seconds() == 0.0


def test_missing_or_garbled_headers_are_ignored(clock):
    pacer = RatePacer(clock=clock)
    pacer.observe({"inin-ratelimit-allowed": "many"})
    pacer.observe({})
    assert pacer.wait_seconds() == 0.0


@pytest.mark.parametrize("reset", ["31536000", "inf", "nan", "-5"])
def test_server_reset_is_bounded_by_the_configured_cap(clock, reset):
    pacer = RatePacer(clock=clock, max_wait_seconds=300)
    pacer.observe({"inin-ratelimit-allowed": "300", "inin-ratelimit-count": "300", "inin-ratelimit-reset": reset})
    assert 0.0 <= pacer.wait_seconds() <= 300
