"""Bearer tokens the emulator issues: each expires by its lifetime on the service clock, or on demand."""

from __future__ import annotations

from genesys_emulator.config import ClientConfig
from genesys_emulator.service.clock import Clock
from genesys_emulator.service.tokens import TokenStore


def test_tokens_expire_by_lifetime_and_on_demand():
    clock = Clock()
    tokens = TokenStore(clock)
    token = tokens.issue(ClientConfig("c", "s", token_lifetime_seconds=300))
    assert tokens.lookup(token.value) == (token, False)
    clock.advance(300)
    assert tokens.lookup(token.value)[1] is True
    fresh = tokens.issue(ClientConfig("c", "s"))
    tokens.expire_all()
    assert tokens.lookup(fresh.value)[1] is True
    assert tokens.lookup("never") == (None, False)
