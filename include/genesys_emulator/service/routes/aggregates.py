"""POST /api/v2/analytics/conversations/aggregates/query: session metrics rolled up by group
and time bucket (bucketed by the metric's emitDate, as Genesys does)."""

from __future__ import annotations

import re
from collections import defaultdict
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, Request, Response

from genesys_emulator.service.errors import bad_request
from genesys_emulator.service.filters import record_matches, session_dimension_values
from genesys_emulator.service.routes.common import (
    AGGREGATE_PERMISSIONS,
    authorize,
    json_response,
    read_json_body,
    runtime_of,
)
from genesys_emulator.service.validation import (
    check_enum,
    parse_instant_ms,
    parse_interval,
    reject_unknown_fields,
    validate_filter,
)
from genesys_emulator.world import enums
from genesys_emulator.world.determinism import iso_ms

router = APIRouter()
FIELDS = frozenset(
    {
        "interval",
        "granularity",
        "timeZone",
        "groupBy",
        "filter",
        "metrics",
        "flattenMultivaluedDimensions",
        "views",
        "alternateTimeDimension",
        "queryType",
        "limit",
        "sortMetric",
    }
)
_DURATION = re.compile(r"^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")
_MS_PER_DAY = 86_400_000


def parse_period_ms(text: str) -> int:
    """ISO-8601 period (PT30M, P1D, P1DT12H, P1W) in milliseconds; 400 if unparsable."""
    match = _DURATION.match(text or "")
    if not match or text in ("P", "PT"):
        raise bad_request(f"granularity {text!r} is not an ISO-8601 period")
    weeks, days, hours, minutes, seconds = (int(g or 0) for g in match.groups())
    return ((((weeks * 7 + days) * 24 + hours) * 60 + minutes) * 60 + seconds) * 1000


def _validate(body: object, config) -> tuple[int, int, int, list[str], list[str], dict | None]:
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object")
    reject_unknown_fields(body, FIELDS)
    if "interval" not in body or not body.get("metrics"):
        raise bad_request("interval and metrics are required")
    start_ms, end_ms = parse_interval(body["interval"])
    if end_ms - start_ms > config.aggregates_max_interval_days * _MS_PER_DAY:
        raise bad_request(f"The interval must not exceed {config.aggregates_max_interval_days} days")
    metrics = [check_enum("metrics", m, enums.AGGREGATE_METRICS) for m in body["metrics"]]
    group_by = [check_enum("groupBy", g, enums.AGGREGATE_GROUP_BY) for g in body.get("groupBy") or []]
    check_enum("queryType", body.get("queryType", "groupBy"), enums.AGGREGATE_QUERY_TYPES)
    try:
        ZoneInfo(body.get("timeZone", "UTC"))
    except (ZoneInfoNotFoundError, ValueError):
        raise bad_request(f"timeZone {body.get('timeZone')!r} is not a known IANA zone") from None
    granularity = parse_period_ms(body["granularity"]) if body.get("granularity") else end_ms - start_ms
    if granularity < config.aggregates_min_granularity_seconds * 1000:
        raise bad_request(f"granularity must be at least {config.aggregates_min_granularity_seconds} seconds")
    if (end_ms - start_ms) / granularity > config.aggregates_max_buckets:
        raise bad_request(f"The query would produce more than {config.aggregates_max_buckets} buckets")
    query_filter = body.get("filter")
    if query_filter is not None:
        if not isinstance(query_filter, dict):
            raise bad_request("filter must be a single object")
        validate_filter(enums.AGGREGATE_FILTER, query_filter)
    return start_ms, end_ms, granularity, metrics, group_by, query_filter


def _stats(metric: str, values: list[float]) -> dict:
    if metric.startswith("t"):
        return {"max": max(values), "min": min(values), "count": len(values), "sum": sum(values)}
    return {"count": int(sum(values))}


def _session_group(conversation: dict, participant: dict, session: dict, group_by: list[str]) -> tuple:
    """A session's group key: its own value of each dimension first (the smallest, if several)."""
    group = []
    for dimension in group_by:
        values = session_dimension_values(conversation, participant, session, dimension)
        if values:
            group.append((dimension, min(values)))
    return tuple(sorted(group))


def _emitted_sessions(conversation: dict, wanted: frozenset[str], start_iso: str, end_iso: str):
    """(participant, session, metrics) for sessions that emitted a wanted metric in the window.
    emitDates share one fixed-width UTC format with the bounds, so comparing text is exact."""
    for participant in conversation.get("participants", []):
        for session in participant.get("sessions", []):
            emitted = [
                m for m in session.get("metrics", ()) if m["name"] in wanted and start_iso <= m["emitDate"] < end_iso
            ]
            if emitted:
                yield participant, session, emitted


@router.post("/api/v2/analytics/conversations/aggregates/query")
async def post_analytics_conversations_aggregates_query(request: Request) -> Response:
    token = authorize(request, "post_analytics_conversations_aggregates_query", AGGREGATE_PERMISSIONS)
    runtime = runtime_of(request)
    start_ms, end_ms, granularity, metrics, group_by, query_filter = _validate(
        await read_json_body(request), runtime.config
    )
    now = runtime.org_now_ms()
    keys = runtime.dataset.matching(start_ms, end_ms, semantics="overlap", available_until_ms=now)
    keys = runtime.visible_to(token.client, keys)
    cells: dict[tuple, dict[int, dict[str, list[float]]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(list)))
    wanted, start_iso, end_iso = frozenset(metrics), iso_ms(start_ms), iso_ms(end_ms)
    for key in keys:
        record = runtime.dataset.record(key, now)
        if query_filter and not record_matches(record, {enums.AGGREGATE_FILTER: [query_filter]}):
            continue
        for participant, session, emitted in _emitted_sessions(record, wanted, start_iso, end_iso):
            by_bucket = cells[_session_group(record, participant, session, group_by)]
            for metric in emitted:
                offset = (
                    parse_instant_ms(metric["emitDate"], "emitDate") - start_ms
                    if granularity < end_ms - start_ms
                    else 0
                )
                by_bucket[start_ms + offset // granularity * granularity][metric["name"]].append(metric["value"])
    cap = runtime.config.aggregates_max_groups
    if cap is not None and len(cells) > cap:
        raise bad_request(f"The query would return {len(cells)} groups, more than {cap}; narrow its filter or groupBy")
    results = []
    for group_key in sorted(cells):
        data = [
            {
                "interval": f"{iso_ms(bucket)}/{iso_ms(min(bucket + granularity, end_ms))}",
                "metrics": [
                    {"metric": name, "stats": _stats(name, values)} for name, values in sorted(by_metric.items())
                ],
            }
            for bucket, by_metric in sorted(cells[group_key].items())
        ]
        results.append({"group": dict(group_key), "data": data})
    return json_response({"results": results} if results else {})
