"""The client-facts stores the API tests share: in-process, real Redis, real SQLite and PostgreSQL."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

import pytest

from genesys_cloud.api.client_facts import ClientFacts, LocalClientFacts, RedisClientFacts, SqlClientFacts
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
