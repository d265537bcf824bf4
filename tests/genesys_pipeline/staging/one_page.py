"""A one-page extraction staged for the staging tests (private modes, manifests, retention)."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson

from genesys_pipeline.staging.area import StagingArea

QUERY = {"interval": "2024-05-01T00:00:00.000Z/2024-05-02T00:00:00.000Z"}
PAGE = orjson.dumps({"conversations": [{"conversationId": "c-1"}]})
NOW = datetime(2024, 6, 1, tzinfo=UTC)


def stage_one_page(area: StagingArea, partition: str = "2024-05-01", when: datetime = NOW, commit: bool = True):
    writer = area.open_writer(partition, QUERY)
    writer.write_page(PAGE, records=1)
    if commit:
        writer.commit(extracted_at=when)
    return writer.directory
