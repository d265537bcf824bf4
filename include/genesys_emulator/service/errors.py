"""Genesys-shaped errors: the platform ErrorBody and the OAuth token endpoint's body.

Handlers raise ``ApiError``/``OAuthError``; the app turns them into responses, filling
``contextId`` with the request's correlation id so a client can match logs to errors.
"""

from __future__ import annotations

from typing import Any

_DEFAULT_MESSAGES = {
    "bad.request": "The request could not be understood by the server due to malformed syntax.",
    "invalid.date": "Dates must be specified as ISO-8601 strings. For example: yyyy-MM-ddTHH:mm:ss.SSSZ",
    "authentication.required": "No authentication bearer token specified in authorization header.",
    "bad.credentials": "Invalid login credentials.",
    "credentials.expired": "The provided credentials have expired.",
    "not.found": "The requested resource was not found.",
    "unsupported.media.type": "Unsupported Media Type. Expected application/json.",
    "internal.server.error": "The server encountered an unexpected condition.",
    "bad.gateway": "The server received an invalid response from an upstream server.",
    "service.unavailable": (
        "Service Unavailable - The server is currently unavailable (because it is overloaded or down for maintenance)."
    ),
    "request.timeout": "The request timed out.",
}

STATUS_CODES = {
    400: "bad.request",
    401: "bad.credentials",
    404: "not.found",
    413: "request.entity.too.large",
    415: "unsupported.media.type",
    500: "internal.server.error",
    502: "bad.gateway",
    503: "service.unavailable",
    504: "request.timeout",
}


class ApiError(Exception):
    """An error answered with the platform ErrorBody shape."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str | None = None,
        *,
        message_with_params: str | None = None,
        message_params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.status = status
        self.code = code
        self.message = message or _DEFAULT_MESSAGES.get(code, code)
        self.message_with_params = message_with_params
        self.message_params = message_params
        self.headers = headers or {}
        super().__init__(f"{status} {code}: {self.message}")

    def body(self, context_id: str) -> dict[str, Any]:
        body: dict[str, Any] = {"message": self.message, "code": self.code, "status": self.status}
        if self.message_with_params:
            body["messageWithParams"] = self.message_with_params
            body["messageParams"] = self.message_params or {}
        body.update(contextId=context_id, details=[], errors=[])
        return body


def bad_request(message: str) -> ApiError:
    return ApiError(400, "bad.request", message)


def invalid_value(field: str, value: Any, allowed: list[str] | tuple[str, ...]) -> ApiError:
    """400 naming the field and its allowable values, like the real ``invalid.value``."""
    allowed_text = ", ".join(allowed)
    return ApiError(
        400,
        "invalid.value",
        f"Value [{value}] is not valid for field type [{field}]. Allowable values are: {allowed_text}",
        message_with_params="Value [{value}] is not valid for field type [{field}]. Allowable values are: {allowed}",
        message_params={"value": str(value), "field": field, "allowed": allowed_text},
    )


def missing_any_permissions(permissions: tuple[str, ...]) -> ApiError:
    joined = ", ".join(permissions)
    return ApiError(
        403,
        "missing.any.permissions",
        "Unable to perform the requested action. You must have at least one of the following "
        f"permissions assigned: {joined}",
        message_with_params="Unable to perform the requested action. You must have at least one "
        "of the following permissions assigned: {permissions}",
        message_params={"permissions": joined},
    )


def too_many_requests(code: str, retry_after: int) -> ApiError:
    return ApiError(
        429,
        code,
        f"Rate limit exceeded the maximum. Retry the request in [{retry_after}] seconds",
        message_with_params="Rate limit exceeded the maximum. Retry the request in [{retryAfter}] seconds",
        message_params={"retryAfter": str(retry_after)},
        headers={"Retry-After": str(retry_after)},
    )


def status_error(status: int) -> ApiError:
    """The error a scripted ``status`` fault answers with, for any non-429 status."""
    return ApiError(status, STATUS_CODES.get(status, "internal.server.error"))


class OAuthError(Exception):
    """An error of the token endpoint: ``{"error", "description"}``, not the ErrorBody."""

    def __init__(self, status: int, error: str, description: str) -> None:
        self.status = status
        self.error = error
        self.description = description
        super().__init__(f"{status} {error}: {description}")

    def body(self) -> dict[str, str]:
        return {"error": self.error, "description": self.description, "error_description": self.description}
