"""What the conversation and users details jobs share on the wire: the status answer and the
bounds of a results page (state checks, pageSize, the signed cursor, scripted faults, the cap)."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request, Response

from genesys_emulator.service.errors import ApiError, bad_request
from genesys_emulator.service.jobs import ACTIVE_STATES, Job
from genesys_emulator.service.routes.common import int_param, json_response
from genesys_emulator.service.runtime import EmulatorRuntime


@dataclass(frozen=True)
class PageBounds:
    offset: int
    next_offset: int  # past the cap no page is served: the last one stops there, its cursor then gets the 400
    page_size: int


def status_response(runtime: EmulatorRuntime, job: Job) -> Response:
    status = runtime.config.job_pending_status_code if job.state in ACTIVE_STATES else 200
    return json_response(job.status_body(runtime.jobs.retention_ms), status_code=status)


def page_bounds(request: Request, runtime: EmulatorRuntime, job: Job, operation: str) -> PageBounds:
    """The slice of ``job.keys`` this results call serves, or the API's error."""
    config = runtime.config
    runtime.jobs.expire_if_scripted(job)
    if job.state in ("EXPIRED", "CANCELLED"):
        raise ApiError(config.results_gone_status, "not.found", f"Results of job {job.job_id} are no longer available")
    if job.state != "FULFILLED":
        raise ApiError(
            config.results_not_ready_status, "bad.request", f"Job {job.job_id} is {job.state}, not FULFILLED"
        )
    page_size = int_param(request, "pageSize", config.results_default_page_size, config.results_max_page_size)
    offset = 0
    cursor = request.query_params.get("cursor")
    if cursor:
        decoded = runtime.cursors.decode(cursor, job.job_id)
        if decoded is None or decoded > len(job.keys) or runtime.faults.take("reject_cursor", operation):
            raise bad_request("The cursor is invalid or does not belong to this job")
        offset = decoded
    if runtime.faults.take("skip_page", operation):  # the asked-for page is lost, the next one served
        offset = min(offset + page_size, len(job.keys))
    if offset >= config.max_job_results:
        raise bad_request(f"pagination may not exceed {config.max_job_results} results")
    return PageBounds(offset, min(offset + page_size, config.max_job_results), page_size)
