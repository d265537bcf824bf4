"""What to do after each try of one logical request, shared by the sync and async clients.

The sync client sleeps and the async trigger awaits, but both must make the same decisions:
retry or not, how long to wait, what to count and log, and which error to raise once the
budget is spent. Keeping those decisions here is what makes the two paths behave the same.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from genesys_cloud.api.error_responses import api_error, correlation_id
from genesys_cloud.api.exceptions import GenesysTransientError
from genesys_cloud.api.retry import RetryPolicy, is_retryable_exception, is_retryable_status
from genesys_cloud.api.stats import RequestStats

log = logging.getLogger(__name__)


class RequestAttempts:
    def __init__(self, policy: RetryPolicy, stats: RequestStats, method: str, path: str) -> None:
        self.state = policy.start()
        self.stats = stats
        self.method = method
        self.path = path  # no query string: cursors and ids stay out of the logs

    def after_error(self, error: Exception) -> float:
        """Seconds to wait after a transport failure; re-raises what retrying cannot fix."""
        if not is_retryable_exception(error):
            raise error
        delay = self.state.next_delay()
        log.warning("%s %s failed (%s); %s", self.method, self.path, type(error).__name__, self._note(delay))
        if delay is None:
            raise GenesysTransientError(
                f"{self.method} {self.path} failed after {self.state.attempts} attempts: {type(error).__name__}"
            ) from error
        self.stats.retries += 1
        return delay

    def after_response(self, status: int, headers: Mapping[str, str], content: bytes) -> float | None:
        """Seconds to wait before retrying this answer, or None when the caller should take it as final."""
        if status < 400:
            return None
        cid = correlation_id(headers)
        self.stats.record_failure(cid)
        if status == 429:
            self.stats.throttled += 1
        if not is_retryable_status(status):
            log.warning("%s %s answered HTTP %s (correlation id %s)", self.method, self.path, status, cid)
            return None
        delay = self.state.next_delay(status, headers)
        log.warning(
            "%s %s answered HTTP %s (correlation id %s); %s", self.method, self.path, status, cid, self._note(delay)
        )
        if delay is None:
            raise api_error(status, headers, content, self.method, self.path, retries_exhausted=True)
        self.stats.retries += 1
        return delay

    def _note(self, delay: float | None) -> str:
        if delay is None:
            return f"giving up after {self.state.attempts} attempts"
        return f"attempt {self.state.attempts} of {self.state.policy.max_attempts} in {delay:.1f} s"
