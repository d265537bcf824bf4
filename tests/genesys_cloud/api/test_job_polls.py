"""The job poll schedule: few polls at real job latencies, learnt from the jobs seen, growing."""

from __future__ import annotations

import math
import random

import pytest

from genesys_cloud.api.client_facts import LocalClientFacts
from genesys_cloud.api.job_polls import HISTORY_SIZE, LatencyHistory, PollSchedule, quantile


def polls_until_done(schedule: PollSchedule, latency: float, seen: list[float]) -> tuple[int, float, float]:
    """(polls, time the job was seen done, last time seen running) for a job of ``latency`` s,
    polled as the trigger does: wait next_delay, poll, until a poll lands at or after the latency."""
    elapsed, running_at = 0.0, 0.0
    for polls in range(1, 1000):  # bounded: a schedule that never reaches the latency fails here
        elapsed += schedule.next_delay(elapsed, seen)
        if elapsed >= latency:
            return polls, elapsed, running_at
        running_at = elapsed
    raise AssertionError(f"no poll reached a {latency} s job")


@pytest.mark.parametrize("seed", [7, 11, 23])
def test_under_four_polls_per_job_at_20_to_90_seconds_once_jobs_are_seen(seed):
    schedule, facts = PollSchedule(min_interval_seconds=1.0), LocalClientFacts()
    rng, draws = random.Random(seed), random.Random(seed + 1)
    history = LatencyHistory(facts, "client", draw=draws.random)
    polls, late = [], []
    for _ in range(120):  # a backfill's jobs, one after another, each learning from the ones before
        latency = rng.uniform(20, 90)
        seen = history.seen()
        count, done_at, running_at = polls_until_done(schedule, latency, seen)
        history.record(running_at, done_at)
        polls.append(count + (1 if schedule.check_at_submit(seen) else 0))  # the task's check at submit
        late.append(done_at - latency)
    learnt, noticed_late = polls[HISTORY_SIZE:], late[HISTORY_SIZE:]
    assert sum(learnt) / len(learnt) <= 3.2, learnt
    assert sorted(learnt)[int(0.9 * len(learnt))] <= 4, learnt  # a job slower than any seen may take one more
    # what few polls cost: how long after its end a job is noticed, on average (a 1-s poll: 0.5 s)
    assert sum(noticed_late) / len(noticed_late) < 16


def test_without_history_the_schedule_doubles_from_the_first_delay_up_to_its_cap():
    schedule = PollSchedule(first_seconds=3, growth_without_history=2, max_interval_seconds=60)
    assert schedule.instants([], until=200) == [3, 6, 12, 24, 48, 96, 156, 216]
    assert schedule.next_delay(0.5, []) == pytest.approx(2.5)
    assert schedule.check_at_submit([]) is True


def test_with_history_polls_fall_on_its_thirds_then_grow_past_the_slowest():
    schedule = PollSchedule(growth_past_seen=1.5, min_interval_seconds=1)
    seen = [30.0, 40.0, 50.0, 60.0]
    points = schedule.instants(seen, until=130)
    assert points[:4] == pytest.approx([37.5, 45.0, 52.5, 60.0])
    assert points[4:] == pytest.approx([90.0, 135.0])
    assert schedule.next_delay(41, seen) == pytest.approx(4.0)
    # slow jobs known: no check at submit, it could only say "running"
    assert schedule.check_at_submit(seen) is False
    assert schedule.check_at_submit([0.2, 0.4, 40.0]) is True


def test_delays_never_below_the_shortest_gap():
    schedule = PollSchedule(min_interval_seconds=5)
    assert schedule.next_delay(59.9, [60.0]) == 5
    assert all(b - a >= 5 for a, b in zip(schedule.instants([], 500), schedule.instants([], 500)[1:], strict=False))


def test_history_keeps_the_latest_estimates_and_survives_a_damaged_fact():
    facts = LocalClientFacts()
    history = LatencyHistory(facts, "client", draw=lambda: 0.5)
    assert history.record(10, 20) == 15  # a point inside the bracket the polls saw
    assert LatencyHistory(facts, "other", draw=lambda: 0.0).record(30, 20) == 20
    for i in range(HISTORY_SIZE + 5):
        history.record(i, i + 2)
    seen = history.seen()
    assert len(seen) == HISTORY_SIZE and seen[-1] == HISTORY_SIZE + 5  # 28 + 0.5 * 2
    facts.put("client", "job_latency_s", "{not json", 60)
    assert history.seen() == []
    facts.put("client", "job_latency_s", '[1, "x", -3, 1e999, 4]', 60)
    assert history.seen() == [1.0, 4.0]


def test_quantile_interpolates():
    assert quantile([1, 2, 3, 4], 0.5) == 2.5
    assert quantile([5], 0.9) == 5
    assert math.isclose(quantile([0, 10], 1 / 3), 10 / 3)
