"""Fixtures of the world-model tests: one generator and its day of records per module."""

from __future__ import annotations

import pytest

from genesys_emulator.world.generator import DataGenerator
from tests.genesys_emulator.world.generated_day import DAY, PER_DAY


@pytest.fixture(scope="module")
def generator() -> DataGenerator:
    return DataGenerator(seed=42, conversations_per_day=PER_DAY)


@pytest.fixture(scope="module")
def day_records(generator: DataGenerator) -> list[dict]:
    return [generator.conversation(DAY, index) for index in range(PER_DAY)]
