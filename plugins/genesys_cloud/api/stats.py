"""Request accounting for the extraction audit: what one task cost against the Genesys limits."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MAX_FAILED_IDS = 20  # enough to open a support ticket, small enough for XCom


@dataclass
class RequestStats:
    requests: int = 0
    retries: int = 0
    throttled: int = 0
    token_requests: int = 0
    bytes: int = 0
    paced_seconds: float = 0.0
    job_polls: int = 0  # job-status requests, the triggerer's included (in ``requests`` too)
    failed_correlation_ids: list[str] = field(default_factory=list)

    def record_failure(self, correlation_id: str | None) -> None:
        if correlation_id and len(self.failed_correlation_ids) < MAX_FAILED_IDS:
            self.failed_correlation_ids.append(correlation_id)

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "retries": self.retries,
            "throttled": self.throttled,
            "token_requests": self.token_requests,
            "bytes": self.bytes,
            "paced_seconds": round(self.paced_seconds, 3),
            "job_polls": self.job_polls,
            "failed_correlation_ids": list(self.failed_correlation_ids),
        }
