"""Before a backfill: the API requests, jobs and least wall time a date range will take.

    .venv/bin/python scripts/plan_backfill.py --from 2025-01-01 --to 2025-12-31            # org's volume
    .venv/bin/python scripts/plan_backfill.py --from 2025-01-01 --to 2025-12-31 --daily 20000  # what-if

Without ``--daily`` the volume per day comes from the org itself: conversation aggregates
(``nOffered`` + ``nOutbound`` per day, 31-day queries) through the Genesys connection
``--conn-id`` (an Airflow connection, e.g. ``AIRFLOW_CONN_GENESYS_CLOUD_DEFAULT``). The budget
defaults to that connection's ``rate_budget_per_minute``. Prints one JSON line; after the run,
``sync_audit.api_requests`` per partition holds the actual figures to compare. ``last_measured``:
the same model run on the latest measured backfill of each regime (``make bench-backfill``
appends to ``.bench/backfill.jsonl``), beside what it took: how far the estimate was off.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "include"))

from genesys_pipeline.plan.backfill import (
    BackfillLimits,
    compare_with_measured,
    daily_volume,
    measured_backfills,
    plan,
    volume_queries,
)

MEASURED = Path(__file__).resolve().parents[1] / ".bench" / "backfill.jsonl"


def last_measured(path: Path) -> list[dict]:
    """The model beside the latest measured backfill of each regime."""
    latest: dict[str, dict] = {}
    for record in measured_backfills(path):
        latest[str(record.get("regime"))] = record
    return [compare_with_measured(record) for record in latest.values()]


def org_volume(conn_id: str, first: date, last: date) -> tuple[dict[str, int], int]:
    """Conversations per day from the org's aggregates, and the connection's request budget."""
    from genesys_cloud.hook import GenesysCloudHook

    hook = GenesysCloudHook(conn_id)
    responses = [hook.query_conversation_aggregates(body) for body in volume_queries(first, last)]
    return daily_volume(responses), hook.settings.rate_budget_per_minute


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="first", type=date.fromisoformat, required=True, help="first day, YYYY-MM-DD")
    parser.add_argument("--to", dest="last", type=date.fromisoformat, required=True, help="last day, YYYY-MM-DD")
    parser.add_argument("--daily", type=int, help="assume this many conversations every day (no API calls)")
    parser.add_argument("--conn-id", default="genesys_cloud_default")
    parser.add_argument("--budget", type=int, help="requests per minute (default: the connection's, else 240)")
    parser.add_argument(
        "--job-latency",
        type=float,
        default=BackfillLimits.job_latency_seconds,
        help="mean seconds a details job runs before its results are ready",
    )
    parser.add_argument("--job-cap", type=int, default=BackfillLimits.job_cap, help="concurrent details jobs")
    parser.add_argument("--measured", type=Path, default=MEASURED, help="measured backfills (JSON lines)")
    args = parser.parse_args(argv)
    if args.last < args.first:
        parser.error(f"--to ({args.last}) is before --from ({args.first})")
    days = (args.last - args.first).days + 1
    budget = args.budget or BackfillLimits.requests_per_minute
    if args.daily is not None:
        volume = {(args.first + timedelta(days=offset)).isoformat(): args.daily for offset in range(days)}
    else:
        volume, connection_budget = org_volume(args.conn_id, args.first, args.last)
        budget = args.budget or connection_budget
        volume = {
            day: volume.get(day, 0)
            for day in ((args.first + timedelta(days=offset)).isoformat() for offset in range(days))
        }
    limits = BackfillLimits(requests_per_minute=budget, job_latency_seconds=args.job_latency, job_cap=args.job_cap)
    result = plan(volume.values(), limits).as_dict()
    busiest = max(volume, key=volume.get) if volume else None
    print(
        json.dumps(
            {
                "from": args.first.isoformat(),
                "to": args.last.isoformat(),
                **result,
                "busiest_day": busiest,
                "budget_per_minute": budget,
                "job_latency_s": args.job_latency,
                "job_cap": args.job_cap,
                "last_measured": last_measured(args.measured),
            }
        )
    )


if __name__ == "__main__":
    main()
