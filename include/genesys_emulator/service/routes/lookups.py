"""Lookup lists for enrichment: users, routing queues, wrap-up codes (entity-listing envelope)."""

from __future__ import annotations

import math
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response

from genesys_emulator.service.errors import bad_request
from genesys_emulator.service.routes.common import (
    NO_PERMISSIONS,
    QUEUE_PERMISSIONS,
    WRAPUP_PERMISSIONS,
    authorize,
    int_param,
    json_response,
    runtime_of,
)

router = APIRouter()
USER_STATES = ("active", "inactive", "deleted", "any")


def _ids(request: Request) -> set[str]:
    return {i for raw in request.query_params.getlist("id") for i in raw.split(",") if i}


def entity_listing(request: Request, entities: list[dict], max_page_size: int) -> dict:
    """The shared envelope: entities, paging numbers and first/self/next/previous/last URIs."""
    page_size = int_param(request, "pageSize", 25, max_page_size)
    page_number = int_param(request, "pageNumber", 1, 1_000_000)
    total = len(entities)
    page_count = max(1, math.ceil(total / page_size))
    path = request.url.path
    extra = [(k, v) for k, v in request.query_params.multi_items() if k not in ("pageSize", "pageNumber")]

    def uri(number: int) -> str:
        return f"{path}?{urlencode([('pageSize', page_size), ('pageNumber', number), *extra])}"

    body = {
        "entities": entities[(page_number - 1) * page_size : page_number * page_size],
        "pageSize": page_size,
        "pageNumber": page_number,
        "total": total,
        "pageCount": page_count,
        "firstUri": uri(1),
        "selfUri": uri(page_number),
        "lastUri": uri(page_count),
    }
    if page_number < page_count:
        body["nextUri"] = uri(page_number + 1)
    if page_number > 1:
        body["previousUri"] = uri(page_number - 1)
    return body


def _sorted(entities: list[dict], request: Request, key: str = "name") -> list[dict]:
    descending = request.query_params.get("sortOrder", "asc").lower() in ("desc", "descending")
    return sorted(entities, key=lambda e: e[key].lower(), reverse=descending)


def _by_id(entities: list[dict], request: Request) -> list[dict]:
    ids = _ids(request)
    return [e for e in entities if e["id"] in ids] if ids else entities


@router.get("/api/v2/users")
async def get_users(request: Request) -> Response:
    authorize(request, "get_users", NO_PERMISSIONS)
    runtime = runtime_of(request)
    state = request.query_params.get("state", "active")
    if state not in USER_STATES:
        raise bad_request(f"state must be one of {', '.join(USER_STATES)}")
    users = runtime.dataset.generator.reference_data().users
    if state != "any":
        users = [u for u in users if u["state"] == state]
    users = _sorted(_by_id(users, request), request)
    return json_response(entity_listing(request, users, runtime.config.users_max_page_size))


@router.get("/api/v2/routing/queues")
async def get_routing_queues(request: Request) -> Response:
    authorize(request, "get_routing_queues", QUEUE_PERMISSIONS)
    runtime = runtime_of(request)
    queues = _by_id(runtime.dataset.generator.reference_data().queues, request)
    name = request.query_params.get("name")
    if name:
        needle = name.strip("*").lower()
        queues = [q for q in queues if needle in q["name"].lower()]
    return json_response(entity_listing(request, _sorted(queues, request), runtime.config.queues_max_page_size))


@router.get("/api/v2/routing/wrapupcodes")
async def get_routing_wrapupcodes(request: Request) -> Response:
    authorize(request, "get_routing_wrapupcodes", WRAPUP_PERMISSIONS)
    runtime = runtime_of(request)
    codes = _by_id(runtime.dataset.generator.reference_data().wrapup_codes, request)
    sort_by = request.query_params.get("sortBy", "name")
    if sort_by not in ("name", "id"):
        raise bad_request("sortBy must be name or id")
    return json_response(
        entity_listing(request, _sorted(codes, request, sort_by), runtime.config.wrapupcodes_max_page_size)
    )
