"""Wait for a condition with a deadline, failing fast when the system under test has died.

Tests never assert on durations; deadlines only bound how long a broken cluster can hang CI.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class WaitTimeout(AssertionError):
    """The condition did not hold before the deadline (an AssertionError so pytest shows it)."""


def poll_until(
    probe: Callable[[], T | None],
    *,
    timeout: float,
    what: str,
    interval: float = 1.0,
    health_check: Callable[[], None] | None = None,
) -> T:
    """Call ``probe`` until it returns something other than None and return that.

    ``health_check`` runs before every probe and should raise when waiting is pointless
    (a component exited), so a crash surfaces at once instead of as a timeout.
    """
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while True:
        if health_check is not None:
            health_check()
        try:
            result = probe()
        except (OSError, ConnectionError) as exc:  # server not up yet, connection refused
            result, last_error = None, exc
        if result is not None:
            return result
        if time.monotonic() >= deadline:
            detail = f" (last error: {last_error!r})" if last_error else ""
            raise WaitTimeout(f"timed out after {timeout:.0f}s waiting for {what}{detail}")
        time.sleep(interval)
