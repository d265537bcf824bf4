"""Fixtures for the normalize/load tests: records (fact-sheet sample and emulator generator)
and staged extractions built from them exactly as the extract step writes them."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

import orjson
import pytest

from genesys_pipeline.staging.area import Manifest, StagingArea
from genesys_pipeline.warehouse import Warehouse
from tests.genesys_pipeline.pipeline_records import DAY, EXTRACTED_D, SAMPLE_RECORD, pages_of


@pytest.fixture()
def sample_record() -> dict:
    return copy.deepcopy(SAMPLE_RECORD)


@pytest.fixture(scope="session")
def generated_day() -> Callable[[date], list[dict]]:
    """Every emulator-generated record starting on a day (300 per day), as private copies."""
    from genesys_emulator.world.generator import DataGenerator

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

    def write(
        records: list[dict], extracted_at: datetime = EXTRACTED_D, partition: str = "2024-05-01", page_size: int = 100
    ) -> tuple[StagingArea, Manifest]:
        writer = staging.open_writer(partition, {"interval": partition, "pageSize": page_size})
        for page in pages_of(records, page_size):
            writer.write_page(page, records=len(orjson.loads(page)["conversations"]))
        return staging, writer.commit(extracted_at)

    return write


@pytest.fixture()
def warehouse(warehouse_url):
    """A warehouse with its schema, on each dialect."""
    wh = Warehouse.from_url(warehouse_url)
    wh.ensure_schema()
    yield wh
    wh.dispose()


@pytest.fixture()
def stage_days(tmp_path: Path) -> Callable[..., tuple[StagingArea, Manifest]]:
    """Stage records as one complete extraction of whole UTC days, with the real query shape."""
    staging = StagingArea(tmp_path / "staging-days")

    def write(
        records: list[dict], first: date, days: int = 1, extracted_at: datetime = EXTRACTED_D, **query: object
    ) -> tuple[StagingArea, Manifest]:
        end = first + timedelta(days=days)
        interval = f"{first.isoformat()}T00:00:00.000Z/{end.isoformat()}T00:00:00.000Z"
        writer = staging.open_writer(first.isoformat(), {"interval": interval, "pageSize": 100, **query})
        for page in pages_of(records, 100):
            writer.write_page(page, records=len(orjson.loads(page)["conversations"]))
        return staging, writer.commit(extracted_at)

    return write
