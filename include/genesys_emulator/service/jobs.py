"""Async details jobs as an explicit state machine, and the opaque cursors of their results.

Progression is a setting (immediate / after N status polls / after N emulator-clock seconds)
rather than real work, so tests control timing without sleeping. A job snapshots its matching
conversations at submit time; cursors are HMAC-signed (job id, offset) pairs, so a cursor
from another job or a tampered one is detectable.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
from dataclasses import dataclass, field
from typing import Any

from genesys_emulator.config import EmulatorConfig
from genesys_emulator.service.clock import Clock
from genesys_emulator.world.determinism import iso_ms, stable_uuid

ACTIVE_STATES = frozenset({"QUEUED", "PENDING"})
FAILED_MESSAGE = "Query failed: an internal error occurred while processing the job"


@dataclass
class Job:
    job_id: str
    client_id: str
    keys: list[Any]  # ConversationKey; a users details job's are user ids
    submitted_ms: int
    as_of_ms: int  # the org instant whose records the results serve
    latency_ms: int = 0
    fail: bool = False
    expire_after_pages: int | None = None
    state: str = "QUEUED"
    polls: int = 0
    pages_served: int = 0
    completed_ms: int | None = None
    error_message: str | None = None
    query: Any = None  # what a users details job answers (its interval and filters)

    def status_body(self, retention_ms: int) -> dict[str, Any]:
        body: dict[str, Any] = {"state": self.state, "submissionDate": iso_ms(self.submitted_ms)}
        if self.completed_ms is not None:
            body["completionDate"] = iso_ms(self.completed_ms)
            if self.state in ("FULFILLED", "EXPIRED"):
                body["expirationDate"] = iso_ms(self.completed_ms + retention_ms)
        if self.error_message:
            body["errorMessage"] = self.error_message
        return body


@dataclass
class JobStore:
    """All jobs of one emulator state; progression is evaluated lazily on each access.

    Job ids derive from (seed, submission number) for reproducible responses.
    """

    config: EmulatorConfig
    clock: Clock
    _jobs: dict[str, Job] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def submit(
        self,
        client_id: str,
        keys: list[Any],
        *,
        as_of_ms: int,
        fail: bool,
        expire_after_pages: int | None,
        query: Any = None,
    ) -> Job:
        with self._lock:
            job_id = stable_uuid(f"{self.config.seed}:job:{len(self._jobs)}")
            job = Job(
                job_id,
                client_id,
                keys,
                self.clock.now_ms(),
                as_of_ms,
                self._latency_ms(job_id),
                fail,
                expire_after_pages,
                query=query,
            )
            self._jobs[job.job_id] = job
        if self.config.job_progression == "immediate" and not job.latency_ms:
            self._finish(job)
        return job

    def _latency_ms(self, job_id: str) -> int:
        """Realistic run time drawn per job (seeded by its id) within the configured range."""
        low, high = self.config.job_latency_seconds_min, self.config.job_latency_seconds_max
        if high <= 0:
            return 0
        fraction = int(job_id.replace("-", "")[:8], 16) / 0xFFFFFFFF
        return int((low + (high - low) * fraction) * 1000)

    def active_count(self, client_id: str | None = None) -> int:
        """QUEUED/PENDING jobs of one client, or of the whole org when ``client_id`` is None."""
        with self._lock:
            jobs = [j for j in self._jobs.values() if client_id is None or j.client_id == client_id]
        return sum(1 for j in jobs if self._advance(j, polled=False).state in ACTIVE_STATES)

    def get(self, job_id: str, *, polled: bool = False) -> Job | None:
        """The job with its state brought up to date; ``polled`` counts a status GET."""
        job = self._jobs.get(job_id)
        return None if job is None else self._advance(job, polled=polled)

    def cancel(self, job_id: str) -> bool:
        job = self.get(job_id)
        if job is None:
            return False
        with self._lock:
            if job.state in ACTIVE_STATES or job.state == "FULFILLED":
                job.state = "CANCELLED"
        return True

    def record_page_served(self, job: Job) -> None:
        with self._lock:
            job.pages_served += 1

    def expire_if_scripted(self, job: Job) -> None:
        """Apply a scripted ``expire_job`` fault: the job expires under its reader once it
        has served the scripted number of result pages."""
        if job.state != "FULFILLED" or job.expire_after_pages is None:
            return
        if job.pages_served >= job.expire_after_pages:
            with self._lock:
                job.state = "EXPIRED"

    def _advance(self, job: Job, *, polled: bool) -> Job:
        with self._lock:
            if polled:
                job.polls += 1
            if job.state in ACTIVE_STATES:
                self._progress(job)
            if (
                job.state == "FULFILLED"
                and job.completed_ms is not None
                and self.clock.now_ms() >= job.completed_ms + self.retention_ms
            ):
                job.state = "EXPIRED"
        return job

    def _progress(self, job: Job) -> None:
        if job.latency_ms:  # service time, so it runs in real time even on a pinned org clock
            elapsed_ms = self.clock.now_ms() - job.submitted_ms
            if elapsed_ms >= job.latency_ms:
                self._finish_locked(job)
            elif elapsed_ms >= job.latency_ms / 2:
                job.state = "PENDING"
            return
        mode = self.config.job_progression
        if mode == "polls":
            steps = self.config.job_progression_polls
            if job.polls > steps:
                self._finish_locked(job)
            elif job.polls >= 2:
                job.state = "PENDING"
        elif mode == "seconds":
            elapsed = (self.clock.now_ms() - job.submitted_ms) / 1000
            if elapsed >= self.config.job_progression_seconds:
                self._finish_locked(job)
            elif elapsed >= self.config.job_progression_seconds / 2:
                job.state = "PENDING"
        else:
            self._finish_locked(job)

    def _finish(self, job: Job) -> None:
        with self._lock:
            self._finish_locked(job)

    def _finish_locked(self, job: Job) -> None:
        job.completed_ms = self.clock.now_ms()
        if job.fail:
            job.state, job.error_message = "FAILED", FAILED_MESSAGE
        else:
            job.state = "FULFILLED"

    @property
    def retention_ms(self) -> int:
        return self.config.job_retention_seconds * 1000


class CursorCodec:
    """Opaque result cursors: base64url of ``job_id:offset`` plus an HMAC tag.

    The key derives from the seed so the same call sequence yields byte-identical pages.
    """

    def __init__(self, seed: int) -> None:
        self._secret = hashlib.sha256(f"genesys-emulator-cursor:{seed}".encode()).digest()

    def encode(self, job_id: str, offset: int) -> str:
        payload = f"{job_id}:{offset}".encode()
        tag = hmac.new(self._secret, payload, hashlib.sha256).digest()[:12]
        return base64.urlsafe_b64encode(payload + tag).decode().rstrip("=")

    def decode(self, cursor: str, job_id: str) -> int | None:
        """The offset the cursor points at, or None when it is malformed or not this job's."""
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        except (ValueError, TypeError):
            return None
        payload, tag = raw[:-12], raw[-12:]
        expected = hmac.new(self._secret, payload, hashlib.sha256).digest()[:12]
        if len(raw) <= 12 or not hmac.compare_digest(tag, expected):
            return None
        cursor_job, _, offset = payload.decode(errors="replace").rpartition(":")
        if cursor_job != job_id or not offset.isdigit():
            return None
        return int(offset)
