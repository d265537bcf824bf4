"""When to ask Genesys whether an async job is done: a schedule that grows, learnt from past jobs.

A status poll every second costs a job of one minute some 60 requests, the whole rate budget of
a backfill with five jobs running, while the answer changes once. Polls follow the job latency
seen so far for this OAuth client instead (:class:`LatencyHistory`, shared by every process
through the rate budget's store): with history, a job is polled at the thirds of the latencies
seen (``polls_within_seen`` polls cover what earlier jobs took; for run times spread evenly,
equal steps are what least delays noticing the end), then in steps growing by
``growth_past_seen`` for a job slower than any before; without history (a cold start: the
first jobs of a backfill run together before any has finished), from ``first_seconds``
(connection extra ``job_first_poll_seconds``, 10 s) doubling, capped at
``max_interval_seconds``. A job still running switches to the learnt schedule as soon as
another job of the client has finished.

Measured by the simulation in ``tests/genesys_cloud/api/test_job_polls.py`` (jobs of 20-90 s):
a 14-day backfill from a cold start, five jobs at once, takes 3.9 polls per job, each job's end
noticed 15 s late on average (the first schedule, 3 s doubling and the quarters: 4.9 polls,
13 s); once learnt, 2.8 polls and 15 s (3.6 polls, 12 s).

One schedule for every async job the pipeline runs (conversation details, users details): the
trigger and the hook only ask :meth:`PollSchedule.next_delay`.
"""

from __future__ import annotations

import dataclasses
import json
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from genesys_cloud.api.client_facts import ClientFacts

LATENCY_FACT = "job_latency_s"
# Enough jobs to see the spread of run times, few enough that a change of the org's pace shows soon.
HISTORY_SIZE = 24
# A week: a daily sync runs one job a day, and each run should start from the days before.
HISTORY_TTL_SECONDS = 7 * 86400.0


def quantile(values: Sequence[float], q: float) -> float:
    """The ``q`` quantile (0..1) of ``values`` by linear interpolation between order statistics."""
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True)
class PollSchedule:
    # the first timed poll of a cold start (the setting ``job_first_poll_seconds``): real jobs take
    # "a few seconds to minutes" (fact sheet 4.6, UNCONFIRMED); polls at 3 and 6 s found every
    # job of 20-90 s running
    first_seconds: float = 10.0
    growth_without_history: float = 2.0
    growth_past_seen: float = 1.5
    max_interval_seconds: float = 60.0
    min_interval_seconds: float = 1.0
    polls_within_seen: int = 3
    # real jobs take "at least about 3 s" (fact sheet 11, UNCONFIRMED): a check at submit pays
    # only for jobs faster than that
    quick_seconds: float = 3.0

    def instants(self, seen: Sequence[float], until: float) -> list[float]:
        """The elapsed times (s since submission) at which a job is polled, up to ``until``."""
        if seen:
            points = sorted({quantile(seen, i / self.polls_within_seen) for i in range(1, self.polls_within_seen + 1)})
            growth = self.growth_past_seen
        else:
            points, growth = [self.first_seconds], self.growth_without_history
        while points[-1] < until:
            step = min(self.max_interval_seconds, max(self.min_interval_seconds, points[-1] * (growth - 1)))
            points.append(points[-1] + step)
        return points

    def next_delay(self, elapsed: float, seen: Sequence[float]) -> float:
        """Seconds to wait before the next poll of a job that has run ``elapsed`` s and is not done."""
        upcoming = next(t for t in self.instants(seen, elapsed + self.min_interval_seconds) if t > elapsed)
        return max(self.min_interval_seconds, upcoming - elapsed)

    def check_at_submit(self, seen: Sequence[float]) -> bool:
        """Whether a status check right after submitting can pay: nothing is known yet, or a
        quarter of this client's jobs finished within ``quick_seconds``."""
        return not seen or quantile(seen, 0.25) <= self.quick_seconds

    def for_connection(self, shortest_gap: float, first_seconds: float) -> PollSchedule:
        """This schedule with a connection's shortest gap between polls and cold-start first poll."""
        return dataclasses.replace(self, min_interval_seconds=shortest_gap, first_seconds=first_seconds)


DEFAULT_SCHEDULE = PollSchedule()


class LatencyHistory:
    """The latest job run times of one client, as samples: a job seen running at ``a`` s and
    done at ``b`` s ran somewhere in between (polls only ever bracket it), so a point drawn
    uniformly from ``[a, b]`` is kept. A fixed point (the middle, the end) would pile every job of
    one bracket onto the schedule's own instants, and the schedule would learn only itself."""

    def __init__(self, facts: ClientFacts, key: str, draw: Callable[[], float] = random.random) -> None:
        self.facts = facts
        self.key = key
        self.draw = draw

    def seen(self) -> list[float]:
        raw = self.facts.get(self.key, LATENCY_FACT)
        try:
            values = json.loads(raw) if raw else []
        except ValueError:
            return []  # a damaged fact costs a few more polls, never a failure
        return [float(v) for v in values if isinstance(v, (int, float)) and math.isfinite(v) and v >= 0]

    def record(self, running_at: float, done_at: float) -> float:
        low = max(0.0, min(running_at, done_at))
        estimate = round(low + (max(low, done_at) - low) * self.draw(), 3)
        values = [*self.seen(), estimate][-HISTORY_SIZE:]
        self.facts.put(self.key, LATENCY_FACT, json.dumps(values), HISTORY_TTL_SECONDS)
        return estimate
