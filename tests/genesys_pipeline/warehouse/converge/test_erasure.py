"""Erasure by complete re-extraction, on real SQLite and PostgreSQL: what a complete re-extraction
of its day no longer returns is deleted from every table in the load's transaction, the audit
gets only salted hashes, and nothing short of a complete extraction can trigger it."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import text

from genesys_pipeline.normalize.normalizer import Normalizer
from genesys_pipeline.tables import CONVERSATION_TABLES
from genesys_pipeline.warehouse.converge.erasure import CompleteExtraction, IncompleteExtractionError, whole_days
from tests.genesys_pipeline.pipeline_records import EXTRACTED_D

DAY, NEXT = date(2024, 5, 1), date(2024, 5, 2)
LATER = EXTRACTED_D + timedelta(days=3)
WATERMARK = datetime(2024, 5, 4, tzinfo=UTC)
SALT = "audit-salt"


def complete(manifest) -> CompleteExtraction:
    return CompleteExtraction.of(manifest, all_divisions_read=True, data_available_until=WATERMARK)


def ids_in(wh, table: str, ids: list[str]) -> int:
    prefix = "genesys." if wh.schema else ""
    with wh.engine.connect() as conn:
        stored = conn.execute(text(f"SELECT conversation_id FROM {prefix}{table}")).scalars().all()
    return sum(cid in ids for cid in stored)


def test_a_complete_reextraction_erases_what_it_no_longer_returns(warehouse, stage_days, generated_day):
    day, next_day = generated_day(DAY), generated_day(NEXT)
    staging, first = stage_days(day + next_day, DAY, days=2)
    warehouse.load_extraction(staging, first, "run-1")
    gone = [record["conversationId"] for record in day[10:14]]
    assert all(
        ids_in(warehouse, spec.name, gone)
        for spec in CONVERSATION_TABLES
        if spec.name in ("conversations", "participants", "sessions", "segments", "session_metrics")
    )

    kept = [record for record in day if record["conversationId"] not in gone]
    _, again = stage_days(kept, DAY, extracted_at=LATER)
    report = warehouse.load_extraction(staging, again, "run-2", complete=complete(again), erasure_salt=SALT)

    assert report.conversations_deleted == 4
    assert {spec.name: ids_in(warehouse, spec.name, gone) for spec in CONVERSATION_TABLES} == dict.fromkeys(
        (spec.name for spec in CONVERSATION_TABLES), 0
    )
    expected = sorted(hmac.new(SALT.encode(), cid.encode(), hashlib.sha256).hexdigest() for cid in gone)
    assert report.deleted_id_hashes == expected
    assert not set(gone) & set(str(report.to_dict()).split("'"))  # no raw id anywhere in the report
    assert warehouse.table_counts()["conversations"] == 596  # the next day is not this extraction's to judge
    freshness = {row["partition_date"]: row for row in report.freshness}
    assert freshness["2024-05-01"]["deleted_last_run"] == 4 and freshness["2024-05-01"]["conversations"] == 296


def test_a_replayed_older_extraction_erases_nothing_a_later_read_saw(warehouse, stage_days, generated_day):
    day = generated_day(DAY)
    staging, older = stage_days(day[:250], DAY, order="asc")  # staged first, loaded last
    _, newer = stage_days(day, DAY, extracted_at=LATER)
    warehouse.load_extraction(staging, newer, "run-new")
    report = warehouse.load_extraction(staging, older, "replay", complete=complete(older), erasure_salt=SALT)
    assert report.conversations_deleted == 0 and warehouse.table_counts()["conversations"] == 300


def test_a_rejected_record_still_counts_as_returned(warehouse, stage_days, generated_day):
    day = generated_day(DAY)
    staging, first = stage_days(day, DAY)
    warehouse.load_extraction(staging, first, "run-1")
    broken = dict(day[0], participants=[{"purpose": "customer"}])  # no participantId: rejected on load
    _, again = stage_days([broken] + day[1:], DAY, extracted_at=LATER)
    report = warehouse.load_extraction(staging, again, "run-2", complete=complete(again), erasure_salt=SALT)
    assert report.conversations_rejected == 1 and report.conversations_deleted == 0
    assert ids_in(warehouse, "conversations", [day[0]["conversationId"]]) == 1


def test_a_record_without_an_id_makes_erasure_skip(warehouse, stage_days, generated_day):
    day = generated_day(DAY)
    staging, first = stage_days(day, DAY)
    warehouse.load_extraction(staging, first, "run-1")
    _, again = stage_days([{"conversationStart": "2024-05-01T01:00:00.000Z"}] + day[5:], DAY, extracted_at=LATER)
    report = warehouse.load_extraction(staging, again, "run-2", complete=complete(again), erasure_salt=SALT)
    assert report.erasure_skipped and report.conversations_deleted == 0
    assert warehouse.table_counts()["conversations"] == 300


def test_without_a_complete_extraction_nothing_is_erased(warehouse, stage_days, generated_day):
    day = generated_day(DAY)
    staging, first = stage_days(day, DAY)
    warehouse.load_extraction(staging, first, "run-1")
    _, partial = stage_days(day[:100], DAY, extracted_at=LATER)
    report = warehouse.load_extraction(staging, partial, "run-2")
    assert report.conversations_deleted == 0 and warehouse.table_counts()["conversations"] == 300


def test_the_completeness_of_another_extraction_is_refused(warehouse, stage_days, generated_day):
    day = generated_day(DAY)
    staging, whole = stage_days(day, DAY)
    warehouse.load_extraction(staging, whole, "run-1")
    _, partial = stage_days(day[:100], DAY, extracted_at=LATER, order="asc")
    with pytest.raises(IncompleteExtractionError, match="not of the extraction being loaded"):
        warehouse.load_extraction(staging, partial, "run-2", complete=complete(whole), erasure_salt=SALT)
    assert warehouse.table_counts()["conversations"] == 300


def test_erasure_needs_a_salt_before_anything_is_written(warehouse, stage_days, generated_day):
    staging, first = stage_days(generated_day(DAY), DAY)
    with pytest.raises(ValueError, match="erasure_salt"):
        warehouse.load_extraction(staging, first, "run-1", complete=complete(first), erasure_salt="")
    assert warehouse.table_counts()["conversations"] == 0


def test_a_failure_after_the_batches_rolls_the_whole_load_back(warehouse, stage_days, generated_day):
    staging, first = stage_days(generated_day(DAY), DAY)

    def failing_finish(tables, counts, report):
        raise RuntimeError("erasure failed")

    batches = Normalizer(first.extracted_at, "run-1").normalize_pages(staging.iter_pages(first))
    with pytest.raises(RuntimeError, match="erasure failed"):
        warehouse.load_batches(batches, "run-1", finish=failing_finish)
    assert warehouse.table_counts()["conversations"] == 0


@pytest.mark.parametrize(
    "change, message",
    [
        ({"all_divisions_read": False}, "all_divisions_read"),
        ({"all_divisions_read": "yes"}, "all_divisions_read"),
        ({"query": {"conversationFilters": [{"type": "and"}]}}, "conversationFilters"),
        ({"query": {"limit": 10}}, "limit"),
        ({"complete": False}, "not complete"),
        ({"watermark": datetime(2024, 5, 1, 12, tzinfo=UTC)}, "no whole UTC day"),
    ],
)
def test_only_a_complete_unfiltered_extraction_of_whole_days_can_erase(stage_days, change, message):
    _, manifest = stage_days([], DAY, **change.get("query", {}))
    if "complete" in change:
        manifest = dataclasses.replace(manifest, complete=False)
    with pytest.raises(IncompleteExtractionError, match=message):
        CompleteExtraction.of(
            manifest,
            all_divisions_read=change.get("all_divisions_read", True),
            data_available_until=change.get("watermark", WATERMARK),
        )


def test_a_complete_extraction_cannot_be_made_by_hand():
    with pytest.raises(IncompleteExtractionError):
        CompleteExtraction((DAY,), "2024-05-02T00:00:00.000000Z", "2024-05-01/x@2024-05-02T00:00:00Z")


def test_only_days_before_the_watermark_are_erasable(stage_days):
    _, manifest = stage_days([], DAY, days=3)
    partly = CompleteExtraction.of(
        manifest, all_divisions_read=True, data_available_until=datetime(2024, 5, 3, 6, tzinfo=UTC)
    )
    assert partly.days == (DAY, NEXT)


@pytest.mark.parametrize(
    "interval, days",
    [
        ("2024-05-01T00:00:00.000Z/2024-05-02T00:00:00.000Z", [DAY]),
        ("2024-04-30T06:00:00.000Z/2024-05-03T00:00:00.000Z", [DAY, NEXT]),
        ("2024-05-01T00:00:00.000Z/2024-05-01T23:00:00.000Z", []),
        ("2024-05-01T01:00:00.000Z/2024-05-02T01:00:00.000Z", []),
    ],
)
def test_whole_days_of_an_interval(interval, days):
    assert whole_days(interval) == days
