"""State of a Genesys async details job, shared by the hook, operator, sensor and trigger."""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any


class JobState(str, Enum):
    QUEUED = "QUEUED"
    PENDING = "PENDING"
    FULFILLED = "FULFILLED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"
    EXPIRED = "EXPIRED"

    @property
    def is_terminal(self) -> bool:
        return self not in (JobState.QUEUED, JobState.PENDING)


def job_state(status: Mapping[str, Any]) -> JobState:
    """The state of a job-status body; an unknown value is an error rather than a silent wait."""
    raw = status.get("state")
    try:
        return JobState(str(raw).upper())
    except ValueError:
        raise ValueError(f"Genesys job status has unknown state {raw!r}") from None
