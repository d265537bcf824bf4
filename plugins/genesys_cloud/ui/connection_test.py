"""Makes the Connections page's Test button work on Airflow 3.3.2: an empty port is not port 0.

The 3.3.2 UI's Test button posts the stored connection back to ``POST /api/v2/connections/test``
with ``port: Number(connection.port)``, which is ``0`` for a connection without a port (every
Genesys, SQLite and HTTP-URL connection). The API refuses a test whose host or port differs from
the stored connection unless the body carries its own credentials, and the UI shows the refusal
as a bare "Bad Request". Port 0 names no TCP destination, so this root middleware drops
``"port": 0`` from that one request: the API then tests the stored connection as it is. Any
other port, and every other request, passes through untouched.

A plain ASGI class (no FastAPI import): Airflow loads plugins in every process, task processes
included, and only the api-server uses root middlewares.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import orjson

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

TEST_PATH_SUFFIX = "/api/v2/connections/test"
MAX_BODY_BYTES = 1024 * 1024  # a connection is a few kB; anything bigger is passed on unread


def without_empty_port(body: bytes) -> bytes:
    """The request body with ``"port": 0`` removed; any other body is returned as it came."""
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError:
        return body
    if not isinstance(payload, dict) or payload.get("port") != 0 or isinstance(payload.get("port"), bool):
        return body
    del payload["port"]
    return orjson.dumps(payload)


class EmptyPortConnectionTest:
    """Root middleware: rewrites the body of ``POST .../api/v2/connections/test`` (see module doc)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not (scope["type"] == "http" and scope.get("method") == "POST" and scope["path"].endswith(TEST_PATH_SUFFIX)):
            await self.app(scope, receive, send)
            return
        messages = await _read_body(receive)
        if _complete(messages):
            body = without_empty_port(b"".join(message.get("body", b"") for message in messages))
            messages = [{"type": "http.request", "body": body, "more_body": False}]
            scope = {**scope, "headers": _with_length(scope["headers"], len(body))}
        await self.app(scope, _replay(messages, receive), send)


async def _read_body(receive: Receive) -> list[Message]:
    """The request's messages up to its last body chunk, a disconnect, or :data:`MAX_BODY_BYTES`."""
    messages: list[Message] = []
    size = 0
    while size <= MAX_BODY_BYTES:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request" or not message.get("more_body", False):
            break
        size += len(message.get("body", b""))
    return messages


def _complete(messages: list[Message]) -> bool:
    last = messages[-1]
    return last["type"] == "http.request" and not last.get("more_body", False)


def _replay(messages: list[Message], receive: Receive) -> Receive:
    """A ``receive`` that yields ``messages`` first, then defers to the real one."""
    pending = list(messages)

    async def replayed() -> Message:
        return pending.pop(0) if pending else await receive()

    return replayed


def _with_length(headers: list[tuple[bytes, bytes]], length: int) -> list[tuple[bytes, bytes]]:
    kept = [(name, value) for name, value in headers if name.lower() != b"content-length"]
    return [*kept, (b"content-length", str(length).encode())]
