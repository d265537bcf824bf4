"""Turn a failed Genesys response into the matching domain error, keeping what support needs."""

from __future__ import annotations

import re
from collections.abc import Mapping

import orjson

from genesys_cloud.api.exceptions import (
    GenesysApiError,
    GenesysAuthError,
    GenesysPermissionError,
    GenesysRateLimitExceeded,
    GenesysTransientError,
)
from genesys_cloud.api.retry import header

MAX_MESSAGE = 300
_PERMISSIONS_IN_MESSAGE = re.compile(r"permissions?(?: assigned)?:\s*(.+)$", re.IGNORECASE)
# The job results cap, as integrators quote it (fact sheet §11): "pagination may not exceed 400000 results".
_RESULTS_CAP_MESSAGE = re.compile(r"pagination may not exceed (\d+) results", re.IGNORECASE)


def correlation_id(headers: Mapping[str, str]) -> str | None:
    return header(headers, "ININ-Correlation-Id") or header(headers, "Genesys-Correlation-Id")


def refused_redirect(status: int, headers: Mapping[str, str], method: str, path: str) -> GenesysApiError | None:
    """The error for a 3xx answer (both clients follow no redirect: the API documents none, and another
    host's answer must never be taken for Genesys's), else None."""
    if not 300 <= status < 400:
        return None
    return GenesysApiError(
        status,
        "Genesys answered a redirect; redirects are not followed",
        correlation_id=correlation_id(headers),
        method=method,
        path=path,
    )


def _error_body(content: bytes) -> dict:
    try:
        body = orjson.loads(content) if content else {}
    except orjson.JSONDecodeError:
        return {"message": content[:MAX_MESSAGE].decode("utf-8", "replace")}
    return body if isinstance(body, dict) else {}


def _missing_permissions(body: dict) -> str | None:
    params = body.get("messageParams") or {}
    if isinstance(params, dict) and params.get("permissions"):
        return str(params["permissions"])
    match = _PERMISSIONS_IN_MESSAGE.search(str(body.get("message") or ""))
    return match.group(1).strip() if match else None


def api_error(
    status: int, headers: Mapping[str, str], content: bytes, method: str, path: str, *, retries_exhausted: bool = False
) -> Exception:
    """The exception for a non-2xx answer; ``path`` must not carry query strings."""
    body = _error_body(content)
    message = str(body.get("message") or "no error message")[:MAX_MESSAGE]
    code = body.get("code")
    cid = correlation_id(headers) or body.get("contextId")
    if retries_exhausted and status == 429:
        return GenesysRateLimitExceeded(
            f"{method} {path} still throttled (HTTP 429, {code or 'no code'}) after the retry budget; "
            f"last correlation id {cid}: {message}"
        )
    if retries_exhausted:
        return GenesysTransientError(
            f"{method} {path} kept failing with HTTP {status} after the retry budget; "
            f"last correlation id {cid}: {message}"
        )
    if status == 401:
        return GenesysAuthError(
            f"{method} {path}: Genesys rejected a freshly issued token (HTTP 401, {code or 'no code'}); "
            f"correlation id {cid}: {message}"
        )
    kwargs = {"code": code, "correlation_id": cid, "method": method, "path": path}
    if status == 403:
        return GenesysPermissionError(status, message, missing_permissions=_missing_permissions(body), **kwargs)
    return GenesysApiError(status, message, **kwargs)


def results_cap_of(error: BaseException) -> int | None:
    """The cap a details job's results call refused to page past (HTTP 400 "pagination may not
    exceed N results"), or None for any other error: the one 400 that splitting the window fixes."""
    if not isinstance(error, GenesysApiError) or error.status != 400:
        return None
    match = _RESULTS_CAP_MESSAGE.search(error.message or "")
    return int(match.group(1)) if match else None
