"""Per-request plumbing at the ASGI level: gateway prefixes, correlation ids, rate-limit
headers, request stats and wire-level faults.

Pure ASGI rather than a Starlette ``BaseHTTPMiddleware`` because two faults (dropping the
connection mid-body, truncating the JSON) must control exactly which bytes reach the socket.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any

import orjson
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from genesys_emulator.service.errors import ApiError, status_error, too_many_requests
from genesys_emulator.service.faults import Fault
from genesys_emulator.service.runtime import EmulatorRuntime

logger = logging.getLogger(__name__)
CONTROL_PREFIX = "/_emulator"
UNKNOWN_OPERATION = "unknown"
_ROUTED_ROOTS = ("/oauth/", "/api/v2/")


class ConnectionDropped(Exception):
    """Raised after a partial body so the server aborts the connection (``drop`` fault)."""


class EmulatorMiddleware:
    def __init__(self, app: ASGIApp, runtime_source: Callable[[], EmulatorRuntime]) -> None:
        self.app = app
        self._runtime = runtime_source

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        runtime = self._runtime()
        scope = self._strip_prefixes(scope, runtime)
        correlation_id = str(uuid.uuid4())
        scope.setdefault("state", {})["correlation_id"] = correlation_id
        if scope["path"].startswith(CONTROL_PREFIX):
            await self.app(scope, receive, _with_headers(send, {"ININ-Correlation-Id": correlation_id}))
            return
        operation = self._operation(scope)
        headers = {"ININ-Correlation-Id": correlation_id, "Genesys-Correlation-Id": correlation_id}
        drawn = runtime.faults.draw()
        scripted = self._scripted_error(runtime, operation, drawn)
        if scripted is not None:
            await self._send_error(scripted, correlation_id, headers, runtime, operation, send)
            return
        try:
            await self.app(scope, receive, self._instrumented_send(send, scope, headers, runtime, operation, drawn))
        except ConnectionDropped:
            raise
        except Exception:  # an emulator bug must still look like a Genesys 500, not a bare text page
            logger.exception("emulator handler for %s failed", operation)
            await self._send_error(
                ApiError(500, "internal.server.error"), correlation_id, headers, runtime, operation, send
            )

    @staticmethod
    def _strip_prefixes(scope: Scope, runtime: EmulatorRuntime) -> Scope:
        path = scope["path"]
        for prefix in (runtime.config.login_path_prefix, runtime.config.api_path_prefix):
            prefix = prefix.rstrip("/")
            stripped = path[len(prefix) :]
            if prefix and path.startswith(prefix + "/") and stripped.startswith(_ROUTED_ROOTS):
                return {**scope, "path": stripped, "raw_path": stripped.encode()}
        return scope

    def _operation(self, scope: Scope) -> str:
        """The SDK operation name of the route this request will hit (faults and stats key)."""
        router = scope["app"].router if "app" in scope else None
        if router is None:
            return UNKNOWN_OPERATION
        for route in router.routes:
            match, _ = route.matches(scope)
            if match == Match.FULL:
                return getattr(route, "name", UNKNOWN_OPERATION)
        return UNKNOWN_OPERATION

    @staticmethod
    def _scripted_error(runtime: EmulatorRuntime, operation: str, drawn: str | None) -> ApiError | None:
        """A scripted ``status`` fault first, else a status drawn in probability mode."""
        fault = runtime.faults.take("status", operation)
        status = fault.params["status"] if fault else None
        retry_after = fault.params["retry_after"] if fault else 1
        if fault is None and drawn and drawn.isdigit():
            status = int(drawn)
        if status is None:
            return None
        if status == 429:
            return too_many_requests(runtime.config.too_many_requests_code, retry_after)
        return status_error(status)

    @staticmethod
    def _body_fault(runtime: EmulatorRuntime, operation: str, drawn: str | None) -> str | None:
        """Consumed only for 200 responses, so an error answer never wastes a scripted fault."""
        for kind in ("drop", "truncate"):
            fault: Fault | None = runtime.faults.take(kind, operation)
            if fault is not None:
                return kind
        return drawn if drawn in ("drop", "truncate") else None

    async def _send_error(
        self,
        error: ApiError,
        correlation_id: str,
        headers: dict[str, str],
        runtime: EmulatorRuntime,
        operation: str,
        send: Send,
    ) -> None:
        body = orjson.dumps(error.body(correlation_id))
        all_headers = {
            **headers,
            **runtime.limiter.idle(runtime.config.rate_limit_requests).headers(),
            **error.headers,
            "content-type": "application/json",
            "content-length": str(len(body)),
        }
        runtime.stats.record(operation, error.status)
        await send({"type": "http.response.start", "status": error.status, "headers": _encode(all_headers)})
        await send({"type": "http.response.body", "body": body})

    def _instrumented_send(
        self,
        send: Send,
        scope: Scope,
        headers: dict[str, str],
        runtime: EmulatorRuntime,
        operation: str,
        drawn: str | None,
    ) -> Send:
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            if message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            status = start["status"]
            ratelimit = scope["state"].get("ratelimit") or runtime.limiter.idle(runtime.config.rate_limit_requests)
            extra = {**headers, **ratelimit.headers()}
            runtime.stats.record(operation, status)
            body = b"".join(chunks)
            body_fault = self._body_fault(runtime, operation, drawn) if status == 200 else None
            if body_fault:
                await _send_faulty(send, start, extra, body, body_fault)
                return
            start["headers"] = list(start.get("headers", [])) + _encode(extra)
            await send(start)
            await send({"type": "http.response.body", "body": body})

        return wrapped


async def _send_faulty(send: Send, start: dict, extra: dict[str, str], body: bytes, kind: str) -> None:
    cut = body[: max(1, len(body) // 2)]
    sent_length = len(body) if kind == "drop" else len(cut)
    headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
    headers += _encode({**extra, "content-length": str(sent_length)})
    await send({**start, "headers": headers})
    if kind == "truncate":
        await send({"type": "http.response.body", "body": cut})
        return
    await send({"type": "http.response.body", "body": cut, "more_body": True})
    raise ConnectionDropped("scripted drop fault: connection closed mid-body")


def _with_headers(send: Send, headers: dict[str, str]) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": list(message.get("headers", [])) + _encode(headers)}
        await send(message)

    return wrapped


def _encode(headers: dict[str, str]) -> list[tuple[bytes, bytes]]:
    return [(k.lower().encode(), v.encode()) for k, v in headers.items()]
