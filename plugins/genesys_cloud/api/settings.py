"""Options of a Genesys connection, read from its ``extra`` JSON and validated up front.

Several Genesys limits are unconfirmed (page-size maxima, Retry-After lengths), so they are
settings with the reference's defaults instead of constants; a bad value fails at hook
creation with the field name and allowed range rather than as a 400 halfway through a run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

RATE_BUDGET_BACKENDS = ("local", "redis", "sql")

# field -> (minimum, maximum) for numeric settings
_RANGES: dict[str, tuple[float, float]] = {
    "timeout": (1, 600),
    "results_max_page_size": (1, 10_000),
    "lookup_page_size": (1, 500),
    "max_retry_after_seconds": (0, 86_400),
    "max_attempts": (1, 50),
    "max_retry_seconds": (1, 86_400),
    "backoff_base_seconds": (0, 60),
    "backoff_max_seconds": (0, 3_600),
    "rate_budget_per_minute": (1, 100_000),
    "pacing_threshold": (0.1, 1.0),
    "job_cap_wait_seconds": (0, 86_400),
    "max_concurrent_jobs": (1, 1_000),
    "job_slot_lease_seconds": (30, 86_400),
    "max_response_bytes": (1024, 1 << 30),
    "request_deadline_seconds": (1, 3_600),
    "poll_budget_share": (0.05, 1.0),
    "availability_cache_seconds": (0, 86_400),
    "divisions_cache_seconds": (0, 86_400),
    "job_first_poll_seconds": (0.5, 600),
}
# Connection extras naming an org limit as ``namespace/key`` (limits.py).
_LIMIT_KEYS = ("org_rate_limit_key", "org_job_limit_key")


@dataclass(frozen=True)
class GenesysSettings:
    timeout: float = 60.0
    # UNCONFIRMED maximum (reference 4.3): async results 1000.
    results_max_page_size: int = 1000
    results_page_size: int = 1000
    lookup_page_size: int = 100
    max_retry_after_seconds: float = 300.0
    max_attempts: int = 6
    max_retry_seconds: float = 900.0
    backoff_base_seconds: float = 1.0
    backoff_max_seconds: float = 60.0
    # 80% of Genesys's documented 300 requests/min per client-credentials token.
    rate_budget_per_minute: int = 240
    # Fraction of the server's inin-ratelimit allowance after which we start spreading calls.
    pacing_threshold: float = 0.8
    # Decompressed size cap per response: a full 1000-conversation results page is a few MB.
    max_response_bytes: int = 64 * 1024 * 1024
    # Whole-request deadline (connect to last body byte); ``timeout`` only bounds each socket read.
    request_deadline_seconds: float = 300.0
    # Proxy URLs may carry user:password@, so they stay out of repr (and of every log line).
    proxies: dict[str, str] | None = field(default=None, repr=False)
    verify_tls: bool = True
    # Opt-in for plain http to a non-loopback emulator (docker-compose); real regions are https.
    allow_insecure_http: bool = False
    # Where the per-client request budget shared by all tasks lives: "local" (this process),
    # "redis" or "sql" (rate_budget_url = a Redis URL / SQLAlchemy URL that every worker
    # reaches; Airflow 3 tasks have no metadata-DB access, so name a database of your own).
    # Its size is rate_budget_per_minute, capped by the inin-ratelimit-allowed Genesys reports.
    # How long a job submission keeps retrying 429s (the concurrent-job cap, UNCONFIRMED 4.6)
    # while other partitions' jobs finish, before the task fails.
    job_cap_wait_seconds: float = 3600.0
    # Details jobs one client may have at once across all workers (the org's concurrent-job cap,
    # UNCONFIRMED 4.6; the emulator's default). Enforced through the shared rate budget's store
    # (redis/sql, job_slots.py); a slot is a lease renewed by every status poll and results page,
    # so a killed task frees its slot after at most job_slot_lease_seconds.
    max_concurrent_jobs: int = 5
    job_slot_lease_seconds: float = 600.0
    # Whether a finished job still counts against the concurrent-job cap until it is deleted
    # (UNCONFIRMED 4.6: the emulator, like the fact sheet's reading, counts QUEUED/PENDING only).
    # False: the trigger that sees a job finish gives its slot back at once, so the next job is
    # submitted while this one's task is still starting up to read the results.
    finished_jobs_hold_slots: bool = False
    rate_budget_backend: str = "local"
    # A Redis or SQL URL may carry user:password@ too: out of repr, and masked (connection.py).
    rate_budget_url: str | None = field(default=None, repr=False)
    # Job-status polls are granted only while the shared budget's window is less than this share
    # full, so result pages (which take the whole budget) are never queued behind polls.
    poll_budget_share: float = 0.5
    # Where the org publishes its token rate and details-job concurrency (GET
    # /api/v2/organizations/limits/namespaces/{namespace}); the keys are UNCONFIRMED (fact sheet 12).
    # Read with a shared budget backend only (redis/sql), cached an hour beside it; they can
    # only lower rate_budget_per_minute (to 80% of the org's rate) and max_concurrent_jobs.
    org_rate_limit_key: str = "platform.api/client.credentials.token.rate.per.minute"
    org_job_limit_key: str = "analytics/conversation.details.jobs.concurrent.access.max"
    # How long one answer of this client stands for every task sharing the budget's store
    # (redis/sql; answer_cache.py), 0 = ask every time: the data availability date (it only moves
    # forward; a date short of a window's end asks again) and the divisions the client reads.
    availability_cache_seconds: float = 300.0
    divisions_cache_seconds: float = 3600.0
    # A job's first timed poll when this client has no job latency history yet (a cold start;
    # job_polls.py), doubling after. Job run time is UNCONFIRMED (fact sheet 4.6: "a few seconds
    # to minutes", at least about 3 s); a job done at once is caught by the check at submit.
    job_first_poll_seconds: float = 10.0

    def __post_init__(self) -> None:
        for name, (low, high) in _RANGES.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
                raise ValueError(
                    f"Genesys connection extra '{name}' must be a number in [{low}, {high}], got {value!r}"
                )
        for name, maximum in (("results_page_size", self.results_max_page_size),):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= maximum:
                raise ValueError(
                    f"Genesys connection extra '{name}' must be an integer in [1, {maximum}], got {value!r}"
                )
        if self.proxies is not None and not isinstance(self.proxies, dict):
            raise ValueError(
                "Genesys connection extra 'proxies' must be a mapping such as {'https': 'http://proxy:3128'}"
            )
        if self.rate_budget_backend not in RATE_BUDGET_BACKENDS:
            raise ValueError(
                f"Genesys connection extra 'rate_budget_backend' must be one of {list(RATE_BUDGET_BACKENDS)}, "
                f"got {self.rate_budget_backend!r}"
            )
        if self.rate_budget_url is not None and not isinstance(self.rate_budget_url, str):
            raise ValueError(
                "Genesys connection extra 'rate_budget_url' must be a URL string such as redis://host:6379/0"
            )
        for name in _LIMIT_KEYS:
            value = getattr(self, name)
            namespace, _, key = value.partition("/") if isinstance(value, str) else ("", "", "")
            if not namespace or not key:
                raise ValueError(
                    f"Genesys connection extra '{name}' must be 'namespace/key' such as "
                    f"'platform.api/client.credentials.token.rate.per.minute', got {value!r}"
                )
        for name in ("verify_tls", "allow_insecure_http", "finished_jobs_hold_slots"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(
                    f"Genesys connection extra '{name}' must be true or false, got {getattr(self, name)!r}"
                )

    @classmethod
    def from_extra(cls, extra: Mapping[str, Any] | None) -> GenesysSettings:
        """Settings from a connection's extra; unknown keys are refused so typos do not pass silently."""
        extra = dict(extra or {})
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(extra) - known)
        if unknown:
            raise ValueError(f"Genesys connection extra has unknown option(s) {unknown}; known: {sorted(known)}")
        return cls(**extra)

    def check_results_page_size(self, page_size: int | None) -> int:
        """The results page size to request: the given one if allowed, else the configured default."""
        if page_size is None:
            return self.results_page_size
        if (
            isinstance(page_size, bool)
            or not isinstance(page_size, int)
            or not 1 <= page_size <= self.results_max_page_size
        ):
            raise ValueError(f"page_size must be an integer in [1, {self.results_max_page_size}], got {page_size!r}")
        return page_size
