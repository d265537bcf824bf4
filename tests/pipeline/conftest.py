"""Fixtures for the normalize/load tests: records (fact-sheet sample and emulator generator)
and staged extractions built from them exactly as the extract step writes them."""
from __future__ import annotations

import copy
from datetime import date, datetime
from pathlib import Path
from typing import Callable

import orjson
import pytest
from pipeline_records import DAY, EXTRACTED_D, SAMPLE_RECORD, pages_of

from genesys_pipeline.staging import Manifest, StagingArea


@pytest.fixture()
def sample_record() -> dict:
    return copy.deepcopy(SAMPLE_RECORD)


@pytest.fixture(scope="session")
def generated_day() -> Callable[[date], list[dict]]:
    """Every emulator-generated record starting on a day (300 per day), as private copies."""
    from genesys_emulator.generator import DataGenerator

    generator = DataGenerator(seed=42, conversations_per_day=300)

    def records(day: date = DAY) -> list[dict]:
        return [copy.deepcopy(generator.conversation(day, i)) for i in range(generator.conversations_per_day)]

    return records


@pytest.fixture()
def make_pages() -> Callable[..., list[bytes]]:
    return pages_of


@pytest.fixture()
def stage(tmp_path: Path) -> Callable[..., tuple[StagingArea, Manifest]]:
    """Stage records as one complete extraction; returns (staging area, manifest)."""
    staging = StagingArea(tmp_path / "staging")

    def write(records: list[dict], extracted_at: datetime = EXTRACTED_D, partition: str = "2024-05-01",
              page_size: int = 100) -> tuple[StagingArea, Manifest]:
        writer = staging.open_writer(partition, {"interval": partition, "pageSize": page_size})
        for page in pages_of(records, page_size):
            writer.write_page(page, records=len(orjson.loads(page)["conversations"]))
        return staging, writer.commit(extracted_at)

    return write
