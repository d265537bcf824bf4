"""Small facts about one OAuth client that every task process should share, with an expiry.

Each Airflow task runs in a process of its own, so what one task learnt about the org (its
published limits, how long its details jobs take) is lost when the process ends unless it is
kept beside the rate budget. The facts: the org's limits (read once, kept as long as a token
lives, so a backfill of a year asks once, not once per task), the recent job latencies the poll
schedule is built from, the data availability date and the divisions the client reads
(``answer_cache.py``). Values are short JSON texts; a lost or stale value only costs one more
read or one more poll, so writes are last-writer-wins. :meth:`ClientFacts.claim` is the one
exception: a short "I am reading it" marker, taken by one process only (set if absent), so
processes that start together do not all read the same fact.

- :class:`LocalClientFacts`: this process (the ``local`` budget; the triggerer, ``dags test``);
- :class:`RedisClientFacts`: ``SET ... EX`` beside the budget's keys;
- :class:`SqlClientFacts`: rows of ``genesys_client_facts`` in the budget's database.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from genesys_cloud.api.rate_budget import RedisRateBudget, SqlRateBudget, create_store_tables, rate_budget


class ClientFacts(Protocol):
    def get(self, key: str, name: str) -> str | None:
        """The unexpired value of fact ``name`` of client ``key``, else None."""
        ...

    def put(self, key: str, name: str, value: str, ttl_seconds: float) -> None: ...

    def claim(self, key: str, name: str, ttl_seconds: float) -> bool:
        """Set fact ``name`` only if it is absent or expired; True for the one caller that set it."""
        ...


class LocalClientFacts:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._values: dict[tuple[str, str], tuple[str, float]] = {}
        self._lock = threading.Lock()

    def get(self, key: str, name: str) -> str | None:
        with self._lock:
            value, expires_at = self._values.get((key, name), ("", 0.0))
        return value if expires_at > self.clock() else None

    def put(self, key: str, name: str, value: str, ttl_seconds: float) -> None:
        with self._lock:
            self._values[(key, name)] = (value, self.clock() + ttl_seconds)

    def claim(self, key: str, name: str, ttl_seconds: float) -> bool:
        with self._lock:
            now = self.clock()
            if self._values.get((key, name), ("", 0.0))[1] > now:
                return False
            self._values[(key, name)] = ("claimed", now + ttl_seconds)
            return True

    def clear(self) -> None:
        with self._lock:
            self._values.clear()


class RedisClientFacts:
    def __init__(self, budget: RedisRateBudget) -> None:
        self._redis = budget.redis
        self.prefix = budget.prefix + "facts:"

    def get(self, key: str, name: str) -> str | None:
        value = self._redis.get(f"{self.prefix}{key}:{name}")
        return value.decode() if isinstance(value, bytes) else value

    def put(self, key: str, name: str, value: str, ttl_seconds: float) -> None:
        self._redis.set(f"{self.prefix}{key}:{name}", value, px=max(1, int(ttl_seconds * 1000)))

    def claim(self, key: str, name: str, ttl_seconds: float) -> bool:
        return bool(
            self._redis.set(f"{self.prefix}{key}:{name}", "claimed", px=max(1, int(ttl_seconds * 1000)), nx=True)
        )


class SqlClientFacts:
    """Rows of ``genesys_client_facts``; this host's wall clock decides expiry."""

    def __init__(self, budget: SqlRateBudget, clock: Callable[[], float] = time.time) -> None:
        import sqlalchemy as sa

        self._sa = sa
        self._engine = budget.engine
        self.clock = clock
        metadata = sa.MetaData()
        self.facts = sa.Table(
            "genesys_client_facts",
            metadata,
            sa.Column("client_key", sa.String(300), primary_key=True),
            sa.Column("name", sa.String(100), primary_key=True),
            sa.Column("value", sa.Text, nullable=False),
            sa.Column("expires_at", sa.Float, nullable=False),
        )
        create_store_tables(self._engine, metadata)

    def _where(self, key: str, name: str) -> Any:
        facts = self.facts
        return self._sa.and_(facts.c.client_key == key, facts.c.name == name)

    def get(self, key: str, name: str) -> str | None:
        facts = self.facts
        with self._engine.connect() as conn:
            row = conn.execute(
                self._sa.select(facts.c.value).where(self._where(key, name), facts.c.expires_at > self.clock())
            ).first()
        return None if row is None else str(row[0])

    def put(self, key: str, name: str, value: str, ttl_seconds: float) -> None:
        facts = self.facts
        try:
            with self._engine.begin() as conn:
                conn.execute(facts.delete().where(self._where(key, name)))
                conn.execute(
                    facts.insert().values(client_key=key, name=name, value=value, expires_at=self.clock() + ttl_seconds)
                )
        except self._sa.exc.IntegrityError:
            pass  # another process wrote the same fact at the same moment: its value stands

    def claim(self, key: str, name: str, ttl_seconds: float) -> bool:
        """Delete the fact if expired, then insert it: the primary key lets one inserter win."""
        facts, now = self.facts, self.clock()
        try:
            with self._engine.begin() as conn:
                conn.execute(facts.delete().where(self._where(key, name), facts.c.expires_at <= now))
                conn.execute(
                    facts.insert().values(client_key=key, name=name, value="claimed", expires_at=now + ttl_seconds)
                )
        except self._sa.exc.IntegrityError:
            return False  # held by another process and not expired
        return True


LOCAL_FACTS = LocalClientFacts()


@functools.cache
def client_facts(backend: str, url: str | None) -> ClientFacts:
    """The facts store beside the rate budget ``rate_budget_backend`` / ``rate_budget_url`` select."""
    budget = rate_budget(backend, url)
    if isinstance(budget, RedisRateBudget):
        return RedisClientFacts(budget)
    if isinstance(budget, SqlRateBudget):
        return SqlClientFacts(budget)
    return LOCAL_FACTS
