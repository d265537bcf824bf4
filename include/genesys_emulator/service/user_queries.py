"""Validation and filter matching of the users analytics bodies (details jobs, aggregates).

Enums are SDK 269's: ``AsyncUserDetailsQuery`` (interval, userFilters, presenceFilters,
routingStatusFilters, order, limit), the predicates' dimensions (userId; systemPresence and
organizationPresenceId; routingStatus), ``UserAggregationQuery`` and its view targets.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from genesys_emulator.service.errors import bad_request
from genesys_emulator.service.validation import check_enum, parse_interval, reject_unknown_fields

DETAIL_FIELDS = frozenset({"interval", "userFilters", "presenceFilters", "routingStatusFilters", "order", "limit"})
FILTER_DIMENSIONS = {
    "userFilters": ("userId",),
    "presenceFilters": ("systemPresence", "organizationPresenceId"),
    "routingStatusFilters": ("routingStatus",),
}
ORDERS = ("asc", "desc", "unordered")
AGGREGATE_METRICS = ("tAgentRoutingStatus", "tOrganizationPresence", "tSystemPresence")
AGGREGATE_GROUP_BY = ("userId",)
AGGREGATE_FIELDS = frozenset(
    {"interval", "granularity", "timeZone", "groupBy", "filter", "metrics", "flattenMultivaluedDimensions", "views"}
)


@dataclass(frozen=True)
class UsersDetailsQuery:
    start_ms: int
    end_ms: int
    order: str = "asc"
    limit: int | None = None
    filters: dict[str, list[dict]] = field(default_factory=dict)


def _validate_filter(level: str, item: Any, depth: int = 0) -> None:
    if not isinstance(item, dict):
        raise bad_request(f"{level} items must be objects")
    check_enum("type", item.get("type"), ("and", "or"))
    predicates, clauses = item.get("predicates") or [], item.get("clauses") or []
    if not isinstance(predicates, list) or not isinstance(clauses, list) or not (predicates or clauses):
        raise bad_request(f"{level} filter needs clauses or predicates (lists)")
    if clauses and depth:
        raise bad_request("Filters support at most two levels of nesting")
    for clause in clauses:
        _validate_filter(level, clause, depth + 1)
    for predicate in predicates:
        if not isinstance(predicate, dict):
            raise bad_request(f"{level} predicates must be objects")
        check_enum("type", predicate.get("type", "dimension"), ("dimension",))
        check_enum("dimension", predicate.get("dimension"), FILTER_DIMENSIONS[level])
        operator = check_enum("operator", predicate.get("operator", "matches"), ("matches", "exists", "notExists"))
        if operator == "matches" and not isinstance(predicate.get("value"), str):
            raise bad_request(f"{level} predicate with operator matches needs a string value")


def _predicate_holds(predicate: dict, values: dict[str, str]) -> bool:
    value = values.get(predicate["dimension"])
    operator = predicate.get("operator", "matches")
    if operator == "exists":
        return value is not None
    if operator == "notExists":
        return value is None
    return value == predicate["value"]


def filter_matches(item: dict, values: dict[str, str]) -> bool:
    """One filter object over one record's dimension values."""
    results = [_predicate_holds(p, values) for p in item.get("predicates") or []]
    results += [filter_matches(c, values) for c in item.get("clauses") or []]
    return all(results) if item["type"] == "and" else any(results)


def all_match(items: list[dict], values: dict[str, str]) -> bool:
    return all(filter_matches(item, values) for item in items)


def validate_users_details_query(body: Any) -> UsersDetailsQuery:
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object")
    reject_unknown_fields(body, DETAIL_FIELDS)
    start_ms, end_ms = parse_interval(body.get("interval"))
    filters: dict[str, list[dict]] = {}
    for level in FILTER_DIMENSIONS:
        items = body.get(level)
        if items is None:
            continue
        if not isinstance(items, list):
            raise bad_request(f"{level} must be a list")
        for item in items:
            _validate_filter(level, item)
        if items:
            filters[level] = items
    order = check_enum("order", body.get("order", "asc"), ORDERS)
    limit = body.get("limit")
    if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or limit < 1):
        raise bad_request("limit must be a positive integer")
    return UsersDetailsQuery(start_ms, end_ms, order, limit, filters)
