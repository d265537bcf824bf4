"""Reading a response body with two limits the socket timeout alone does not give.

``timeout`` bounds each socket read, not the request: a server dripping a byte every half
second keeps a ``timeout=1`` request alive forever. And gzip lets 49 KB on the wire become
50 MB in memory. So bodies are read in small decoded pieces, checked against a decompressed
size cap and a whole-request deadline after each piece. Both failures are retried like a body
cut off mid-transfer (they may be transient) and, once the retries are spent, fail the task
naming the limit and its connection setting.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import httpx
import requests
import urllib3

from genesys_cloud.api.retry import IncompleteResponseError

PIECE_BYTES = 16 * 1024  # raw bytes per read: bounds what one decompression step can produce
DEADLINE_MESSAGE = "the response did not finish within request_deadline_seconds"


class ResponseTooLargeError(IncompleteResponseError):
    """The decompressed body passed the connection's ``max_response_bytes``."""


class ResponseDeadlineError(IncompleteResponseError):
    """The whole request outlasted the connection's ``request_deadline_seconds``."""


def read_body(
    response: requests.Response,
    *,
    max_bytes: int,
    deadline: float,
    clock: Callable[[], float] = time.monotonic,
) -> bytes:
    """The decoded body of a ``stream=True`` response, within ``max_bytes`` and before ``deadline`` (a ``clock``
    time)."""
    pieces: list[bytes] = []
    total = 0
    try:
        while True:
            if clock() > deadline:
                raise ResponseDeadlineError(DEADLINE_MESSAGE)
            piece = _read_piece(response)
            if not piece:
                return b"".join(pieces)
            total += len(piece)
            if total > max_bytes:
                raise ResponseTooLargeError(f"the decompressed response passed max_response_bytes ({max_bytes} bytes)")
            pieces.append(piece)
    except IncompleteResponseError:
        response.close()
        raise


def _read_piece(response: requests.Response) -> bytes:
    """One read, with urllib3's errors mapped to the requests ones the retry policy knows."""
    try:
        return response.raw.read1(PIECE_BYTES, decode_content=True)
    except urllib3.exceptions.DecodeError as error:
        raise requests.exceptions.ContentDecodingError(error) from error
    except urllib3.exceptions.ReadTimeoutError as error:
        raise requests.exceptions.ConnectionError(error) from error
    except (urllib3.exceptions.ProtocolError, urllib3.exceptions.SSLError) as error:
        raise requests.exceptions.ChunkedEncodingError(error) from error


async def read_body_async(
    client: httpx.AsyncClient, method: str, url: str, *, max_bytes: int, deadline_seconds: float, **kwargs: Any
) -> tuple[httpx.Response, bytes]:
    """The async client's request: the same cap, and the deadline over the whole request."""
    try:
        async with asyncio.timeout(deadline_seconds):
            async with client.stream(method, url, **kwargs) as response:
                pieces: list[bytes] = []
                total = 0
                async for piece in response.aiter_bytes():
                    total += len(piece)
                    if total > max_bytes:
                        raise ResponseTooLargeError(
                            f"the decompressed response passed max_response_bytes ({max_bytes} bytes)"
                        )
                    pieces.append(piece)
                return response, b"".join(pieces)
    except TimeoutError:
        raise ResponseDeadlineError(DEADLINE_MESSAGE) from None
