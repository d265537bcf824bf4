"""The day-lock keys and the own/foreign split of a batch (no database needed)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from genesys_pipeline.normalize.normalizer import Normalizer, TableBatch
from genesys_pipeline.tables import TABLES_BY_NAME
from genesys_pipeline.warehouse.schema import SCHEMA_LOCK_KEY
from genesys_pipeline.warehouse.write.daylocks import (
    DAY_LOCK_NAMESPACE,
    LISTED_DAYS_KEY,
    conversation_day,
    day_lock_key,
    extraction_days,
    interval_days,
    is_deadlock,
    split_batch,
)
from tests.genesys_pipeline.pipeline_records import DAY_D, DAY_D1, EXTRACTED_D, pages_of


def test_a_day_lock_key_is_stable_distinct_per_day_and_a_positive_bigint():
    assert day_lock_key(date(2024, 5, 1)) == 0x6E6E535A_000B46BF  # fixed forever: other releases must agree
    keys = [day_lock_key(date.fromordinal(date(2020, 1, 1).toordinal() + n)) for n in range(3000)]
    assert len(set(keys)) == len(keys)
    assert all(0 < key < 2**63 for key in keys) and SCHEMA_LOCK_KEY not in keys
    assert {key >> 32 for key in keys} == {DAY_LOCK_NAMESPACE}
    assert day_lock_key(date.max) < 2**63 and day_lock_key(date.min) > 0


def test_own_days_are_every_day_the_interval_overlaps():
    assert interval_days("2024-05-01T00:00:00.000Z/2024-05-02T00:00:00.000Z") == [date(2024, 5, 1)]
    lookback = interval_days("2024-04-28T00:00:00Z/2024-05-02T00:00:00Z")
    assert lookback == [date(2024, 4, 28), date(2024, 4, 29), date(2024, 4, 30), date(2024, 5, 1)]
    # partial days at either end are owned too: a conversation started there may be returned
    assert interval_days("2024-05-01T12:00:00Z/2024-05-02T06:00:00Z") == [date(2024, 5, 1), date(2024, 5, 2)]
    assert interval_days("2024-05-01") == [] and interval_days(None) == []  # no interval: a by-id fetch
    assert interval_days("2024-05-02T00:00:00Z/2024-05-01T00:00:00Z") == []


def test_a_by_id_fetch_owns_the_days_its_query_lists_and_an_interval_wins():
    listed = {"openConversationIds": ["a", "b"], LISTED_DAYS_KEY: ["2024-05-03", "2024-04-20", "2024-05-03"]}
    assert extraction_days(listed) == [date(2024, 4, 20), date(2024, 5, 3)]
    assert extraction_days({"openConversationIds": ["a"]}) == []  # staged before days were listed
    assert (
        extraction_days({LISTED_DAYS_KEY: ["not a day"]}) == []
        and extraction_days({LISTED_DAYS_KEY: "2024-05-03"}) == []
    )
    both = {"interval": "2024-05-01T00:00:00Z/2024-05-02T00:00:00Z", LISTED_DAYS_KEY: ["2024-04-20"]}
    assert extraction_days(both) == [date(2024, 5, 1)]


def _batch(records: list[dict]) -> TableBatch:
    return Normalizer(EXTRACTED_D, "run-split").normalize_page(pages_of(records, len(records))[0])


def _ids_by_table(batch: TableBatch) -> dict[str, set[str]]:
    return {
        table: {row[TABLES_BY_NAME[table].column_names.index("conversation_id")] for row in rows}
        for table, rows in batch.rows.items()
        if rows
    }


def test_a_batch_splits_by_conversation_day_in_every_table_with_replaces_following_the_ids(generated_day):
    own_records, foreign_records = generated_day(DAY_D1)[:20], generated_day(DAY_D)[:7]
    batch = _batch(own_records[:10] + foreign_records + own_records[10:])
    own_ids = {r["conversationId"] for r in own_records}
    foreign_ids = {r["conversationId"] for r in foreign_records}
    replaces = frozenset([own_records[0]["conversationId"], foreign_records[0]["conversationId"]])
    split = split_batch(replace(batch, replaces=replaces), {DAY_D1})

    assert split.foreign_days == {DAY_D}
    assert set(split.own.conversation_ids) == own_ids and set(split.foreign.conversation_ids) == foreign_ids
    assert all(ids <= own_ids for ids in _ids_by_table(split.own).values())
    assert all(ids <= foreign_ids for ids in _ids_by_table(split.foreign).values())
    for table, rows in batch.rows.items():  # nothing lost, nothing doubled, stream order kept
        pieces = split.own.rows[table] + split.foreign.rows[table]
        assert sorted(pieces, key=repr) == sorted(rows, key=repr)
        assert [row for row in rows if row in split.foreign.rows[table]] == split.foreign.rows[table]
    assert split.own.replaces == {own_records[0]["conversationId"]}
    assert split.foreign.replaces == {foreign_records[0]["conversationId"]}


def test_a_batch_of_one_class_is_not_cut(generated_day):
    batch = _batch(generated_day(DAY_D)[:5])
    whole = split_batch(batch, {DAY_D})
    assert whole.own is batch and whole.foreign is None and whole.foreign_days == frozenset()
    everything_foreign = split_batch(batch, set())
    assert everything_foreign.own is None and everything_foreign.foreign_days == {DAY_D}
    assert everything_foreign.foreign.rows == batch.rows


def test_conversation_days_read_from_dates_or_text_and_deadlocks_are_recognised():
    assert conversation_day("2024-05-01") == conversation_day(date(2024, 5, 1)) == date(2024, 5, 1)
    assert conversation_day("2024-05-01T23:59:59Z") == date(2024, 5, 1)

    class Deadlocked(Exception):
        sqlstate = "40P01"

    class Wrapped(Exception):
        def __init__(self, orig: Exception) -> None:
            self.orig = orig

    assert is_deadlock(Wrapped(Deadlocked())) and not is_deadlock(Wrapped(ValueError()))


def test_a_load_postgres_aborted_as_a_deadlock_victim_is_run_once_more(sqlite_url, stage, generated_day, monkeypatch):
    from sqlalchemy.exc import DBAPIError

    from genesys_pipeline.warehouse import Warehouse

    class Deadlocked(Exception):
        sqlstate = "40P01"

    class Refused(Exception):
        sqlstate = "08006"

    warehouse = Warehouse.from_url(sqlite_url)
    warehouse.ensure_schema()
    staging, manifest = stage(generated_day(DAY_D)[:10])
    real, attempts = Warehouse._load_extraction, []

    def failing_first(error: Exception):
        def attempt(self, *args):
            attempts.append(args[2])  # the run id
            if len(attempts) == 1:
                raise DBAPIError("SELECT pg_advisory_xact_lock(%s)", None, error)
            return real(self, *args)

        return attempt

    monkeypatch.setattr(Warehouse, "_load_extraction", failing_first(Deadlocked()))
    assert warehouse.load_extraction(staging, manifest, "run-D").conversations_loaded == 10
    assert attempts == ["run-D", "run-D"]
    attempts.clear()
    monkeypatch.setattr(Warehouse, "_load_extraction", failing_first(Refused()))
    with pytest.raises(DBAPIError):
        warehouse.load_extraction(staging, manifest, "run-D")
    assert attempts == ["run-D"]  # any other error is the caller's to handle
    warehouse.dispose()
