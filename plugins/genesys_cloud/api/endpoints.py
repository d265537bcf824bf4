"""Genesys Platform API v2 paths and wire formats, shared by the sync hook and the async triggers."""

from __future__ import annotations

from datetime import datetime

DETAILS_JOBS = "/api/v2/analytics/conversations/details/jobs"
DATA_AVAILABILITY = f"{DETAILS_JOBS}/availability"
# GET ?id=a,b,c: conversations by id (fact sheet §3.5), the open-conversation follow-up
CONVERSATION_DETAILS = "/api/v2/analytics/conversations/details"
AGGREGATES_QUERY = "/api/v2/analytics/conversations/aggregates/query"
USERS = "/api/v2/users"
QUEUES = "/api/v2/routing/queues"
WRAPUP_CODES = "/api/v2/routing/wrapupcodes"
DIVISIONS = "/api/v2/authorization/divisions"
DIVISIONS_PERMITTED_ME = "/api/v2/authorization/divisionspermitted/paged/me"


def details_job(job_id: str) -> str:
    return f"{DETAILS_JOBS}/{job_id}"


def details_job_results(job_id: str) -> str:
    return f"{DETAILS_JOBS}/{job_id}/results"


def parse_timestamp(value: str) -> datetime:
    """Genesys ISO-8601 timestamps (``...Z``) as aware datetimes."""
    return datetime.fromisoformat(value.replace("Z", "+00:00"))
