"""What the Genesys DAGs share (no DAG is defined here): the retry policy, the audit callbacks and the API pool.

Transient trouble (an API outage, a warehouse restart) gets a few minutes to clear before a
try is spent; bad input fails at once in the operators themselves (``AirflowFailException``).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from genesys_cloud.operators.audit import (
    record_failed_attempt,
    record_failed_attempt_for_audit,
    record_retried_attempt,
)

# Every task that calls Genesys runs in this pool, so the DAGs together respect the org's rate limit.
GENESYS_POOL = "genesys_api"

# ``execution_timeout`` bounds every try, so no server answer can hold a worker and a pool slot
# indefinitely: 1 h is several times the longest single-call wait (retry budget 15 min, a
# Retry-After or rate-limit reset at most 5 min). Extract, which also pages a whole day, gets
# EXTRACT_EXECUTION_TIMEOUT; wait_for_data, deferred while it waits for the watermark, gets
# WAIT_EXECUTION_TIMEOUT, above genesys_availability_timeout_seconds' 6 h default (see
# docs/operations.md, "Timeouts").
TASK_EXECUTION_TIMEOUT = timedelta(hours=1)
EXTRACT_EXECUTION_TIMEOUT = timedelta(hours=3)
WAIT_EXECUTION_TIMEOUT = timedelta(hours=7)

GENESYS_DEFAULT_ARGS: dict[str, Any] = {
    "owner": "data-platform",
    "retries": 2,
    "retry_delay": timedelta(minutes=1),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=15),
    "execution_timeout": TASK_EXECUTION_TIMEOUT,
}

# The refresh DAG's tasks: every failed or retried try also leaves a ``sync_audit`` row, and a try that
# failed for good sends the ``partition_failed`` webhook.
AUDITED_DEFAULT_ARGS: dict[str, Any] = {
    **GENESYS_DEFAULT_ARGS,
    "on_failure_callback": record_failed_attempt,
    "on_retry_callback": record_retried_attempt,
}

# DAGs ending in the ``outcome`` leaf (daily_sync.outcome_task), which reports a try that failed for good:
# the callbacks only write the tries' rows (and send the webhook when the warehouse refused the row).
REPORTED_DEFAULT_ARGS: dict[str, Any] = {
    **GENESYS_DEFAULT_ARGS,
    "on_failure_callback": record_failed_attempt_for_audit,
    "on_retry_callback": record_retried_attempt,
}
