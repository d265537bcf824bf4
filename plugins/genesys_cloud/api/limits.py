"""The org's own limits (``GET /api/v2/organizations/limits/namespaces/{namespace}``) sizing the
shared rate budget and the details-job slots, capped by the connection's settings.

Genesys publishes each org's effective limits (permission ``limits:organization:view``; fact
sheet 12): the token rate (300/min unless raised by a support case) and the details-job
concurrency. Reading them beats guessing: an org whose limits were raised can be allowed more by
raising the settings, and one whose limits are lower is never overrun. The settings stay caps
(``rate_budget_per_minute``, ``max_concurrent_jobs``): the org's values can only tighten them.
The budget is ``RATE_SHARE`` of the org's token rate, the share the default 240 of 300 keeps
for other integrations and jitter.

Which key holds which limit is not in the SDK (its ``Limit`` model has only key, namespace and
value), so the two keys are connection extras (``org_rate_limit_key``, ``org_job_limit_key``,
``namespace/key``). Where the client may not read them (403), the namespace or key is unknown
(404, absent), or the read fails, the settings stand and :class:`EffectiveLimits` says so: the
extract's summary carries it into ``sync_audit.api_limits``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from genesys_cloud.api.exceptions import GenesysError
from genesys_cloud.api.settings import GenesysSettings

LIMITS_PATH = "/api/v2/organizations/limits/namespaces/{namespace}"
LIMITS_FACT = "org_limits"
# As long as a default token lives: one read per client and day, not per task.
LIMITS_TTL_SECONDS = 3600.0
# One process reads, the others wait for its answer: two reads of two namespaces each were seen
# when a backfill's first tasks started together. A reader that dies leaves the claim to expire.
LIMITS_READING_FACT = "org_limits_reading"
LIMITS_READING_SECONDS = 15.0
LIMITS_WAIT_POLL_SECONDS = 0.25
RATE_SHARE = 0.8
ORG = "org"
SETTINGS = "settings"


def split_key(value: str) -> tuple[str, str]:
    """``namespace/key`` -> (namespace, key); the connection extra was checked at settings time."""
    namespace, _, key = value.partition("/")
    return namespace, key


@dataclass(frozen=True)
class EffectiveLimits:
    rate_budget_per_minute: int
    max_concurrent_jobs: int
    source: str  # "org": at least one of the two came from the org's limits; "settings": none did
    org_rate_per_minute: int | None = None
    org_max_concurrent_jobs: int | None = None
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def settings_limits(settings: GenesysSettings, note: str) -> EffectiveLimits:
    return EffectiveLimits(settings.rate_budget_per_minute, settings.max_concurrent_jobs, SETTINGS, note=note)


def effective_limits(settings: GenesysSettings, org: Mapping[str, int | None], note: str = "") -> EffectiveLimits:
    """The budget and job slots from the org's values (None = not published), capped by the settings."""
    rate, jobs = org.get("rate_per_minute"), org.get("max_concurrent_jobs")
    budget = settings.rate_budget_per_minute if rate is None else min(settings.rate_budget_per_minute, _share(rate))
    slots = settings.max_concurrent_jobs if jobs is None else max(1, min(settings.max_concurrent_jobs, jobs))
    source = ORG if rate is not None or jobs is not None else SETTINGS
    return EffectiveLimits(budget, slots, source, rate, jobs, note)


def _share(rate: int) -> int:
    return max(1, math.floor(rate * RATE_SHARE))


def _limit_value(listing: Any, namespace: str, key: str) -> int | None:
    """The positive integer value of ``key`` in a LimitsEntityListing, else None."""
    for entity in (listing or {}).get("entities") or ():
        if not isinstance(entity, Mapping) or entity.get("key") != key:
            continue
        if entity.get("namespace") not in (None, namespace):
            continue
        value = entity.get("value")
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
    return None


def read_org_limits(get_json: Callable[[str], Any], settings: GenesysSettings) -> EffectiveLimits:
    """Read the two limits (one request per namespace) and size the budget and slots from them.

    ``get_json(path)`` is the client's funnel; any Genesys error leaves the settings standing."""
    wanted = {
        "rate_per_minute": split_key(settings.org_rate_limit_key),
        "max_concurrent_jobs": split_key(settings.org_job_limit_key),
    }
    listings: dict[str, Any] = {}
    found: dict[str, int | None] = {}
    try:
        for name, (namespace, key) in wanted.items():
            if namespace not in listings:
                listings[namespace] = get_json(LIMITS_PATH.format(namespace=namespace))
            found[name] = _limit_value(listings[namespace], namespace, key)
    except GenesysError as error:
        return settings_limits(settings, f"org limits not readable ({error.__class__.__name__}: {error})"[:300])
    missing = [f"{'/'.join(wanted[name])}" for name, value in found.items() if value is None]
    note = f"not published: {', '.join(missing)}" if missing else ""
    return effective_limits(settings, found, note)


def encode(limits: EffectiveLimits) -> str:
    return json.dumps(limits.as_dict())


def decode(raw: str | None, settings: GenesysSettings) -> EffectiveLimits | None:
    """A cached read under this connection's caps, or None when absent or damaged (read again)."""
    if not raw:
        return None
    try:
        cached = EffectiveLimits(**json.loads(raw))
    except (ValueError, TypeError):
        return None
    if cached.source != ORG:
        return settings_limits(settings, cached.note)
    org = {"rate_per_minute": cached.org_rate_per_minute, "max_concurrent_jobs": cached.org_max_concurrent_jobs}
    return effective_limits(settings, org, cached.note)
