"""The org's published limits: ``GET /api/v2/organizations/limits/namespaces/{namespaceName}``.

A LimitsEntityListing (``{"entities": [{"key", "namespace", "value"}]}``, SDK ``Limit``) with the
values this emulator enforces, so a client that sizes itself from them meets exactly the limits
it reads: the per-token rate (``rate_limit_requests`` per ``rate_limit_window_seconds``, as per
minute) and the details jobs one client may run at once (``job_max_active_per_client``). The key
names are UNCONFIRMED (fact sheet 12); the pipeline's defaults read these. Permission
``limits:organization:view``; a namespace the emulator publishes nothing for answers 404.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request, Response

from genesys_emulator.config import EmulatorConfig
from genesys_emulator.service.errors import ApiError
from genesys_emulator.service.routes.common import authorize, json_response, runtime_of

router = APIRouter()
LIMITS_PERMISSIONS = ("limits:organization:view",)
RATE_KEY = ("platform.api", "client.credentials.token.rate.per.minute")
JOBS_KEY = ("analytics", "conversation.details.jobs.concurrent.access.max")


def _rate_per_minute(config: EmulatorConfig) -> int:
    return max(1, round(config.rate_limit_requests * 60 / config.rate_limit_window_seconds))


PUBLISHED: dict[tuple[str, str], Callable[[EmulatorConfig], int]] = {
    RATE_KEY: _rate_per_minute,
    JOBS_KEY: lambda config: config.job_max_active_per_client,
}


@router.get("/api/v2/organizations/limits/namespaces/{namespace_name}")
async def get_organizations_limits_namespace(request: Request, namespace_name: str) -> Response:
    authorize(request, "get_organizations_limits_namespace", LIMITS_PERMISSIONS)
    config = runtime_of(request).config
    entities = [
        {"key": key, "namespace": namespace, "value": value_of(config)}
        for (namespace, key), value_of in PUBLISHED.items()
        if namespace == namespace_name
    ]
    if not entities:
        raise ApiError(404, "not.found")
    return json_response({"entities": entities})
