"""Client facts in each store (in-process, real Redis, real SQLite and PostgreSQL): a value put
is read back by another instance on the same store until it expires, and a rewrite replaces it."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

import pytest

from genesys_cloud.api.client_facts import (
    LOCAL_FACTS,
    ClientFacts,
    LocalClientFacts,
    RedisClientFacts,
    SqlClientFacts,
    client_facts,
)
from genesys_cloud.api.rate_budget import RedisRateBudget, SqlRateBudget


class FakeClock:
    def __init__(self) -> None:
        self.now = 5_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["local", "redis", "sqlite", "postgres"])
def stores(request, tmp_path) -> tuple[ClientFacts, ClientFacts, Callable[[float], None]]:
    """Two handles on one store (two processes' view) and how to let time pass for it."""
    if request.param == "redis":
        url, prefix = request.getfixturevalue("redis_server"), f"test-facts-{uuid.uuid4()}:"
        one, two = (RedisClientFacts(RedisRateBudget(url, prefix=prefix)) for _ in range(2))
        return one, two, time.sleep  # the server's clock
    clock = FakeClock()

    def advance(seconds: float) -> None:
        clock.now += seconds

    if request.param == "local":
        local = LocalClientFacts(clock)
        return local, local, advance
    url = f"sqlite:///{tmp_path / 'facts.db'}" if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    one, two = (SqlClientFacts(SqlRateBudget(url), clock) for _ in range(2))
    return one, two, advance


def test_a_fact_is_shared_until_it_expires(stores):
    one, two, advance = stores
    assert two.get("client-a", "org_limits") is None
    one.put("client-a", "org_limits", '{"rate": 1}', ttl_seconds=1.0)
    one.put("client-b", "org_limits", '{"rate": 2}', ttl_seconds=1.0)
    assert two.get("client-a", "org_limits") == '{"rate": 1}'
    assert two.get("client-a", "job_latency_s") is None  # another fact of the same client
    two.put("client-a", "org_limits", '{"rate": 3}', ttl_seconds=1.0)
    assert one.get("client-a", "org_limits") == '{"rate": 3}'
    advance(1.2)
    assert one.get("client-a", "org_limits") is None and two.get("client-b", "org_limits") is None


def test_the_local_backend_keeps_facts_in_this_process():
    assert client_facts("local", None) is LOCAL_FACTS
