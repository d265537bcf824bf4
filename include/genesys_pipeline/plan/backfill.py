"""What a backfill costs before it runs: API requests, jobs and the least wall time they allow.

A backfill's wall time on a real org is set by two limits, not by the warehouse: every request
draws from the OAuth client's rate budget (300/min per token, fact sheet 2.4; the pipeline's
shared budget is ``rate_budget_per_minute``), and each partition is one details job that runs
for seconds to minutes, at most ``job_cap`` of them at once (UNCONFIRMED 4.6). The estimate is
the longer of the two bounds; ``sync_audit`` records each partition's actual ``api_requests``
so the estimate can be checked after the run, and ``make bench-backfill`` appends each measured
backfill to ``.bench/backfill.jsonl``, which :func:`compare_with_measured` sets the model against.

Status polls follow the client's learnt schedule (``genesys_cloud.api.job_polls``): about
``polls_per_job`` per job, whatever the latency (2.5-3 at 20-90 s), instead of one per
``genesys_poll_interval_seconds``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

# Per partition: submit, one status poll, delete; plus one request per results page.
CALLS_PER_JOB = 3
# Per run besides the job, as the 14-day API-bound benchmark counted them (2026-12-07): the
# division checks (permitted, all), the availability watermark twice (authenticate's probe,
# wait_for_data) and three aggregates queries (facets, census, reconcile).
CALLS_PER_RUN = 7
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
    # status polls per job on the learnt schedule (job_polls.py; the API-bound benchmark measures it)
    polls_per_job: float = 3.0


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
    polls = max(0.0, limits.polls_per_job - 1)  # the minimum counts one
    expected = requests + math.ceil(len(counts) * (CALLS_PER_RUN + polls))
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


def measured_backfills(path: Path) -> list[dict[str, Any]]:
    """The JSON lines ``make bench-backfill`` appended (oldest first); none when it never ran."""
    if not path.exists():
        return []
    lines = (line.strip() for line in path.read_text().splitlines())
    out = []
    for line in lines:
        try:
            record = json.loads(line) if line else None
        except ValueError:
            continue  # a line cut off by an interrupted run
        if isinstance(record, dict) and "wall_s" in record and "api_bound_s" in record:
            out.append(record)
    return out


def compare_with_measured(measured: Mapping[str, Any]) -> dict[str, Any]:
    """The model's estimate for a measured backfill's own volume and limits, beside what it took.

    ``wall_error_pct`` > 0: the backfill took longer than the model says (its task start-ups,
    loads and poll lateness are not in the bound); the ratio is what to multiply an estimate by."""
    days, per_day = int(measured["days"]), int(measured["conversations"]) // max(1, int(measured["days"]))
    latency = measured.get("job_latency_s") or [0.0, 0.0]
    limits = BackfillLimits(
        requests_per_minute=int(measured.get("rate_limit_per_min") or BackfillLimits.requests_per_minute),
        job_latency_seconds=sum(latency) / 2,
        job_cap=int(measured.get("job_cap") or BackfillLimits.job_cap),
    )
    estimate = plan([per_day] * days, limits)
    bound = max(estimate.wall_s, float(measured.get("floor_s") or 0.0))
    wall = float(measured["wall_s"])
    return {
        "regime": measured.get("regime"),
        "days": days,
        "conversations_per_day": per_day,
        "measured_wall_s": wall,
        "estimate_wall_s": round(bound, 1),
        "wall_error_pct": round(100 * (wall - bound) / bound, 1) if bound else None,
        "measured_api_requests": measured.get("api_requests"),
        "estimate_api_requests": estimate.expected_api_requests,
    }
