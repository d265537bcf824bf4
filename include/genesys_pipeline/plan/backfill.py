"""What a backfill costs before it runs: API requests, jobs and the least wall time they allow.

A backfill's wall time on a real org is set by two limits, not by the warehouse: every request
draws from the OAuth client's rate budget (300/min per token, fact sheet 2.4; the pipeline's
shared budget is ``rate_budget_per_minute``), and each partition is one details job that runs
for seconds to minutes, at most ``job_cap`` of them at once (UNCONFIRMED 4.6). The estimate is
the longer of the two bounds; ``sync_audit`` records each partition's actual ``api_requests``
so the estimate can be checked after the run.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

# Per partition: submit, one status poll, delete; plus one request per results page.
CALLS_PER_JOB = 3
# Per run besides the job: the data-availability check and two aggregates queries (facets, census).
CALLS_PER_RUN = 3
RESULTS_PAGE_SIZE = 1000
# Conversations a day's volume is counted by: offered (inbound) plus outbound, per day bucket.
VOLUME_METRICS = ("nOffered", "nOutbound")
MAX_AGGREGATE_DAYS = 31  # Genesys aggregates interval cap


@dataclass(frozen=True)
class BackfillLimits:
    requests_per_minute: int = 240  # the shared budget (rate_budget_per_minute)
    job_latency_seconds: float = 55.0  # mean run time of a details job
    job_cap: int = 5  # concurrent details jobs per client
    page_size: int = RESULTS_PAGE_SIZE
    poll_interval_seconds: float = 5.0  # genesys_poll_interval_seconds: status polls while a job runs


@dataclass(frozen=True)
class BackfillPlan:
    days: int
    conversations: int
    jobs: int
    api_requests: int  # the fewest the jobs need: what the bounds are computed from
    expected_api_requests: int  # plus each run's other calls and the status polls while jobs run
    rate_bound_s: float
    jobs_bound_s: float
    wall_s: float

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "wall_h": round(self.wall_s / 3600, 2)}


def partition_requests(conversations: int, page_size: int = RESULTS_PAGE_SIZE) -> int:
    """The fewest API requests one day's partition needs."""
    return CALLS_PER_JOB + max(1, math.ceil(conversations / page_size))


def plan(daily_conversations: Iterable[int], limits: BackfillLimits = BackfillLimits()) -> BackfillPlan:
    """The plan for one partition per day with these volumes, under these limits."""
    counts = list(daily_conversations)
    requests = sum(partition_requests(count, limits.page_size) for count in counts)
    polls = max(0, math.ceil(limits.job_latency_seconds / limits.poll_interval_seconds) - 1)
    expected = requests + len(counts) * (CALLS_PER_RUN + polls)
    rate_bound = requests * 60.0 / limits.requests_per_minute
    jobs_bound = (
        max(limits.job_latency_seconds, len(counts) * limits.job_latency_seconds / limits.job_cap) if counts else 0.0
    )
    return BackfillPlan(
        days=len(counts),
        conversations=sum(counts),
        jobs=len(counts),
        api_requests=requests,
        expected_api_requests=expected,
        rate_bound_s=round(rate_bound, 1),
        jobs_bound_s=round(jobs_bound, 1),
        wall_s=round(max(rate_bound, jobs_bound), 1),
    )


def volume_queries(first: date, last: date) -> Iterator[dict[str, Any]]:
    """Aggregate query bodies counting conversations per day over [first, last], 31 days each."""
    start = first
    while start <= last:
        end = min(last, start + timedelta(days=MAX_AGGREGATE_DAYS - 1))
        yield {
            "interval": f"{start.isoformat()}T00:00:00.000Z/{(end + timedelta(days=1)).isoformat()}T00:00:00.000Z",
            "granularity": "P1D",
            "metrics": list(VOLUME_METRICS),
        }
        start = end + timedelta(days=1)


def daily_volume(responses: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """Conversations per day (``YYYY-MM-DD``) from the volume queries' answers."""
    per_day: dict[str, int] = {}
    for response in responses:
        for result in response.get("results") or ():
            for bucket in result.get("data") or ():
                day = (bucket.get("interval") or "")[:10]
                for metric in bucket.get("metrics") or ():
                    per_day[day] = per_day.get(day, 0) + int((metric.get("stats") or {}).get("count") or 0)
    return dict(sorted(per_day.items()))
