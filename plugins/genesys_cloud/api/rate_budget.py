"""One request budget per OAuth client, shared by every task, worker and process that calls Genesys.

Genesys limits requests per token (300/min, fact sheet 2.4), but every task process gets its
own token and sees only its own ``inin-ratelimit-*`` window, so N parallel partitions each
pace themselves to the full allowance and meet in 429 storms. A budget drawn from one shared
sliding-window log per client id keeps their sum under the limit: a request is granted when
fewer than ``per_minute`` were granted in the last window, so no rolling minute ever holds
more, and a client that was idle may still spend the whole budget at once (no burst cap that
would slow a single partition's page fetches). Three stores, one rule:

- :class:`LocalRateBudget`: in-process (one ``airflow dags test``, unit tests, the default);
- :class:`RedisRateBudget`: a sorted set per client, one atomic Lua script per take, on the
  Redis server's clock;
- :class:`SqlRateBudget`: a lock row per client plus a row per grant in any SQLAlchemy
  database every worker reaches (Airflow 3 tasks may not use the metadata DB), serialised with ``SELECT ... FOR UPDATE``
  on PostgreSQL and ``BEGIN IMMEDIATE`` on SQLite.

``take`` never sleeps: it answers 0 (granted and recorded) or how long to wait before asking
again, so the caller owns the clock (tests inject a fake sleep).
"""

from __future__ import annotations

import functools
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any, Protocol

from genesys_cloud.api.settings import RATE_BUDGET_BACKENDS

WINDOW_SECONDS = 60.0  # Genesys counts per minute; tests shrink the window to run in seconds
# Grants are spaced over a slightly longer span than the window Genesys counts: a request
# granted now reaches the server some time later, and not always equally later (a busy host
# may not run the granted process for a few hundred milliseconds). The guard is a share of the
# window (2 s of a minute), and never less than JITTER_FLOOR_SECONDS: a window shrunk for a
# test must not shrink the delay it tolerates below what a loaded host really shows.
JITTER_SHARE = 1 / 30
JITTER_FLOOR_SECONDS = 0.5
# The advisory lock that serialises creating the SQL store's tables (apart from the warehouse's
# schema lock 0x6E6E5358 and day locks 0x6E6E535A<<32).
STORE_TABLES_LOCK_KEY = 0x6E6E5342


def guarded_span(window_seconds: float) -> float:
    return window_seconds + max(window_seconds * JITTER_SHARE, JITTER_FLOOR_SECONDS)


def window_wait(granted_in_window: int, oldest: float | None, now: float, limit: int, window: float) -> float:
    """0 when one more request fits the window, else the seconds until its oldest grant leaves it."""
    if granted_in_window < limit or oldest is None:
        return 0.0
    return max(oldest + window - now, 1e-6)


class RateBudget(Protocol):
    def take(self, key: str, per_minute: int) -> float:
        """Take one request from ``key``'s budget: 0 when granted, else seconds to wait and retry."""
        ...


class LocalRateBudget:
    """Logs in this process only; threads share them, other processes do not."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, window_seconds: float = WINDOW_SECONDS) -> None:
        self.clock = clock
        self.span = guarded_span(window_seconds)
        self._granted: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def take(self, key: str, per_minute: int) -> float:
        with self._lock:
            now = self.clock()
            granted = self._granted.setdefault(key, deque())
            while granted and granted[0] < now - self.span:
                granted.popleft()
            wait = window_wait(len(granted), granted[0] if granted else None, now, per_minute, self.span)
            if wait == 0:
                granted.append(now)
        return wait

    def clear(self) -> None:
        with self._lock:
            self._granted.clear()


# KEYS[1] = the client's sorted set of grant times, KEYS[2] = a counter for unique members;
# ARGV = limit, window seconds. The server's TIME is the clock, so workers on different hosts
# agree on it. Returns the wait in microseconds (0 = granted).
_REDIS_TAKE = """
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. tostring(now - window))
if redis.call('ZCARD', KEYS[1]) < limit then
  redis.call('ZADD', KEYS[1], now, redis.call('INCR', KEYS[2]))
  redis.call('EXPIRE', KEYS[1], math.ceil(window) + 60)
  redis.call('EXPIRE', KEYS[2], math.ceil(window) + 60)
  return 0
