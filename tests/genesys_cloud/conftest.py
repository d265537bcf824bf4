"""Fixtures of the hook tests: a Genesys connection from an env var, no real sleeping."""

from __future__ import annotations

import pytest

from tests.support.connections import FAKE_BASE, set_connection


@pytest.fixture()
def fake_connection(monkeypatch: pytest.MonkeyPatch) -> str:
    set_connection(monkeypatch, FAKE_BASE, {"backoff_base_seconds": 0.01})
    return FAKE_BASE


@pytest.fixture()
def sleeps() -> list[float]:
    return []


@pytest.fixture()
def hook(fake_connection: str, sleeps: list[float]):
    """A hook on the fake base URL whose waits are recorded instead of slept."""
    from genesys_cloud.hook import GenesysCloudHook

    hook = GenesysCloudHook()
    hook.client.sleep = sleeps.append
    return hook
