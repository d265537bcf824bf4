"""What every API handler does first: find the runtime, check the bearer token, charge the
rate limiter, check roles, and read a JSON body with the platform's size and type rules."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import Request, Response

from genesys_emulator.service.errors import ApiError, bad_request, missing_any_permissions, too_many_requests
from genesys_emulator.service.runtime import EmulatorRuntime
from genesys_emulator.service.tokens import Token

DETAIL_PERMISSIONS = ("analytics:conversationDetail:view", "analytics:agentConversationDetail:view")
AVAILABILITY_PERMISSIONS = ("analytics:conversationDetail:view",)
AGGREGATE_PERMISSIONS = ("analytics:conversationAggregate:view",)
QUEUE_PERMISSIONS = ("routing:queue:view",)
WRAPUP_PERMISSIONS = ("routing:wrapupCode:view",)
NO_PERMISSIONS: tuple[str, ...] = ()


def runtime_of(request: Request) -> EmulatorRuntime:
    return request.app.state.runtime


def authorize(request: Request, operation: str, any_of: tuple[str, ...]) -> Token:
    """The caller's token after auth, rate limiting and role checks, or an ApiError."""
    runtime = runtime_of(request)
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise ApiError(401, "authentication.required")
    token, expired = runtime.tokens.lookup(value.strip())
    if token is None:
        raise ApiError(401, "bad.credentials")
    if expired:
        raise ApiError(401, runtime.config.expired_token_code)
    runtime.request_log.record(token.client.client_id)
    config = runtime.config
    allowed = config.rate_limit_route_overrides.get(operation, config.rate_limit_requests)
    bucket = operation if operation in config.rate_limit_route_overrides else "default"
    status = runtime.limiter.hit(token.value, bucket, allowed)
    request.state.ratelimit = status
    if status.exceeded:
        raise too_many_requests(config.too_many_requests_code, status.reset_seconds)
    if any_of and not set(any_of) & set(token.client.roles):
        raise missing_any_permissions(any_of)
    return token


async def read_json_body(request: Request) -> Any:
    """The parsed body; 413 over the size limit, 415 unless JSON, 400 when malformed."""
    limit = runtime_of(request).config.max_request_bytes
    raw = await request.body()
    if len(raw) > limit:
        raise payload_too_large(limit)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise ApiError(415, "unsupported.media.type")
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise bad_request("The request could not be understood by the server due to malformed syntax.") from None


def payload_too_large(limit: int) -> ApiError:
    return ApiError(
        413,
        "request.entity.too.large",
        f"The request is over the size limit. Maximum bytes: {limit}",
        message_with_params="The request is over the size limit. Maximum bytes: {maxBytes}",
        message_params={"maxBytes": str(limit)},
    )


def int_param(request: Request, name: str, default: int, maximum: int) -> int:
    """A positive integer query parameter capped at ``maximum`` (400 beyond)."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise bad_request(f"{name} must be a positive integer")
    if int(raw) > maximum:
        raise bad_request(f"{name} must be at most {maximum}")
    return int(raw)


def json_response(payload: Any, status_code: int = 200) -> Response:
    """orjson-encoded JSON: FastAPI's jsonable_encoder would dominate large pages."""
    return raw_json_response(orjson.dumps(payload), status_code)


def raw_json_response(body: bytes, status_code: int = 200) -> Response:
    return Response(content=body, status_code=status_code, media_type="application/json")
