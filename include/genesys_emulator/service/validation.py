"""Validation of details-query bodies (sync and async) into a typed query.

Strict on purpose: unknown top-level fields, wrong enums and filters at the wrong level are
400s, so a pipeline built on the tutorials' invented fields fails here instead of silently
getting everything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from genesys_emulator.service.errors import ApiError, bad_request, invalid_value
from genesys_emulator.world import enums

SYNC_FIELDS = frozenset({"interval", "order", "orderBy", "paging", "aggregations", *enums.FILTER_LEVELS})
ASYNC_FIELDS = frozenset({"interval", "order", "orderBy", "limit", "startOfDayIntervalMatching", *enums.FILTER_LEVELS})
MS_PER_DAY = 86_400_000


@dataclass(frozen=True)
class DetailsQuery:
    start_ms: int
    end_ms: int
    order: str = "asc"
    order_by: str = "conversationStart"
    filters: dict[str, list[dict]] = field(default_factory=dict)
    page_size: int = 25
    page_number: int = 1
    aggregations: tuple[dict, ...] = ()
    limit: int | None = None
    start_of_day_matching: bool = False


def parse_instant_ms(text: Any, field_name: str = "interval") -> int:
    if not isinstance(text, str) or not text:
        raise ApiError(400, "invalid.date", f"Missing or invalid date in {field_name}")
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ApiError(400, "invalid.date") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def parse_interval(value: Any) -> tuple[int, int]:
    """``start/end`` ISO-8601 into epoch ms, requiring start < end."""
    if not isinstance(value, str) or value.count("/") != 1:
        raise ApiError(400, "invalid.date", "interval must be an ISO-8601 'start/end' string")
    start_text, end_text = value.split("/")
    start_ms, end_ms = parse_instant_ms(start_text), parse_instant_ms(end_text)
    if start_ms >= end_ms:
        raise bad_request("The interval start must be before its end")
    return start_ms, end_ms


def reject_unknown_fields(body: dict, allowed: frozenset[str]) -> None:
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise bad_request(f"Unrecognized field(s) in the request body: {', '.join(unknown)}")


def check_enum(field_name: str, value: Any, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise invalid_value(field_name, value, allowed)
    return value


def _validate_predicate(level: str, predicate: Any) -> None:
    dimensions, metrics, properties_allowed = enums.PREDICATE_LEVELS[level]
    if not isinstance(predicate, dict):
        raise bad_request(f"{level} predicates must be objects")
    if "type" in predicate:
        check_enum("type", predicate["type"], enums.PREDICATE_TYPES)
    check_enum("operator", predicate.get("operator", "matches"), enums.OPERATORS)
    if "dimension" in predicate:
        check_enum("dimension", predicate["dimension"], dimensions)
    elif "metric" in predicate:
        check_enum("metric", predicate["metric"], metrics)
    elif "property" in predicate and properties_allowed:
        check_enum("propertyType", predicate.get("propertyType"), enums.PROPERTY_TYPES)
    else:
        raise bad_request(f"{level} predicate needs a dimension or metric")
    rng = predicate.get("range")
    if rng is not None:
        if not isinstance(rng, dict) or set(rng) - {"gt", "gte", "lt", "lte"}:
            raise bad_request("range accepts only gt, gte, lt, lte")
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in rng.values()):
            raise bad_request("range bounds must be numbers")
    operator = predicate.get("operator", "matches")
    if operator == "matches" and rng is None and "value" not in predicate:
        raise bad_request(f"{level} predicate with operator matches needs a value or range")


def validate_filter(level: str, item: Any, *, allow_clauses: bool = True) -> None:
    """One filter object ``{type, clauses, predicates}`` (also used for clauses)."""
    if not isinstance(item, dict):
        raise bad_request(f"{level} items must be objects")
    check_enum("type", item.get("type"), enums.FILTER_TYPES)
    clauses = item.get("clauses") or []
    predicates = item.get("predicates") or []
    if not isinstance(clauses, list) or not isinstance(predicates, list):
        raise bad_request("clauses and predicates must be lists")
    if clauses and not allow_clauses:
        raise bad_request("Filters support at most two levels of nesting")
    if not clauses and not predicates:
        raise bad_request(f"{level} filter needs clauses or predicates")
    for clause in clauses:
        validate_filter(level, clause, allow_clauses=False)
    for predicate in predicates:
        _validate_predicate(level, predicate)


def _validate_filters(body: dict) -> dict[str, list[dict]]:
    filters: dict[str, list[dict]] = {}
    for level in enums.FILTER_LEVELS:
        items = body.get(level)
        if items is None:
            continue
        if not isinstance(items, list):
            raise bad_request(f"{level} must be a list")
        for item in items:
            validate_filter(level, item)
        if items:
            filters[level] = items
    return filters


def _validate_paging(body: dict, default_size: int, max_size: int, max_depth: int) -> tuple[int, int]:
    paging = body.get("paging")
    if paging is None:
        return default_size, 1
    if not isinstance(paging, dict) or set(paging) - {"pageSize", "pageNumber"}:
        raise bad_request("paging accepts only pageSize and pageNumber")
    size, number = paging.get("pageSize", default_size), paging.get("pageNumber", 1)
    if not isinstance(size, int) or not isinstance(number, int) or size < 1 or number < 1:
        raise bad_request("paging.pageSize and paging.pageNumber must be positive integers")
    if size > max_size:
        raise bad_request(f"paging.pageSize must be at most {max_size}")
    if size * number > max_depth:
        raise bad_request(f"pageNumber x pageSize must not exceed {max_depth}; use async jobs for bulk data")
    return size, number


def _validate_aggregations(body: dict) -> tuple[dict, ...]:
    aggregations = body.get("aggregations") or []
    if not isinstance(aggregations, list):
        raise bad_request("aggregations must be a list")
    for agg in aggregations:
        if not isinstance(agg, dict):
            raise bad_request("aggregations items must be objects")
        kind = check_enum("type", agg.get("type"), enums.AGGREGATION_TYPES)
        if kind == "termFrequency":
            check_enum("dimension", agg.get("dimension"), enums.CONVERSATION_DIMENSIONS + enums.SEGMENT_DIMENSIONS)
        else:
            check_enum("metric", agg.get("metric"), enums.CONVERSATION_METRICS)
            if not isinstance(agg.get("ranges"), list) or not agg["ranges"]:
                raise bad_request("numericRange aggregations need ranges")
    return tuple(aggregations)


def validate_details_query(body: Any, *, sync: bool, config) -> DetailsQuery:
    """A sync (``sync=True``) or async details body into a DetailsQuery, or an ApiError."""
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object")
    reject_unknown_fields(body, SYNC_FIELDS if sync else ASYNC_FIELDS)
    if "interval" not in body:
        raise bad_request("interval is required")
    start_ms, end_ms = parse_interval(body["interval"])
    order = check_enum("order", body.get("order", "asc"), enums.ORDER)
    order_by = check_enum("orderBy", body.get("orderBy", "conversationStart"), enums.ORDER_BY)
    filters = _validate_filters(body)
    if sync:
        max_days = config.sync_max_interval_days_filtered if filters else config.sync_max_interval_days
    else:
        max_days = config.job_max_interval_days
    if end_ms - start_ms > max_days * MS_PER_DAY:
        raise bad_request(f"The interval must not exceed {max_days} days")
    if not sync:
        limit = body.get("limit")
        if limit is not None and (not isinstance(limit, int) or limit < 1):
            raise bad_request("limit must be a positive integer")
        return DetailsQuery(
            start_ms,
            end_ms,
            order,
            order_by,
            filters,
            limit=limit,
            start_of_day_matching=bool(body.get("startOfDayIntervalMatching", False)),
        )
    size, number = _validate_paging(
        body, config.sync_default_page_size, config.sync_max_page_size, config.sync_max_depth
    )
    return DetailsQuery(start_ms, end_ms, order, order_by, filters, size, number, _validate_aggregations(body))
