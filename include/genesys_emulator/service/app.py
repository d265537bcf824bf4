"""``create_app(config)``: a FastAPI app with its own fresh emulator state.

Framework errors (unknown path, wrong method, unparsable parameters) are mapped to the
platform ErrorBody too, so a client never sees FastAPI's ``{"detail": ...}`` shape.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from genesys_emulator.config import EmulatorConfig
from genesys_emulator.service.errors import ApiError, OAuthError, status_error
from genesys_emulator.service.middleware import EmulatorMiddleware
from genesys_emulator.service.routes import (
    aggregates,
    authorization,
    control,
    details_jobs,
    details_query,
    limits,
    lookups,
    oauth,
    users_aggregates,
    users_details_jobs,
)
from genesys_emulator.service.routes.common import json_response
from genesys_emulator.service.runtime import EmulatorRuntime


def _correlation_id(request: Request) -> str:
    return request.scope.get("state", {}).get("correlation_id", "")


async def _api_error(request: Request, exc: ApiError) -> Response:
    response = json_response(exc.body(_correlation_id(request)), exc.status)
    response.headers.update(exc.headers)
    return response


async def _oauth_error(request: Request, exc: OAuthError) -> Response:
    return json_response(exc.body(), exc.status)


async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
    error = ApiError(404, "not.found") if exc.status_code == 404 else status_error(exc.status_code)
    if exc.status_code == 405:
        error = ApiError(405, "method.not.allowed", "HTTP method not allowed for this resource.")
    return await _api_error(request, error)


async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
    return await _api_error(request, ApiError(400, "bad.request", "Invalid request parameters."))


def create_app(config: EmulatorConfig | None = None) -> FastAPI:
    """A new emulator app; ``POST /_emulator/reset`` rebuilds its state from ``config``."""
    base_config = config or EmulatorConfig()
    app = FastAPI(title="Genesys Cloud emulator", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.base_config = base_config
    app.state.runtime = EmulatorRuntime(base_config)
    for module in (
        oauth,
        details_jobs,
        details_query,
        aggregates,
        lookups,
        authorization,
        limits,
        users_details_jobs,
        users_aggregates,
        control,
    ):
        app.include_router(module.router)
    # Starlette types every handler as taking Exception, though it calls one only with the class it was
    # added for: a handler of a subclass (as here) does not fit that type.
    app.add_exception_handler(ApiError, _api_error)  # type: ignore[arg-type]
    app.add_exception_handler(OAuthError, _oauth_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_middleware(EmulatorMiddleware, runtime_source=lambda: app.state.runtime)
    return app
