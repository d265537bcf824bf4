"""Async users details jobs (agent presence and routing status): submit, poll, page results
by cursor, delete, availability; and the presence definitions the records refer to.

Same state machine, cursors, limits and faults as the conversation jobs (``jobs.py``): a job
snapshots which users match at submit and serves their intervals as the org had them then.
Users are paged in userId order; a client sees only the users of its divisions.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from genesys_emulator.service.errors import ApiError, bad_request, too_many_requests
from genesys_emulator.service.jobs import Job
from genesys_emulator.service.routes.common import (
    authorize,
    json_response,
    read_json_body,
    runtime_of,
)
from genesys_emulator.service.routes.job_pages import page_bounds, status_response
from genesys_emulator.service.runtime import EmulatorRuntime
from genesys_emulator.service.user_queries import UsersDetailsQuery, all_match, validate_users_details_query
from genesys_emulator.world.agent_timeline import Timeline

router = APIRouter()
JOBS = "/api/v2/analytics/users/details/jobs"
USER_DETAIL_PERMISSIONS = ("analytics:userDetail:view",)
PRESENCE_PERMISSIONS = ("presence:presenceDefinition:view",)


def _matching_users(runtime: EmulatorRuntime, query: UsersDetailsQuery, client) -> list[str]:
    users = runtime.dataset.agent_activity.users
    ids = [u["id"] for u in users if client.sees_division_of([u["division"]["id"]])]
    ids = [i for i in ids if all_match(query.filters.get("userFilters", []), {"userId": i})]
    ids = sorted(ids, reverse=query.order == "desc")
    return ids[: query.limit] if query.limit else ids


def _filtered(timeline: Timeline, query: UsersDetailsQuery) -> dict:
    detail = timeline.detail()
    presence_filters = query.filters.get("presenceFilters", [])
    routing_filters = query.filters.get("routingStatusFilters", [])
    detail["primaryPresence"] = [r for r in detail["primaryPresence"] if all_match(presence_filters, r)]
    detail["routingStatus"] = [r for r in detail["routingStatus"] if all_match(routing_filters, r)]
    return detail


@router.post(JOBS)
async def post_analytics_users_details_jobs(request: Request) -> Response:
    operation = "post_analytics_users_details_jobs"
    token = authorize(request, operation, USER_DETAIL_PERMISSIONS)
    runtime = runtime_of(request)
    config = runtime.config
    query = validate_users_details_query(await read_json_body(request))
    if query.end_ms - query.start_ms > config.job_max_interval_days * 86_400_000:
        raise bad_request(f"The interval must not exceed {config.job_max_interval_days} days")
    client_id = token.client.client_id
    if runtime.jobs.active_count(client_id) >= config.job_max_active_per_client:
        raise too_many_requests(config.too_many_requests_code, 5)
    job = runtime.jobs.submit(
        client_id,
        _matching_users(runtime, query, token.client),
        as_of_ms=runtime.job_horizon_ms(),
        fail=runtime.faults.take("fail_job", operation) is not None,
        expire_after_pages=None,
        query=query,
    )
    return json_response({"jobId": job.job_id}, status_code=202)


@router.get(JOBS + "/availability")
async def get_analytics_users_details_jobs_availability(request: Request) -> Response:
    authorize(request, "get_analytics_users_details_jobs_availability", USER_DETAIL_PERMISSIONS)
    return json_response({"dataAvailabilityDate": runtime_of(request).watermark_iso()})


def _users_job(request: Request, job_id: str, *, polled: bool = False) -> Job:
    job = runtime_of(request).jobs.get(job_id, polled=polled)
    if job is None or not isinstance(job.query, UsersDetailsQuery):
        raise ApiError(404, "not.found", f"Job {job_id} was not found")
    return job


@router.get(JOBS + "/{job_id}")
async def get_analytics_users_details_job(request: Request, job_id: str) -> Response:
    authorize(request, "get_analytics_users_details_job", USER_DETAIL_PERMISSIONS)
    return status_response(runtime_of(request), _users_job(request, job_id, polled=True))


@router.get(JOBS + "/{job_id}/results")
async def get_analytics_users_details_job_results(request: Request, job_id: str) -> Response:
    operation = "get_analytics_users_details_job_results"
    authorize(request, operation, USER_DETAIL_PERMISSIONS)
    runtime = runtime_of(request)
    job = _users_job(request, job_id)
    bounds = page_bounds(request, runtime, job, operation)
    offset, next_offset = bounds.offset, bounds.next_offset
    query: UsersDetailsQuery = job.query
    timelines = runtime.dataset.agent_activity.timelines(
        query.start_ms, query.end_ms, job.as_of_ms, job.keys[offset:next_offset]
    )
    body: dict = {"userDetails": [_filtered(t, query) for t in timelines]}
    body["dataAvailabilityDate"] = runtime.watermark_iso()
    if next_offset < len(job.keys):
        body["cursor"] = runtime.cursors.encode(job_id, next_offset)
    runtime.jobs.record_page_served(job)
    return json_response(body)


@router.delete(JOBS + "/{job_id}")
async def delete_analytics_users_details_job(request: Request, job_id: str) -> Response:
    authorize(request, "delete_analytics_users_details_job", USER_DETAIL_PERMISSIONS)
    _users_job(request, job_id)
    runtime_of(request).jobs.cancel(job_id)
    return Response(status_code=204)


@router.get("/api/v2/presence/definitions")
async def get_presence_definitions(request: Request) -> Response:
    """OrganizationPresenceDefinitionEntityListing (not paged)."""
    authorize(request, "get_presence_definitions", PRESENCE_PERMISSIONS)
    entities = runtime_of(request).dataset.agent_activity.definitions.entities
    return json_response({"total": len(entities), "entities": entities, "selfUri": "/api/v2/presence/definitions"})
