"""Async conversation detail jobs: submit, poll, page results by cursor, delete, availability."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from genesys_emulator.service.errors import ApiError, too_many_requests
from genesys_emulator.service.jobs import Job
from genesys_emulator.service.routes.common import (
    AVAILABILITY_PERMISSIONS,
    DETAIL_PERMISSIONS,
    authorize,
    json_response,
    raw_json_response,
    read_json_body,
    runtime_of,
)
from genesys_emulator.service.routes.job_pages import page_bounds, status_response
from genesys_emulator.service.validation import validate_details_query

router = APIRouter()
JOBS = "/api/v2/analytics/conversations/details/jobs"


@router.post(JOBS)
async def post_analytics_conversations_details_jobs(request: Request) -> Response:
    operation = "post_analytics_conversations_details_jobs"
    token = authorize(request, operation, DETAIL_PERMISSIONS)
    runtime = runtime_of(request)
    config = runtime.config
    query = validate_details_query(await read_json_body(request), sync=False, config=config)
    client_id = token.client.client_id
    if runtime.jobs.active_count(client_id) >= config.job_max_active_per_client:
        raise too_many_requests(config.too_many_requests_code, 5)
    if runtime.jobs.active_count() >= config.job_max_active_per_org:
        raise too_many_requests(config.too_many_requests_code, 5)
    as_of_ms = runtime.job_horizon_ms()
    keys = runtime.details_keys(query, semantics="overlap", available_until_ms=as_of_ms, client=token.client)
    expire_fault = runtime.faults.take("expire_job", operation)
    job = runtime.jobs.submit(
        client_id,
        keys,
        as_of_ms=as_of_ms,
        fail=runtime.faults.take("fail_job", operation) is not None,
        expire_after_pages=int(expire_fault.params.get("after_pages", 0)) if expire_fault else None,
    )
    if config.results_prefetch:
        runtime.dataset.prefetch(keys[: config.results_max_page_size], as_of_ms)
    return json_response({"jobId": job.job_id}, status_code=202)


# Registered before the {job_id} route so "availability" is not taken for a job id.
@router.get(JOBS + "/availability")
async def get_analytics_conversations_details_jobs_availability(request: Request) -> Response:
    authorize(request, "get_analytics_conversations_details_jobs_availability", AVAILABILITY_PERMISSIONS)
    return json_response({"dataAvailabilityDate": runtime_of(request).watermark_iso()})


def _job_or_404(request: Request, job_id: str, *, polled: bool = False) -> Job:
    job = runtime_of(request).jobs.get(job_id, polled=polled)
    if job is None:
        raise ApiError(404, "not.found", f"Job {job_id} was not found")
    return job


@router.get(JOBS + "/{job_id}")
async def get_analytics_conversations_details_job(request: Request, job_id: str) -> Response:
    authorize(request, "get_analytics_conversations_details_job", DETAIL_PERMISSIONS)
    return status_response(runtime_of(request), _job_or_404(request, job_id, polled=True))


@router.get(JOBS + "/{job_id}/results")
async def get_analytics_conversations_details_job_results(request: Request, job_id: str) -> Response:
    operation = "get_analytics_conversations_details_job_results"
    authorize(request, operation, DETAIL_PERMISSIONS)
    runtime = runtime_of(request)
    config = runtime.config
    job = _job_or_404(request, job_id)
    bounds = page_bounds(request, runtime, job, operation)
    offset, next_offset, page_size = bounds.offset, bounds.next_offset, bounds.page_size
    tail = b'],"dataAvailabilityDate":"' + runtime.watermark_iso().encode() + b'"'
    if next_offset < len(job.keys):
        tail += b',"cursor":"' + runtime.cursors.encode(job_id, next_offset).encode() + b'"'
    served = [runtime.dataset.record_bytes(k, job.as_of_ms) for k in job.keys[offset:next_offset]]
    hostile = runtime.faults.hostile_values()
    records = b",".join(served if hostile is None else map(hostile.rewrite, served))
    if config.results_prefetch:
        runtime.dataset.prefetch(job.keys[next_offset : next_offset + page_size], job.as_of_ms)
    runtime.jobs.record_page_served(job)
    return raw_json_response(b'{"conversations":[' + records + tail + b"}")


@router.delete(JOBS + "/{job_id}")
async def delete_analytics_conversations_details_job(request: Request, job_id: str) -> Response:
    authorize(request, "delete_analytics_conversations_details_job", DETAIL_PERMISSIONS)
    if not runtime_of(request).jobs.cancel(job_id):
        raise ApiError(404, "not.found", f"Job {job_id} was not found")
    return Response(status_code=204)
