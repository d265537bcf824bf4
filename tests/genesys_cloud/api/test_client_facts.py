"""Client facts in each store (in-process, real Redis, real SQLite and PostgreSQL): a value put
is read back by another instance on the same store until it expires, and a rewrite replaces it;
a claim is taken by one caller only until it expires (the ``stores`` fixture: conftest.py)."""

from __future__ import annotations

import threading

from genesys_cloud.api.client_facts import LOCAL_FACTS, client_facts


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


def test_a_claim_is_taken_once_until_it_expires(stores):
    one, two, advance = stores
    assert one.claim("client-a", "org_limits_reading", ttl_seconds=1.0) is True
    assert two.claim("client-a", "org_limits_reading", ttl_seconds=1.0) is False
    assert one.claim("client-a", "org_limits_reading", ttl_seconds=1.0) is False  # not re-entrant
    assert two.claim("client-b", "org_limits_reading", ttl_seconds=1.0) is True  # another client's
    advance(1.2)
    assert two.claim("client-a", "org_limits_reading", ttl_seconds=1.0) is True  # a dead claimer's expired


def test_of_claims_made_at_once_one_wins(stores):
    one, two, _ = stores
    start, won = threading.Barrier(8), []

    def contend(facts) -> None:
        start.wait(timeout=10)
        won.append(facts.claim("client-a", "org_limits_reading", ttl_seconds=30.0))

    threads = [threading.Thread(target=contend, args=(one if i % 2 else two,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(won) == [False] * 7 + [True]
