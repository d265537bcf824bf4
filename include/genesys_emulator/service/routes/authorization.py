"""Which divisions exist and which the caller may read: what a client checks before it trusts
that a details extraction covers the whole org (a role grants permissions per division)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from genesys_emulator.service.errors import bad_request
from genesys_emulator.service.routes.common import NO_PERMISSIONS, authorize, json_response, runtime_of
from genesys_emulator.service.routes.lookups import entity_listing

router = APIRouter()
DIVISIONS_MAX_PAGE_SIZE = 500  # UNCONFIRMED


def _divisions(request: Request) -> list[dict]:
    return runtime_of(request).dataset.generator.reference_data().divisions


@router.get("/api/v2/authorization/divisions")
async def get_authorization_divisions(request: Request) -> Response:
    """AuthzDivisionEntityListing of every division of the org (optionally by id or name)."""
    authorize(request, "get_authorization_divisions", NO_PERMISSIONS)
    divisions = _divisions(request)
    ids = {i for raw in request.query_params.getlist("id") for i in raw.split(",") if i}
    if ids:
        divisions = [d for d in divisions if d["id"] in ids]
    name = request.query_params.get("name")
    if name:
        divisions = [d for d in divisions if d["name"].lower() == name.strip("*").lower()]
    return json_response(entity_listing(request, divisions, DIVISIONS_MAX_PAGE_SIZE))


@router.get("/api/v2/authorization/divisionspermitted/paged/me")
async def get_authorization_divisionspermitted_paged_me(request: Request) -> Response:
    """DivsPermittedEntityListing: the divisions in which the caller holds ``permission``."""
    token = authorize(request, "get_authorization_divisionspermitted_paged_me", NO_PERMISSIONS)
    permission = request.query_params.get("permission")
    if not permission:
        raise bad_request("permission is required, e.g. analytics:conversationDetail:view")
    client = token.client
    held = permission in client.roles
    divisions = [d for d in _divisions(request) if held and client.sees_division_of([d["id"]])]
    body = entity_listing(request, divisions, DIVISIONS_MAX_PAGE_SIZE)
    body["allDivsPermitted"] = held and client.divisions == "all"
    return json_response(body)
