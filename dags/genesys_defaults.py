"""What the Genesys DAGs share (no DAG is defined here): the retry policy and the API pool.

Transient trouble (an API outage, a warehouse restart) gets a few minutes to clear before a
try is spent; bad input fails at once in the operators themselves (``AirflowFailException``).
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any

# Every task that calls Genesys runs in this pool, so the DAGs together respect the org's rate limit.
GENESYS_POOL = "genesys_api"

GENESYS_DEFAULT_ARGS: dict[str, Any] = {
    "owner": "data-platform",
    "retries": 2,
    "retry_delay": timedelta(minutes=1),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=15),
}
