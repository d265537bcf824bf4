"""The job poll schedule: few polls at real job latencies, learnt from the jobs seen, growing."""

from __future__ import annotations

import heapq
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
    # thirds of the seen run times: 2.0 polls, noticed 16.5 s late on average over 50 seeds
    # (quarters: 2.55 polls, 12.5 s)
    assert sum(learnt) / len(learnt) <= 2.3, learnt
    assert sorted(learnt)[int(0.9 * len(learnt))] <= 3, learnt  # a job slower than any seen may take one more
    # what few polls cost: how long after its end a job is noticed, on average (a 1-s poll: 0.5 s)
    assert sum(noticed_late) / len(noticed_late) < 20


def cold_backfill(schedule: PollSchedule, seed: int, jobs: int = 14, cap: int = 5) -> tuple[list[int], list[float]]:
    """A backfill from a cold start as the pipeline runs it: ``cap`` jobs submitted together with
    no history, each next job submitted 5 s (its results read) after one is seen done; every
    poll reads the history as it is then. (polls per job incl. the check at submit, lateness)."""
    rng, draws = random.Random(seed), random.Random(seed + 1)
    history = LatencyHistory(LocalClientFacts(), "client", draw=draws.random)
    latencies = [rng.uniform(20, 90) for _ in range(jobs)]
    polls, submitted_at, running_at = [0] * jobs, [0.0] * jobs, [0.0] * jobs
    late: list[float] = []
    due: list[tuple[float, int]] = []

    def submit(job: int, now: float) -> None:
        seen = history.seen()
        polls[job] = 1 if schedule.check_at_submit(seen) else 0
        submitted_at[job] = now
        heapq.heappush(due, (now + schedule.next_delay(0.0, seen), job))

    for job in range(cap):
        submit(job, 0.0)
    submitted = cap
    for _ in range(1000 * jobs):  # bounded: a schedule that never reaches a job fails below
        if not due:
            break
        now, job = heapq.heappop(due)
        elapsed = now - submitted_at[job]
        polls[job] += 1
        if elapsed < latencies[job]:
            running_at[job] = elapsed
            heapq.heappush(due, (now + schedule.next_delay(elapsed, history.seen()), job))
            continue
        history.record(running_at[job], elapsed)
        late.append(elapsed - latencies[job])
        if submitted < jobs:
            submit(submitted, now + 5.0)
            submitted += 1
    assert len(late) == jobs, "a job was never seen done"
    return polls, late


def test_a_cold_backfill_takes_at_most_four_polls_per_job():
    """14 days, five jobs at once, no history: the first jobs start at job_first_poll_seconds and
    the later ones learn from those done. Over 200 seeds: 3.9 polls per job, each end noticed
    15.1 s late on average; the first schedule (first poll at 3 s, quarters): 4.9 polls, 13.4 s."""
    runs = [cold_backfill(PollSchedule(), seed) for seed in range(200)]
    polls = [sum(p) / len(p) for p, _ in runs]
    late = [sum(lt) / len(lt) for _, lt in runs]
    assert sum(polls) / len(polls) <= 4.0
    assert sum(late) / len(late) < 16
    first = [cold_backfill(PollSchedule(first_seconds=3.0, polls_within_seen=4), seed)[0] for seed in range(200)]
    assert sum(sum(p) / len(p) for p in first) / len(first) > 4.5  # what the cold start cost before


def test_without_history_the_schedule_doubles_from_the_first_delay_up_to_its_cap():
    schedule = PollSchedule(first_seconds=3, growth_without_history=2, max_interval_seconds=60)
    assert schedule.instants([], until=200) == [3, 6, 12, 24, 48, 96, 156, 216]
    assert schedule.next_delay(0.5, []) == pytest.approx(2.5)
    assert schedule.check_at_submit([]) is True
    assert PollSchedule().instants([], until=50) == [10, 20, 40, 80]  # the default cold start


def test_a_connection_sets_the_cold_start_and_the_shortest_gap():
    schedule = PollSchedule().for_connection(5.0, 4.0)
    assert schedule.instants([], until=10) == [4, 9, 18]  # 4 s, then doubling but never under 5 s apart
    assert schedule.quick_seconds == PollSchedule().quick_seconds


def test_with_history_polls_fall_on_its_thirds_then_grow_past_the_slowest():
    schedule = PollSchedule(growth_past_seen=1.5, min_interval_seconds=1)
    seen = [30.0, 45.0, 60.0, 75.0]
    points = schedule.instants(seen, until=130)
    assert points[:3] == pytest.approx([45.0, 60.0, 75.0])
    assert points[3:] == pytest.approx([112.5, 168.75])
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
