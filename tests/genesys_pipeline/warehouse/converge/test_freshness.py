"""partition_freshness on real SQLite and PostgreSQL: upserted by every load, counted from the
warehouse itself, and last_extracted_at never moves backwards."""

from __future__ import annotations

import copy
from datetime import date, timedelta

from genesys_pipeline.warehouse.converge.freshness import read_partition_freshness, upsert_partition_freshness
from genesys_pipeline.warehouse.write.merge import ConversationTables
from tests.genesys_pipeline.pipeline_records import EXTRACTED_D

DAY, NEXT = date(2024, 5, 1), date(2024, 5, 2)


def freshness(wh) -> dict[str, dict]:
    with wh.engine.connect() as conn:
        return {row.partition_date: vars(row) for row in read_partition_freshness(conn)}


def test_each_extracted_day_gets_its_row(warehouse, stage_days, generated_day):
    day = generated_day(DAY)
    still_open = sum(1 for record in day if not record.get("conversationEnd"))
    staging, manifest = stage_days(day, DAY, days=2)  # the second day is extracted, and empty
    warehouse.load_extraction(staging, manifest, "run-1")
    rows = freshness(warehouse)
    assert set(rows) == {"2024-05-01", "2024-05-02"}
    assert rows["2024-05-01"]["conversations"] == 300 and rows["2024-05-01"]["open_conversations"] == still_open
    assert rows["2024-05-01"]["changed_last_run"] == 300 and rows["2024-05-01"]["deleted_last_run"] == 0
    assert rows["2024-05-02"]["conversations"] == 0
    assert rows["2024-05-01"]["last_extracted_at"] == rows["2024-05-02"]["last_extracted_at"]
    assert rows["2024-05-01"]["last_extracted_at"].startswith("2024-05-02T01:00:00")


def test_a_rerun_updates_counts_and_an_older_replay_keeps_the_newest_time(warehouse, stage_days, generated_day):
    day = generated_day(DAY)
    staging, first = stage_days(day, DAY)
    warehouse.load_extraction(staging, first, "run-1")
    ended = copy.deepcopy(day)
    for record in ended:
        record.setdefault("conversationEnd", "2024-05-02T00:30:00.000Z")
    _, later = stage_days(ended, DAY, extracted_at=EXTRACTED_D + timedelta(days=2), order="asc")  # own directory
    warehouse.load_extraction(staging, later, "run-2")
    row = freshness(warehouse)["2024-05-01"]
    assert row["open_conversations"] == 0
    assert row["changed_last_run"] == sum(1 for record in day if not record.get("conversationEnd"))
    assert row["last_extracted_at"].startswith("2024-05-04")

    warehouse.load_extraction(staging, first, "replay")  # the older extraction again: all skipped
    row = freshness(warehouse)["2024-05-01"]
    assert row["last_extracted_at"].startswith("2024-05-04") and row["changed_last_run"] == 0


def test_a_counts_only_touch_keeps_the_last_extraction_time(warehouse, stage_days, generated_day):
    staging, manifest = stage_days(generated_day(DAY), DAY)
    warehouse.load_extraction(staging, manifest, "run-1")
    with warehouse.engine.begin() as conn:
        rows = upsert_partition_freshness(ConversationTables(conn, warehouse.schema), [], None, {"2024-05-01": 2})
    assert [row.partition_date for row in rows] == ["2024-05-01"]
    row = freshness(warehouse)["2024-05-01"]
    assert row["last_extracted_at"].startswith("2024-05-02T01") and row["changed_last_run"] == 2
