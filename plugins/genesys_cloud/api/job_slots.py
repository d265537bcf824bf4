"""Concurrent details-job slots per OAuth client, held as leases in the rate budget's shared store.

Genesys caps how many details jobs one client may have at once (the emulator: 5 QUEUED or
PENDING; fact sheet 4.6, UNCONFIRMED). An ``extract`` that defers frees its Airflow pool slot
while its job runs, so a backfill submits more jobs than the pool allows and meets 429s on
submission. A slot is taken before a job is submitted and given back when the job is deleted,
so across every worker no more than ``max_concurrent_jobs`` jobs of one client exist.

Each slot is a lease: it expires ``job_slot_lease_seconds`` after it was last renewed (every
status poll and results page renews it), so a task killed between submit and delete holds its
slot for at most one lease, never for good. A slot is first taken under a random holder id and
handed to the job id once Genesys answers, so delete and renew need nothing but the job id.

- :class:`RedisJobSlots`: a sorted set per client (member = holder, score = expiry), one Lua
  script per call, on the Redis server's clock;
- :class:`SqlJobSlots`: rows of ``genesys_job_slots``, serialised by the rate budget's per-client
  lock row;
- ``local`` (the default backend) enforces nothing here: it is per process, and one process runs
  one extraction at a time, so there is nothing to coordinate; Genesys's own 429 is waited out.

``acquire`` never sleeps: it answers whether the slot was taken; the caller owns the clock.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any, Protocol

from genesys_cloud.api.rate_budget import RedisRateBudget, SqlRateBudget, create_store_tables, rate_budget


class JobSlots(Protocol):
    def acquire(self, key: str, cap: int, holder: str, lease_seconds: float) -> bool:
        """Take (or renew) ``holder``'s slot when fewer than ``cap`` unexpired leases exist."""
        ...

    def transfer(self, key: str, holder: str, new_holder: str, lease_seconds: float) -> bool:
        """Hand ``holder``'s slot to ``new_holder`` atomically (no one can take it in between)."""
        ...

    def renew(self, key: str, holder: str, lease_seconds: float) -> bool:
        """Extend a lease still held; False when it was already lost (expired and reclaimed)."""
        ...

    def release(self, key: str, holder: str) -> None: ...


class NoJobSlots:
    """The ``local`` backend's slots: every call succeeds (see the module docstring)."""

    def acquire(self, key: str, cap: int, holder: str, lease_seconds: float) -> bool:
        return True

    def transfer(self, key: str, holder: str, new_holder: str, lease_seconds: float) -> bool:
        return True

    def renew(self, key: str, holder: str, lease_seconds: float) -> bool:
        return True

    def release(self, key: str, holder: str) -> None:
        return None


# KEYS[1] = the client's sorted set of leases (member = holder, score = expiry on the server clock).
_REDIS_PRELUDE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
"""
# ARGV = cap, holder, lease seconds
_REDIS_ACQUIRE = (
    _REDIS_PRELUDE
    + """
local lease = tonumber(ARGV[3])
if redis.call('ZSCORE', KEYS[1], ARGV[2]) or redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + lease, ARGV[2])
  redis.call('EXPIRE', KEYS[1], math.ceil(lease) + 60)
  return 1
end
return 0
"""
)
# ARGV = holder, new holder, lease seconds
_REDIS_TRANSFER = (
    _REDIS_PRELUDE
    + """
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[2])
redis.call('EXPIRE', KEYS[1], math.ceil(tonumber(ARGV[3])) + 60)
return 1
"""
)
# ARGV = holder, lease seconds
_REDIS_RENEW = (
    _REDIS_PRELUDE
    + """
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[2]), ARGV[1])
redis.call('EXPIRE', KEYS[1], math.ceil(tonumber(ARGV[2])) + 60)
return 1
"""
)


class RedisJobSlots:
    """Leases in Redis, beside the rate budget's logs (same server, same key prefix)."""

    def __init__(self, budget: RedisRateBudget) -> None:
        self._redis = budget.redis
        self.prefix = budget.prefix + "job-slots:"
        self._acquire = self._redis.register_script(_REDIS_ACQUIRE)
        self._transfer = self._redis.register_script(_REDIS_TRANSFER)
        self._renew = self._redis.register_script(_REDIS_RENEW)

    def acquire(self, key: str, cap: int, holder: str, lease_seconds: float) -> bool:
        return bool(self._acquire(keys=[self.prefix + key], args=[cap, holder, repr(float(lease_seconds))]))

    def transfer(self, key: str, holder: str, new_holder: str, lease_seconds: float) -> bool:
        return bool(self._transfer(keys=[self.prefix + key], args=[holder, new_holder, repr(float(lease_seconds))]))

    def renew(self, key: str, holder: str, lease_seconds: float) -> bool:
        return bool(self._renew(keys=[self.prefix + key], args=[holder, repr(float(lease_seconds))]))

    def release(self, key: str, holder: str) -> None:
        self._redis.zrem(self.prefix + key, holder)


