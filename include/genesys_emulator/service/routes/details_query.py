"""Synchronous conversation details: the paged query and the single/multi get by id."""

from __future__ import annotations

from collections import Counter

from fastapi import APIRouter, Request, Response

from genesys_emulator.config import ClientConfig
from genesys_emulator.service.errors import ApiError, bad_request
from genesys_emulator.service.filters import conversation_metric_values, dimension_values
from genesys_emulator.service.routes.common import (
    DETAIL_PERMISSIONS,
    authorize,
    json_response,
    read_json_body,
    runtime_of,
)
from genesys_emulator.service.runtime import EmulatorRuntime
from genesys_emulator.service.validation import validate_details_query

router = APIRouter()


def _aggregation_result(agg: dict, records: list[dict]) -> dict:
    """termFrequency / numericRange roll-ups over every matching record (not just the page)."""
    if agg["type"] == "termFrequency":
        counts: Counter[str] = Counter()
        for record in records:
            counts.update(dimension_values(record, agg["dimension"]))
        top = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[: agg.get("size", 10)]
        results = [{"value": value, "count": count} for value, count in top]
        return {"type": "termFrequency", "dimension": agg["dimension"], "count": len(results), "results": results}
    results = []
    for bucket in agg["ranges"]:
        low, high = bucket.get("gte", float("-inf")), bucket.get("lt", float("inf"))
        count = sum(
            1 for record in records if any(low <= v < high for v in conversation_metric_values(record, agg["metric"]))
        )
        results.append({**{k: bucket[k] for k in ("gte", "lt") if k in bucket}, "count": count})
    return {"type": "numericRange", "metric": agg["metric"], "count": len(results), "results": results}


@router.post("/api/v2/analytics/conversations/details/query")
async def post_analytics_conversations_details_query(request: Request) -> Response:
    token = authorize(request, "post_analytics_conversations_details_query", DETAIL_PERMISSIONS)
    runtime = runtime_of(request)
    config = runtime.config
    query = validate_details_query(await read_json_body(request), sync=True, config=config)
    horizon = runtime.sync_horizon_ms()
    keys = runtime.details_keys(
        query, semantics=config.sync_interval_semantics, available_until_ms=horizon, client=token.client
    )
    first = (query.page_number - 1) * query.page_size
    page = keys[first : first + query.page_size]
    body: dict = {"totalHits": len(keys)}
    if page or not config.sync_empty_page_omits_conversations:
        body["conversations"] = [runtime.dataset.record_without_attributes(k, horizon) for k in page]
    if query.aggregations:
        records = [runtime.dataset.record(k, horizon) for k in keys]
        body["aggregations"] = [_aggregation_result(agg, records) for agg in query.aggregations]
    return json_response(body)


def _locate_records(runtime: EmulatorRuntime, client: ClientConfig, conversation_ids: list[str]) -> list[dict]:
    """The org's records now (frozen: those ended by now), in the client's divisions."""
    now = runtime.org_now_ms()
    located = [runtime.dataset.locate(i) for i in conversation_ids]
    keys = [k for k in located if k is not None and runtime.dataset.exists_as_of(k, now)]
    return [runtime.dataset.record_without_attributes(k, now) for k in runtime.visible_to(client, keys)]


@router.get("/api/v2/analytics/conversations/details")
async def get_analytics_conversations_details(request: Request) -> Response:
    token = authorize(request, "get_analytics_conversations_details", DETAIL_PERMISSIONS)
    runtime = runtime_of(request)
    ids = [i for raw in request.query_params.getlist("id") for i in raw.split(",") if i]
    if not ids:
        raise bad_request("At least one id is required")
    if len(ids) > runtime.config.multiget_max_ids:
        raise bad_request(f"At most {runtime.config.multiget_max_ids} ids may be requested")
    return json_response({"conversations": _locate_records(runtime, token.client, ids)})


@router.get("/api/v2/analytics/conversations/{conversation_id}/details")
async def get_analytics_conversation_details(request: Request, conversation_id: str) -> Response:
    token = authorize(request, "get_analytics_conversation_details", DETAIL_PERMISSIONS)
    records = _locate_records(runtime_of(request), token.client, [conversation_id])
    if not records:
        raise ApiError(404, "not.found", f"Conversation {conversation_id} was not found")
    return json_response(records[0])
