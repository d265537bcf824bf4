"""Every limit and behaviour switch of the emulator, with defaults from the API fact sheet.

Values the fact sheet marks UNCONFIRMED are plain settings here, so a test (or a user who
learns the real value) can change them without touching code. ``EmulatorConfig.with_overrides``
is how the control plane applies JSON overrides, so unknown names fail loudly instead of
being silently ignored.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from genesys_emulator.world.evolution import EvolutionSettings
from genesys_emulator.world.generator import DEFAULT_RECORD_CACHE_SIZE

ALL_ROLES: tuple[str, ...] = (
    "analytics:conversationDetail:view",
    "analytics:agentConversationDetail:view",
    "analytics:conversationAggregate:view",
    "routing:queue:view",
    "routing:wrapupCode:view",
    "analytics:userDetail:view",
    "analytics:userAggregate:view",
    "presence:presenceDefinition:view",
    "limits:organization:view",
)

JOB_PROGRESSIONS = ("immediate", "polls", "seconds")


@dataclass(frozen=True)
class ClientConfig:
    """One OAuth client-credentials client: its secret, roles and token lifetime."""

    client_id: str
    client_secret: str
    roles: tuple[str, ...] = ALL_ROLES
    token_lifetime_seconds: int = 86400
    # Division ids whose conversations this client may read, or "all".
    divisions: tuple[str, ...] | str = "all"

    def __post_init__(self) -> None:
        if not 300 <= self.token_lifetime_seconds <= 172800:
            raise ValueError("token_lifetime_seconds must be within 300..172800 (Genesys range)")
        object.__setattr__(self, "roles", tuple(self.roles))
        if self.divisions != "all":
            if isinstance(self.divisions, str) or not all(isinstance(d, str) for d in self.divisions):
                raise ValueError('divisions must be "all" or a list of division ids')
            object.__setattr__(self, "divisions", tuple(self.divisions))

    def sees_division_of(self, division_ids: list[str]) -> bool:
        """A conversation is readable when the client may read ANY of its divisions."""
        return self.divisions == "all" or not set(division_ids).isdisjoint(self.divisions)


DEFAULT_CLIENT = ClientConfig("emulator-client", "emulator-secret")


@dataclass(frozen=True)
class EmulatorConfig:
    """All emulator settings; the control plane may override any of them by name."""

    seed: int = 42
    conversations_per_day: int = 2000
    # Org time: None follows the wall clock; an ISO-8601 instant pins "now" there, and from
    # then on only POST /_emulator/clock/advance (or /_emulator/clock) moves it.
    clock: str | None = None
    # True serves every conversation as generated (no late changes), the pre-living behaviour.
    frozen: bool = False
    evolution: EvolutionSettings = field(default_factory=EvolutionSettings)
    clients: tuple[ClientConfig, ...] = (DEFAULT_CLIENT,)
    # Gateway-style path prefixes (SDK set_gateway): requests are also accepted under these.
    login_path_prefix: str = ""
    api_path_prefix: str = ""

    # OAuth (token_type case and bad-grant status are UNCONFIRMED).
    token_type: str = "bearer"
    bad_grant_status: int = 400
    expired_token_code: str = "bad.credentials"

    # Rate limiting per token (300/min documented; analytics buckets UNCONFIRMED).
    rate_limit_requests: int = 300
    rate_limit_window_seconds: int = 60
    rate_limit_route_overrides: dict[str, int] = field(default_factory=dict)
    too_many_requests_code: str = "too.many.requests"
    max_request_bytes: int = 512000

    # Sync details query (all UNCONFIRMED).
    sync_default_page_size: int = 25
    sync_max_page_size: int = 100
    sync_max_depth: int = 10000
    sync_max_interval_days: int = 7
    sync_max_interval_days_filtered: int = 31
    sync_interval_semantics: str = "start"  # "start" (conversationStart in interval) | "overlap"
    sync_empty_page_omits_conversations: bool = True
    # True: overlap selections (jobs, ground truth, sync with "overlap") keep only conversations
    # that started on or after the UTC day of the interval start (fact sheet §11 reads so for the
    # sync query; whether jobs apply it is ambiguous there, so jobs default to plain overlap).
    overlap_from_interval_start_day: bool = False
    # >0: each sync query call moves its visibility horizon this far past "now", so data
    # "arrives" between page calls (shifting pages, duplicates, growing totalHits; BLOG22).
    sync_live_arrival_seconds_per_call: float = 0.0

    # Async jobs (all UNCONFIRMED).
    job_progression: str = "immediate"  # immediate | polls | seconds
    job_progression_polls: int = 2
    job_progression_seconds: float = 2.0
    job_max_active_per_client: int = 5
    job_max_active_per_org: int = 25
    max_job_results: int = 400000  # paging past this answers 400 (integrators' evidence, §11)
    # progression "seconds": each job takes a random time within this range (seeded by job id).
    job_latency_seconds_min: float = 0.0
    job_latency_seconds_max: float = 0.0
    job_retention_seconds: int = 86400
    job_max_interval_days: int = 31
    job_pending_status_code: int = 202
    results_default_page_size: int = 100
    results_max_page_size: int = 1000
    results_prefetch: bool = True  # serialize the next page in the background (speed only)
    record_cache_size: int = DEFAULT_RECORD_CACHE_SIZE  # serialized records kept (~4 KB each); speed only
    results_not_ready_status: int = 400
    results_gone_status: int = 404

    # Data availability watermark: now - lag, unless a fixed ISO timestamp is given.
    watermark_lag_seconds: int = 3600
    watermark: str | None = None

    # Multi-get and aggregates limits (UNCONFIRMED).
    multiget_max_ids: int = 100
    aggregates_max_interval_days: int = 31
    aggregates_min_granularity_seconds: int = 900
    aggregates_max_buckets: int = 1000
    aggregates_max_groups: int | None = None  # groups one answer may hold; None = no cap (value unknown)

    # Lookup lists (UNCONFIRMED max page sizes).
    users_max_page_size: int = 500
    queues_max_page_size: int = 100
    wrapupcodes_max_page_size: int = 100

    # Webhook sink (receiver side of the pipeline's signed notifications).
    webhook_secret: str = "emulator-webhook-secret"
    webhook_tolerance_seconds: int = 300

    def __post_init__(self) -> None:
        if self.job_progression not in JOB_PROGRESSIONS:
            raise ValueError(f"job_progression must be one of {JOB_PROGRESSIONS}")
        if self.sync_interval_semantics not in ("start", "overlap"):
            raise ValueError("sync_interval_semantics must be 'start' or 'overlap'")
        for name in ("watermark", "clock"):
            if getattr(self, name) is not None:
                datetime.fromisoformat(getattr(self, name))  # fail at configure time, not per request
        if not 0 <= self.job_latency_seconds_min <= self.job_latency_seconds_max:
            raise ValueError("job_latency_seconds_min must be >= 0 and <= job_latency_seconds_max")
        if self.max_job_results < 1:
            raise ValueError("max_job_results must be at least 1")

    def with_overrides(self, **overrides: Any) -> EmulatorConfig:
        """A copy with the named settings replaced; ``clients`` may be given as dicts."""
        known = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise ValueError(f"unknown emulator settings: {', '.join(unknown)}")
        if "clients" in overrides:
            overrides["clients"] = tuple(
                c if isinstance(c, ClientConfig) else ClientConfig(**c) for c in overrides["clients"]
            )
        if isinstance(overrides.get("evolution"), dict):
            overrides["evolution"] = dataclasses.replace(self.evolution, **overrides["evolution"])
        return dataclasses.replace(self, **overrides)

    def client(self, client_id: str) -> ClientConfig | None:
        return next((c for c in self.clients if c.client_id == client_id), None)
