"""Fixtures for the emulator's contract tests."""

from __future__ import annotations

import pytest

from tests.support.emulator_api import ApiClient


@pytest.fixture()
def api(emulator) -> ApiClient:
    return ApiClient(emulator.base_url)