end
local oldest = tonumber(redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2])
return math.max(1, math.ceil((oldest + window - now) * 1000000))
"""


class RedisRateBudget:
    """Logs in Redis: one atomic script per take, so any number of workers share them."""

    def __init__(self, url: str, prefix: str = "genesys:rate-budget:", window_seconds: float = WINDOW_SECONDS) -> None:
        import redis  # only deployments that choose this backend need the package

        self.redis = redis.Redis.from_url(url)  # the job slots (job_slots.py) share it
        self._script = self.redis.register_script(_REDIS_TAKE)
        self.prefix = prefix
        self.span = guarded_span(window_seconds)

    def take(self, key: str, per_minute: int) -> float:
        keys = [self.prefix + key, self.prefix + key + ":seq"]
        return int(self._script(keys=keys, args=[per_minute, repr(self.span)])) / 1_000_000


def create_store_tables(engine: Any, metadata: Any) -> None:
    """Create the SQL store's missing tables. Workers that start together on a new database
    would all find them missing and all CREATE them, and PostgreSQL fails all but one (a
    duplicate ``pg_type`` row): creation runs under an advisory lock, so the later ones find the
    tables there. SQLite's writers already queue (``BEGIN IMMEDIATE``)."""
    from genesys_pipeline.warehouse.engine import lock_on_postgres

    with engine.begin() as conn:
        lock_on_postgres(conn, STORE_TABLES_LOCK_KEY)
        metadata.create_all(conn, checkfirst=True)


class SqlRateBudget:
    """Logs as rows of ``genesys_rate_budget_grants`` in any SQLAlchemy database, serialised per
    client by locking its ``genesys_rate_budget`` row: ``SELECT ... FOR UPDATE`` where the
    dialect has it (PostgreSQL, MySQL), ``BEGIN IMMEDIATE`` on SQLite, whose writers queue on
    the file lock. Time is this host's wall clock, so hosts sharing one database need
    synchronised clocks (NTP), as Airflow's scheduler already does."""

    def __init__(
        self, engine_or_url: Any, clock: Callable[[], float] = time.time, window_seconds: float = WINDOW_SECONDS
    ) -> None:
        import sqlalchemy as sa

        self._sa = sa
        self.engine = sa.create_engine(engine_or_url) if isinstance(engine_or_url, str) else engine_or_url
        self.clock = clock
        self.span = guarded_span(window_seconds)
        self._sqlite = self.engine.dialect.name == "sqlite"
        if self._sqlite:
            self._sqlite_immediate_transactions()
        metadata = sa.MetaData()
        self.clients = sa.Table(
            "genesys_rate_budget", metadata, sa.Column("client_key", sa.String(300), primary_key=True)
        )
        self.grants = sa.Table(
            "genesys_rate_budget_grants",
            metadata,
            sa.Column("client_key", sa.String(300), nullable=False),
            sa.Column("granted_at", sa.Float, nullable=False),
            sa.Index("ix_genesys_rate_budget_grants_key_time", "client_key", "granted_at"),
        )
        create_store_tables(self.engine, metadata)

    def _sqlite_immediate_transactions(self) -> None:
        """pysqlite's own BEGIN is deferred; take the write lock at BEGIN so two takers cannot
        both count the same log and both append to it."""
        sa = self._sa

        @sa.event.listens_for(self.engine, "connect")
        def _no_implicit_begin(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None
            dbapi_conn.execute("PRAGMA busy_timeout = 30000")

        @sa.event.listens_for(self.engine, "begin")
        def _begin_immediate(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    def take(self, key: str, per_minute: int) -> float:
        sa, grants = self._sa, self.grants
        mine = grants.c.client_key == key
        with self.engine.begin() as conn:
            self.lock_client(conn, key)
            now = self.clock()
            conn.execute(grants.delete().where(mine, grants.c.granted_at < now - self.span))
            count, oldest = conn.execute(sa.select(sa.func.count(), sa.func.min(grants.c.granted_at)).where(mine)).one()
            wait = window_wait(count, oldest, now, per_minute, self.span)
            if wait == 0:
                conn.execute(grants.insert().values(client_key=key, granted_at=now))
        return wait

    def lock_client(self, conn: Any, key: str) -> None:
        """Hold the client's row until commit (SQLite: the database is already held since BEGIN)."""
        sa, clients = self._sa, self.clients
        lock = sa.select(clients.c.client_key).where(clients.c.client_key == key)
        if not self._sqlite:
            lock = lock.with_for_update()
        if conn.execute(lock).first() is not None:
            return
        try:
            with conn.begin_nested():  # another process may create it first
                conn.execute(clients.insert().values(client_key=key))
        except sa.exc.IntegrityError:
            pass
        conn.execute(lock).first()


def budget_key(login_url: str, client_id: str) -> str:
    """One budget per OAuth client of one region; never the secret."""
    return f"{login_url}|{client_id}"


LOCAL_BUDGET = LocalRateBudget()  # one per process, shared by its clients like the token cache


@functools.cache
def rate_budget(backend: str, url: str | None) -> RateBudget:
    """The budget a connection's ``rate_budget_backend`` / ``rate_budget_url`` extras select,
    one per process and store (engines and Redis pools are reused by every client)."""
    if backend == "local":
        return LOCAL_BUDGET
    if not url:
        raise ValueError(
            f"Genesys connection extra 'rate_budget_url' is required when rate_budget_backend is {backend!r}"
        )
    if backend == "redis":
        return RedisRateBudget(url)
    if backend == "sql":
        return SqlRateBudget(url)
    raise ValueError(
        f"Genesys connection extra 'rate_budget_backend' must be one of {list(RATE_BUDGET_BACKENDS)}, got {backend!r}"
    )
