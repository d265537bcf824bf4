"""Domain errors of the Genesys Cloud integration.

Each error carries what an operator needs to act (status, Genesys error code, correlation id
for a support ticket) and never a token, secret or full request body.
"""

from __future__ import annotations


class GenesysError(Exception):
    """Base class of every error raised by this package."""


class GenesysApiError(GenesysError):
    """A Genesys API call failed with an HTTP error that retrying will not fix."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        correlation_id: str | None = None,
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        self.status = status
        self.code = code
        self.message = message
        self.correlation_id = correlation_id
        self.method = method
        self.path = path
        where = f"{method} {path} " if method and path else ""
        super().__init__(
            f"{where}failed with HTTP {status}"
            f"{f' ({code})' if code else ''}: {message}"
            f" [correlation id: {correlation_id or 'none'}]"
        )


class GenesysAuthError(GenesysError):
    """Credentials were rejected; retrying with the same credentials cannot succeed."""


class GenesysPermissionError(GenesysApiError):
    """HTTP 403: the OAuth client's roles lack a permission, named in ``missing_permissions``."""

    def __init__(self, status: int, message: str, *, missing_permissions: str | None = None, **kwargs) -> None:
        self.missing_permissions = missing_permissions
        hint = (
            f"the OAuth client's role is missing permission(s): {missing_permissions}. " if missing_permissions else ""
        )
        super().__init__(status, f"{hint}{message}", **kwargs)


class GenesysRateLimitExceeded(GenesysError):
    """Genesys asked us to wait longer than we are allowed to, or throttling outlasted the retries."""


class GenesysRetryAfterTooLong(GenesysRateLimitExceeded):
    """The Retry-After is above the cap: a daily or org limit, not worth waiting out in a task."""


class GenesysTransientError(GenesysError):
    """Retries were exhausted on errors that are normally temporary (5xx, dropped connections)."""


class GenesysJobFailed(GenesysError):
    """An async details job ended in FAILED, CANCELLED or EXPIRED."""

    def __init__(self, job_id: str, state: str, error_message: str | None = None) -> None:
        self.job_id = job_id
        self.state = state
        self.error_message = error_message
        super().__init__(f"Genesys details job {job_id} ended {state}: {error_message or 'no error message given'}")


class PaginationLoopError(GenesysError):
    """The API handed back a page token (cursor, URI, page) it already gave: stop instead of looping."""
