"""POST /api/v2/analytics/users/aggregates/query: time in each routing status, system
presence and organization presence per user and time bucket.

Summed from the same timelines the users details jobs serve, as the org has them now: an
interval still running counts up to the clock. Stats are ``sum`` in milliseconds (the
``t*`` convention), one metric entry per qualifier (the status or presence id).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from fastapi import APIRouter, Request, Response

from genesys_emulator.service.errors import bad_request
from genesys_emulator.service.routes.aggregates import parse_period_ms
from genesys_emulator.service.routes.common import authorize, json_response, read_json_body, runtime_of
from genesys_emulator.service.user_queries import (
    AGGREGATE_FIELDS,
    AGGREGATE_GROUP_BY,
    AGGREGATE_METRICS,
    all_match,
)
from genesys_emulator.service.validation import check_enum, parse_interval, reject_unknown_fields
from genesys_emulator.world.agent_timeline import Run
from genesys_emulator.world.determinism import iso_ms

router = APIRouter()
USER_AGGREGATE_PERMISSIONS = ("analytics:userAggregate:view",)


def _validate(body: Any, config) -> tuple[int, int, int, list[str], list[dict]]:
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object")
    reject_unknown_fields(body, AGGREGATE_FIELDS)
    if "interval" not in body or not body.get("metrics"):
        raise bad_request("interval and metrics are required")
    start_ms, end_ms = parse_interval(body["interval"])
    if end_ms - start_ms > config.aggregates_max_interval_days * 86_400_000:
        raise bad_request(f"The interval must not exceed {config.aggregates_max_interval_days} days")
    metrics = [check_enum("metrics", m, AGGREGATE_METRICS) for m in body["metrics"]]
    for group in body.get("groupBy") or []:
        check_enum("groupBy", group, AGGREGATE_GROUP_BY)
    if body.get("timeZone", "UTC") != "UTC":
        raise bad_request("timeZone: the emulator aggregates users in UTC only")
    granularity = parse_period_ms(body["granularity"]) if body.get("granularity") else end_ms - start_ms
    if granularity < config.aggregates_min_granularity_seconds * 1000:
        raise bad_request(f"granularity must be at least {config.aggregates_min_granularity_seconds} seconds")
    if (end_ms - start_ms) / granularity > config.aggregates_max_buckets:
        raise bad_request(f"The query would produce more than {config.aggregates_max_buckets} buckets")
    query_filter = body.get("filter")
    predicates: list[dict] = []
    if query_filter is not None:
        if not isinstance(query_filter, dict):
            raise bad_request("filter must be a single object")
        check_enum("type", query_filter.get("type"), ("and", "or"))
        for predicate in query_filter.get("predicates") or []:
            check_enum("dimension", predicate.get("dimension"), AGGREGATE_GROUP_BY)
        predicates = [query_filter]
    return start_ms, end_ms, granularity, metrics, predicates


def bucket_sums(runs: list[Run], key: int, start_ms: int, end_ms: int, granularity: int, now_ms: int) -> dict:
    """{bucket start: {qualifier: ms}} of ``runs`` clipped to each bucket (open runs to now)."""
    sums: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for run in runs:
        run_end = min(run.end if run.end is not None else now_ms, end_ms)
        bucket = start_ms + max(0, (run.start - start_ms) // granularity) * granularity
        while bucket < run_end:
            overlap = min(run_end, bucket + granularity) - max(run.start, bucket)
            if overlap > 0:
                sums[bucket][run.state[key]] += overlap
            bucket += granularity
    return sums


@router.post("/api/v2/analytics/users/aggregates/query")
async def post_analytics_users_aggregates_query(request: Request) -> Response:
    token = authorize(request, "post_analytics_users_aggregates_query", USER_AGGREGATE_PERMISSIONS)
    runtime = runtime_of(request)
    start_ms, end_ms, granularity, metrics, filters = _validate(await read_json_body(request), runtime.config)
    activity = runtime.dataset.agent_activity
    user_ids = [
        u["id"]
        for u in activity.users
        if token.client.sees_division_of([u["division"]["id"]]) and all_match(filters, {"userId": u["id"]})
    ]
    now_ms = runtime.org_now_ms()
    results = []
    for timeline in activity.timelines(start_ms, end_ms, now_ms, sorted(user_ids)):
        per_metric = {
            "tAgentRoutingStatus": bucket_sums(timeline.routing, 0, start_ms, end_ms, granularity, now_ms),
            "tSystemPresence": bucket_sums(timeline.presence, 0, start_ms, end_ms, granularity, now_ms),
            "tOrganizationPresence": bucket_sums(timeline.presence, 1, start_ms, end_ms, granularity, now_ms),
        }
        data = []
        for bucket in sorted({b for metric in metrics for b in per_metric[metric]}):
            entries = [
                {"metric": metric, "qualifier": qualifier, "stats": {"sum": total}}
                for metric in metrics
                for qualifier, total in sorted(per_metric[metric].get(bucket, {}).items())
            ]
            data.append(
                {"interval": f"{iso_ms(bucket)}/{iso_ms(min(bucket + granularity, end_ms))}", "metrics": entries}
            )
        if data:
            results.append({"group": {"userId": timeline.user_id}, "data": data})
    mappings = activity.definitions.mappings()
    return json_response({"systemToOrganizationMappings": mappings, "results": results})
