"""The shared rate budget: the bucket arithmetic, then each store (in-process, real Redis, real
SQLite and PostgreSQL) under concurrent takers, judged by counting grants per rolling window."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable

import pytest

from genesys_cloud.api.client import GenesysClient
from genesys_cloud.api.rate_budget import (
    LOCAL_BUDGET,
    STORE_TABLES_LOCK_KEY,
    LocalRateBudget,
    RateBudget,
    RedisRateBudget,
    SqlRateBudget,
    guarded_span,
    rate_budget,
)
from genesys_cloud.api.regions import BaseUrls
from genesys_cloud.api.settings import GenesysSettings


def max_in_window(times: list[float], window: float) -> int:
    """Most events in any closed window of ``window`` seconds (an independent sliding count)."""
    times = sorted(times)
    best, first = 0, 0
    for last, stamp in enumerate(times):
        while stamp - times[first] > window:
            first += 1
        best = max(best, last - first + 1)
    return best


def test_greedy_taker_on_a_fake_clock_gets_exactly_the_budget_per_window():
    now = [1000.0]
    budget = LocalRateBudget(clock=lambda: now[0])
    granted: list[float] = []
    while now[0] < 1000.0 + 600:  # ten minutes of a caller that never stops asking
        wait = budget.take("client", 60)
        if wait == 0:
            granted.append(now[0])
            now[0] += 0.01
        else:
            now[0] += wait
    assert max_in_window(granted, 62.0) == 60
    assert len(granted) >= 0.9 * 600


def test_an_idle_client_may_spend_the_whole_budget_at_once_then_waits_for_the_oldest():
    now = [0.0]
    budget = LocalRateBudget(clock=lambda: now[0])
    assert all(budget.take("a", 240) == 0 for _ in range(240))
    assert budget.take("a", 240) == pytest.approx(62.0)  # the minute plus the jitter guard
    assert budget.take("b", 240) == 0  # another client has its own budget
    now[0] = 62.0  # the first grant still counts at its guarded window's closed end...
    assert budget.take("a", 240) > 0
    now[0] = 62.001  # ...and not a moment later
    assert budget.take("a", 240) == 0


def test_a_smaller_reported_limit_applies_at_once():
    now = [0.0]
    budget = LocalRateBudget(clock=lambda: now[0])
    assert sum(budget.take("c", 300) == 0 for _ in range(100)) == 100
    assert budget.take("c", 60) > 0


def hammer(take: Callable[[], float], seconds: float, threads: int) -> list[float]:
    """Several greedy takers for ``seconds``; the wall-clock times of every grant."""
    granted: list[float] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def run() -> None:
        while time.monotonic() < stop:
            wait = take()
            if wait == 0:
                with lock:
                    granted.append(time.monotonic())
            else:
                time.sleep(min(wait, 0.05))

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=seconds + 30)
    assert not any(worker.is_alive() for worker in workers), "a taker hung"
    return granted


def check_store(budget: RateBudget) -> None:
    """60 per 2-s window, 4 concurrent takers for 5 s: never above 60 in any window, and most of it used."""
    key = f"test-{uuid.uuid4().hex}"
    granted = hammer(lambda: budget.take(key, 60), seconds=5.0, threads=4)
    # Grants are timed client-side, just after the store decided: allow that jitter at the window's edge.
    assert max_in_window(granted, 2.0) <= 60
    assert len(granted) >= 0.8 * 60 * 5 / guarded_span(2.0)  # most of the pace the budget means to keep


def test_local_store_under_threads():
    check_store(LocalRateBudget(window_seconds=2.0))


def test_redis_store_under_threads(redis_server):
    check_store(RedisRateBudget(redis_server, window_seconds=2.0))


def test_sqlite_store_under_threads(sqlite_url):
    check_store(SqlRateBudget(sqlite_url, window_seconds=2.0))


def test_postgres_store_under_threads(postgres_url):
    check_store(SqlRateBudget(postgres_url, window_seconds=2.0))


def test_a_store_starting_while_another_creates_the_tables_waits_and_uses_them(postgres_url):
    """Workers starting together on a new database (a CI failure: two budget processes, one
    failing with 'duplicate key ... pg_type_typname_nsp_index'). Here the first is caught
    mid-way, its tables created but not committed; the second must wait for it, not CREATE them too."""
    import sqlalchemy as sa

    from genesys_pipeline.warehouse.engine import lock_on_postgres

    engine = sa.create_engine(postgres_url)
    first = engine.connect()
    creating = first.begin()
    lock_on_postgres(first, STORE_TABLES_LOCK_KEY)
    first.exec_driver_sql("CREATE TABLE genesys_rate_budget (client_key VARCHAR(300) PRIMARY KEY)")
    first.exec_driver_sql(
        "CREATE TABLE genesys_rate_budget_grants (client_key VARCHAR(300) NOT NULL, granted_at FLOAT NOT NULL)"
    )
    first.exec_driver_sql(
        "CREATE INDEX ix_genesys_rate_budget_grants_key_time ON genesys_rate_budget_grants (client_key, granted_at)"
    )
    started: list[object] = []
    second = threading.Thread(target=lambda: started.append(_store_or_error(postgres_url)), daemon=True)
    second.start()
    second.join(timeout=1.0)
    assert second.is_alive(), f"the second store did not wait for the first: {started}"
    creating.commit()
    first.close()
    second.join(timeout=10.0)
    assert not second.is_alive(), "the second store is still waiting after the first committed"
    (store,) = started
    assert isinstance(store, SqlRateBudget), store
    assert store.take("client", 60) == 0
    engine.dispose()


def _store_or_error(url: str) -> object:
    try:
        return SqlRateBudget(url, window_seconds=2.0)
    except Exception as error:  # the test asserts on it
        return error


@pytest.mark.parametrize("url_fixture", ["sqlite_url", "postgres_url"])
def test_sql_store_is_shared_between_engines(url_fixture, request):
    """Two engines stand in for two processes: the second sees what the first spent."""
    url = request.getfixturevalue(url_fixture)
    first, second = SqlRateBudget(url, clock=lambda: 1000.0), SqlRateBudget(url, clock=lambda: 1000.0)
    assert all(first.take("shared", 60) == 0 for _ in range(60))
    assert second.take("shared", 60) == pytest.approx(62.0)


def test_backend_selection_names_the_field():
    assert rate_budget("local", None) is LOCAL_BUDGET
    with pytest.raises(ValueError, match="rate_budget_url"):
        rate_budget("redis", None)
    with pytest.raises(ValueError, match="rate_budget_backend.*'local', 'redis', 'sql'"):
        GenesysSettings(rate_budget_backend="memcached")


def test_client_draws_api_requests_from_the_budget_and_waits_when_it_is_spent():
    taken: list[tuple[str, int]] = []
    answers = iter([0.0, 0.5, 0.25, 0.0])

    class Recording:
        def take(self, key: str, per_minute: int) -> float:
            taken.append((key, per_minute))
            return next(answers)

    slept: list[float] = []
    client = GenesysClient(
        BaseUrls(api="https://api.example", login="https://login.example"),
        "cid",
        "secret",
        GenesysSettings(rate_budget_per_minute=90),
        budget=Recording(),
        sleep=slept.append,
    )
    client._draw_budget()
    client._draw_budget()
    assert taken == [("https://login.example|cid", 90)] * 4
    assert slept == [0.5, 0.25]
    assert client.stats.paced_seconds == pytest.approx(0.75)


def test_reported_allowance_caps_the_budget_per_minute_of_its_window():
    client = GenesysClient(
        BaseUrls(api="https://api.example", login="https://login.example"),
        "cid",
        "secret",
        GenesysSettings(rate_budget_per_minute=240),
        budget=LocalRateBudget(),
    )
    assert client.budget_per_minute() == 240  # nothing reported yet
    client.pacer.observe({"inin-ratelimit-allowed": "180", "inin-ratelimit-count": "1", "inin-ratelimit-reset": "60"})
    client._server_window = 60
    assert client.budget_per_minute() == 180  # Genesys granted less than the configured budget
    client.pacer.observe({"inin-ratelimit-allowed": "8", "inin-ratelimit-count": "1", "inin-ratelimit-reset": "2"})
    client._server_window = 2
    assert client.budget_per_minute() == 240  # 8 per 2 s is 240 per minute


def test_polls_yield_the_window_to_result_pages():
    """A poll (budget_share 0.5) is granted only while the shared window is less than half full;
    a results page may still take the rest: with 120 of 240 spent, the poll waits, the page goes."""
    now = [0.0]
    budget = LocalRateBudget(clock=lambda: now[0])
    client = GenesysClient(
        BaseUrls(api="https://api.example", login="https://login.example"),
        "cid",
        "secret",
        GenesysSettings(rate_budget_per_minute=240),
        budget=budget,
        sleep=lambda seconds: now.__setitem__(0, now[0] + seconds),
    )
    for _ in range(120):
        assert budget.take(client.budget_key, 240) == 0  # other tasks' pages this minute
    assert budget.take(client.budget_key, 120) > 0  # what a poll asks for
    client._draw_budget()  # a page: granted at once
    assert now[0] == 0.0
    client._draw_budget(share=0.5)  # a poll: waits until the window's older half has left it
    assert now[0] == pytest.approx(guarded_span(60.0))
