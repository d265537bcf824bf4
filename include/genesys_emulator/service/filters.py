"""Evaluation of details-query filters (and/or, clauses, predicates) over records.

Each filter level sees the record through its own "contexts": one per conversation for
conversation filters, one per segment (with its session and participant) for segment
filters, one per evaluation/survey/resolution item for those levels. A filter object
matches when at least one context satisfies it as a whole, and every filter object of every
level must match, which is how the real API narrows results.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

Context = dict[str, Any]

# Dimensions whose values live under another (usually plural) key.
_ALIASES = {
    "accessAttribute": "accessAttributes",
    "divisionId": "divisionIds",
    "requestedRouting": "requestedRoutings",
    "callbackNumber": "callbackNumbers",
    "requestedRoutingSkillId": "requestedRoutingSkillIds",
    "sipResponseCode": "sipResponseCodes",
}


def _as_strings(value: Any) -> list[str]:
    if type(value) is str:  # the common case, on the hot path of aggregates
        return [value]
    items = value if isinstance(value, list) else [value]
    return [str(v).lower() if isinstance(v, bool) else str(v) for v in items if v is not None]


def _ms(text: str) -> int:
    return int(datetime.fromisoformat(text).timestamp() * 1000)


def _segment_contexts(conversation: dict) -> Iterator[Context]:
    for participant in conversation.get("participants", []):
        for session in participant.get("sessions", []):
            for segment in session.get("segments", []):
                layers = (segment, session, session.get("flow") or {}, participant, conversation)
                yield {"layers": layers, "segment": segment, "session": session}


def _item_contexts(key: str):
    def contexts(conversation: dict) -> Iterator[Context]:
        for item in conversation.get(key, []):
            yield {"layers": (item,), "metrics": item}

    return contexts


def _conversation_contexts(conversation: dict) -> Iterator[Context]:
    yield {"layers": (conversation,), "conversation": conversation}


CONTEXTS = {
    "conversationFilters": _conversation_contexts,
    "segmentFilters": _segment_contexts,
    "evaluationFilters": _item_contexts("evaluations"),
    "surveyFilters": _item_contexts("surveys"),
    "resolutionFilters": _item_contexts("resolutions"),
    "aggregateFilter": _segment_contexts,
}


def _dimension_values(ctx: Context, dimension: str) -> list[str]:
    """The innermost layer that has the field wins (segment, session, its flow, participant,
    conversation)."""
    key = _ALIASES.get(dimension, dimension)
    for layer in ctx["layers"]:
        if key in layer:
            return _as_strings(layer[key])
    return []


def _metric_values(ctx: Context, metric: str) -> list[float]:
    if metric == "tSegmentDuration" and "segment" in ctx:
        seg = ctx["segment"]
        return [_ms(seg["segmentEnd"]) - _ms(seg["segmentStart"])] if "segmentEnd" in seg else []
    if "conversation" in ctx:
        return [
            m["value"]
            for p in ctx["conversation"].get("participants", [])
            for s in p.get("sessions", [])
            for m in s.get("metrics", [])
            if m.get("name") == metric
        ]
    value = ctx.get("metrics", {}).get(metric)
    return [] if value is None else [value]


def _property_values(ctx: Context, name: str) -> list[str]:
    segment = ctx.get("segment") or {}
    return [str(p.get("value")) for p in segment.get("properties", []) if p.get("property") == name]


def _in_range(value: float, rng: dict) -> bool:
    return (
        ("gt" not in rng or value > rng["gt"])
        and ("gte" not in rng or value >= rng["gte"])
        and ("lt" not in rng or value < rng["lt"])
        and ("lte" not in rng or value <= rng["lte"])
    )


def predicate_matches(ctx: Context, predicate: dict) -> bool:
    if "metric" in predicate:
        values: list = _metric_values(ctx, predicate["metric"])
    elif "dimension" in predicate:
        values = _dimension_values(ctx, predicate["dimension"])
    else:
        values = _property_values(ctx, predicate["property"])
    operator = predicate.get("operator", "matches")
    if operator == "exists":
        return bool(values)
    if operator == "notExists":
        return not values
    if "range" in predicate:
        return any(_in_range(float(v), predicate["range"]) for v in values)
    return str(predicate.get("value")) in [str(v) for v in values]


def filter_matches(ctx: Context, item: dict) -> bool:
    results = [filter_matches(ctx, clause) for clause in item.get("clauses") or []]
    results += [predicate_matches(ctx, p) for p in item.get("predicates") or []]
    return all(results) if item["type"] == "and" else any(results)


def record_matches(conversation: dict, filters: dict[str, list[dict]]) -> bool:
    """True when every filter object of every level matches some context of the record."""
    for level, items in filters.items():
        for item in items:
            if not any(filter_matches(ctx, item) for ctx in CONTEXTS[level](conversation)):
                return False
    return True


def dimension_values(conversation: dict, dimension: str) -> set[str]:
    """Every value a conversation or any of its segments has for ``dimension`` (term facets)."""
    values = set(_dimension_values(next(_conversation_contexts(conversation)), dimension))
    for ctx in _segment_contexts(conversation):
        values.update(_dimension_values(ctx, dimension))
    return values


def session_dimension_values(conversation: dict, participant: dict, session: dict, dimension: str) -> set[str]:
    """:func:`dimension_values` of the conversation narrowed to one of its sessions (an aggregate
    group), without copying the record: a conversation-level value plus its segments' values."""
    key = _ALIASES.get(dimension, dimension)
    values = set(_as_strings(conversation[key])) if key in conversation else set()
    layers = (session, session.get("flow") or {}, participant, conversation)
    for segment in session.get("segments", []):
        for layer in (segment, *layers):
            if key in layer:
                values.update(_as_strings(layer[key]))
                break
    return values


def conversation_metric_values(conversation: dict, metric: str) -> list[float]:
    return _metric_values(next(_conversation_contexts(conversation)), metric)
