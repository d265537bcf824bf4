"""The org's limits sizing the budget and job slots: capped by the settings, read once per client
through the shared store, and the settings standing (and saying so) where they cannot be read."""

from __future__ import annotations

import pytest

from genesys_cloud.api.exceptions import GenesysApiError
from genesys_cloud.api.limits import (
    ORG,
    SETTINGS,
    decode,
    effective_limits,
    encode,
    read_org_limits,
    settings_limits,
)
from genesys_cloud.api.settings import GenesysSettings
from tests.support.connections import emulator_hook

LIMITS_OP = "get_organizations_limits_namespace"


@pytest.mark.parametrize(
    ("org", "budget", "slots"),
    [
        ({"rate_per_minute": 300, "max_concurrent_jobs": 5}, 240, 5),
        ({"rate_per_minute": 600, "max_concurrent_jobs": 20}, 240, 5),  # raised org limits: the settings cap
        ({"rate_per_minute": 100, "max_concurrent_jobs": 2}, 80, 2),  # lower org limits tighten
        ({"rate_per_minute": None, "max_concurrent_jobs": 3}, 240, 3),
    ],
)
def test_org_limits_only_tighten_the_settings(org, budget, slots):
    limits = effective_limits(GenesysSettings(), org)
    assert (limits.rate_budget_per_minute, limits.max_concurrent_jobs, limits.source) == (budget, slots, ORG)


def test_read_org_limits_one_request_per_namespace_and_missing_keys_named():
    calls: list[str] = []
    listings = {
        "platform.api": {"entities": [{"key": "client.credentials.token.rate.per.minute", "value": 150}]},
        "analytics": {"entities": [{"key": "something.else", "namespace": "analytics", "value": 9}]},
    }

    def get_json(path: str):
        calls.append(path)
        return listings[path.rsplit("/", 1)[1]]

    limits = read_org_limits(get_json, GenesysSettings())
    assert calls == [
        "/api/v2/organizations/limits/namespaces/platform.api",
        "/api/v2/organizations/limits/namespaces/analytics",
    ]
    assert (limits.rate_budget_per_minute, limits.max_concurrent_jobs, limits.source) == (120, 5, ORG)
    assert "analytics/conversation.details.jobs.concurrent.access.max" in limits.note


def test_unreadable_limits_leave_the_settings_and_say_why():
    def forbidden(path: str):
        raise GenesysApiError(403, "You must have limits:organization:view", code="missing.any.permissions", path=path)

    limits = read_org_limits(forbidden, GenesysSettings(rate_budget_per_minute=100))
    assert (limits.rate_budget_per_minute, limits.source) == (100, SETTINGS)
    assert "GenesysApiError" in limits.note


def test_a_cached_read_is_recapped_by_this_connections_settings():
    cached = encode(effective_limits(GenesysSettings(), {"rate_per_minute": 300, "max_concurrent_jobs": 4}))
    limits = decode(cached, GenesysSettings(rate_budget_per_minute=50, max_concurrent_jobs=2))
    assert limits is not None and (limits.rate_budget_per_minute, limits.max_concurrent_jobs) == (50, 2)
    assert decode("{damaged", GenesysSettings()) is None


@pytest.mark.parametrize("key", ["org_rate_limit_key", "org_job_limit_key"])
def test_a_limit_key_must_name_its_namespace(key):
    with pytest.raises(ValueError, match=f"'{key}' must be 'namespace/key'"):
        GenesysSettings.from_extra({key: "no-namespace"})


def test_limits_from_the_emulator_read_once_per_client_through_the_shared_store(emulator, monkeypatch, tmp_path):
    """The emulator enforces 100/min and 3 jobs and publishes them; a second process (a new
    hook on the same store) reuses the first one's read and makes no limits request."""
    emulator.control.configure(rate_limit_requests=100, job_max_active_per_client=3)
    store = {"rate_budget_backend": "sql", "rate_budget_url": f"sqlite:///{tmp_path / 'store.db'}"}
    before = emulator.control.stats().get(LIMITS_OP, {})
    first = emulator_hook(monkeypatch, emulator.base_url, **store).limits()
    assert (first.rate_budget_per_minute, first.max_concurrent_jobs, first.source) == (80, 3, ORG)
    assert (first.org_rate_per_minute, first.org_max_concurrent_jobs) == (100, 3)
    second = emulator_hook(monkeypatch, emulator.base_url, **store)
    assert second.limits() == first
    second.get_data_availability()  # draws from the budget the limits sized
    after = emulator.control.stats()[LIMITS_OP]
    assert sum(after.values()) - sum(before.values()) == 2  # two namespaces, read once


def test_a_client_without_the_permission_keeps_its_settings(emulator, monkeypatch, tmp_path):
    emulator.control.add_client("no-limits", "s3cret-client", permissions=["analytics:conversationDetail:view"])
    store = {"rate_budget_backend": "sql", "rate_budget_url": f"sqlite:///{tmp_path / 'store.db'}"}
    hook = emulator_hook(monkeypatch, emulator.base_url, **store)
    monkeypatch.setattr(hook.client, "client_id", "no-limits")
    monkeypatch.setattr(hook.client, "_client_secret", "s3cret-client")
    limits = hook.limits()
    assert (limits.rate_budget_per_minute, limits.max_concurrent_jobs, limits.source) == (240, 5, SETTINGS)
    assert "403" in limits.note


def test_the_local_budget_reads_no_limits(emulator, monkeypatch):
    hook = emulator_hook(monkeypatch, emulator.base_url)
    assert hook.limits().source == SETTINGS and "local" in hook.limits().note
    assert LIMITS_OP not in emulator.control.stats()


def test_a_process_starting_while_another_reads_the_limits_waits_for_that_read(emulator, monkeypatch, tmp_path):
    """Tasks that start together: the one holding the claim reads, the other asks nothing and
    takes its answer; a claim whose reader died lets the waiter read itself after the claim's life."""
    import threading

    from genesys_cloud.api import client as client_module
    from genesys_cloud.api.limits import LIMITS_FACT, LIMITS_READING_FACT

    store = {"rate_budget_backend": "sql", "rate_budget_url": f"sqlite:///{tmp_path / 'store.db'}"}
    reader = emulator_hook(monkeypatch, emulator.base_url, **store).client
    waiter = emulator_hook(monkeypatch, emulator.base_url, **store).client
    assert reader.facts.claim(reader.budget_key, LIMITS_READING_FACT, 30.0)  # the reader is reading
    got = []
    waiting = threading.Thread(target=lambda: got.append(waiter.limits()))
    waiting.start()
    reader._limits = settings_limits(reader.settings, "reading")  # as GenesysClient.limits does while it reads
    limits = read_org_limits(lambda path: reader.request("GET", path).data, reader.settings)
    reader.facts.put(reader.budget_key, LIMITS_FACT, encode(limits), 60.0)
    waiting.join(timeout=20)
    assert got == [limits] and limits.source == ORG
    assert sum(emulator.control.stats()[LIMITS_OP].values()) == 2  # the reader's two namespaces only

    monkeypatch.setattr(client_module, "LIMITS_READING_SECONDS", 0.5)
    orphan = tmp_path / "orphan.db"
    late = emulator_hook(
        monkeypatch, emulator.base_url, rate_budget_backend="sql", rate_budget_url=f"sqlite:///{orphan}"
    )
    assert late.client.facts.claim(late.client.budget_key, LIMITS_READING_FACT, 0.5)  # a reader that died
    assert late.limits().source == ORG
    assert sum(emulator.control.stats()[LIMITS_OP].values()) == 4