class SqlJobSlots:
    """Leases as rows of ``genesys_job_slots`` in the rate budget's database, each call one
    transaction holding the budget's lock on the client's row. Time is this host's wall clock."""

    def __init__(self, budget: SqlRateBudget, clock: Callable[[], float] = time.time) -> None:
        import sqlalchemy as sa

        self._sa = sa
        self._budget = budget
        self.clock = clock
        metadata = sa.MetaData()
        self.slots = sa.Table(
            "genesys_job_slots",
            metadata,
            sa.Column("client_key", sa.String(300), primary_key=True),
            sa.Column("holder", sa.String(100), primary_key=True),
            sa.Column("expires_at", sa.Float, nullable=False),
        )
        create_store_tables(budget.engine, metadata)

    def _locked(self, key: str, work: Callable[[Any, float], bool]) -> bool:
        """Run ``work(conn, now)`` with the client's row locked and its expired leases gone."""
        slots = self.slots
        with self._budget.engine.begin() as conn:
            self._budget.lock_client(conn, key)
            now = self.clock()
            conn.execute(slots.delete().where(slots.c.client_key == key, slots.c.expires_at <= now))
            return work(conn, now)

    def _held(self, conn: Any, key: str, holder: str) -> bool:
        slots = self.slots
        query = self._sa.select(slots.c.holder).where(slots.c.client_key == key, slots.c.holder == holder)
        return conn.execute(query).first() is not None

    def _set(self, conn: Any, key: str, holder: str, expires_at: float, *, exists: bool) -> None:
        slots = self.slots
        if exists:
            conn.execute(
                slots.update().where(slots.c.client_key == key, slots.c.holder == holder).values(expires_at=expires_at)
            )
        else:
            conn.execute(slots.insert().values(client_key=key, holder=holder, expires_at=expires_at))

    def acquire(self, key: str, cap: int, holder: str, lease_seconds: float) -> bool:
        sa, slots = self._sa, self.slots

        def take(conn: Any, now: float) -> bool:
            held = self._held(conn, key, holder)
            if not held:
                count = conn.execute(sa.select(sa.func.count()).where(slots.c.client_key == key)).scalar_one()
                if count >= cap:
                    return False
            self._set(conn, key, holder, now + lease_seconds, exists=held)
            return True

        return self._locked(key, take)

    def transfer(self, key: str, holder: str, new_holder: str, lease_seconds: float) -> bool:
        slots = self.slots

        def hand_over(conn: Any, now: float) -> bool:
            gone = conn.execute(slots.delete().where(slots.c.client_key == key, slots.c.holder == holder)).rowcount
            if not gone:
                return False
            self._set(conn, key, new_holder, now + lease_seconds, exists=False)
            return True

        return self._locked(key, hand_over)

    def renew(self, key: str, holder: str, lease_seconds: float) -> bool:
        def extend(conn: Any, now: float) -> bool:
            if not self._held(conn, key, holder):
                return False
            self._set(conn, key, holder, now + lease_seconds, exists=True)
            return True

        return self._locked(key, extend)

    def release(self, key: str, holder: str) -> None:
        slots = self.slots
        self._locked(
            key,
            lambda conn, _now: bool(
                conn.execute(slots.delete().where(slots.c.client_key == key, slots.c.holder == holder)).rowcount
            ),
        )


NO_JOB_SLOTS = NoJobSlots()


@functools.cache
def job_slots(backend: str, url: str | None) -> JobSlots:
    """The job slots beside the rate budget ``rate_budget_backend`` / ``rate_budget_url`` select."""
    budget = rate_budget(backend, url)
    if isinstance(budget, RedisRateBudget):
        return RedisJobSlots(budget)
    if isinstance(budget, SqlRateBudget):
        return SqlJobSlots(budget)
    return NO_JOB_SLOTS
