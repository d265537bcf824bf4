"""The emulator's settings: overrides validated, a bad watermark refused."""

from __future__ import annotations

import pytest

from genesys_emulator.config import ClientConfig, EmulatorConfig


def test_config_overrides_are_validated():
    config = EmulatorConfig().with_overrides(clients=[{"client_id": "x", "client_secret": "y", "roles": []}])
    assert config.client("x").roles == () and config.client("emulator-client") is None
    with pytest.raises(ValueError, match="unknown emulator settings"):
        EmulatorConfig().with_overrides(nope=1)
    with pytest.raises(ValueError, match="300..172800"):
        ClientConfig("c", "s", token_lifetime_seconds=60)


def test_bad_watermark_is_rejected_when_configured():
    with pytest.raises(ValueError):
        EmulatorConfig(watermark="yesterday-ish")
