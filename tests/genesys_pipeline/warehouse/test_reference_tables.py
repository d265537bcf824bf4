"""Reference tables (users, queues, wrap-up codes): one row per entity id, one current snapshot each,
and an empty answer never wipes a filled table."""

from __future__ import annotations

import pytest

from genesys_pipeline.warehouse import Warehouse
from genesys_pipeline.warehouse.reference_tables import EmptySnapshotError, entity_rows, replace_snapshot
from tests.support.warehouse_rows import warehouse_rows


def test_entity_rows_keep_one_row_per_id_and_tolerate_entities_without_state():
    rows = entity_rows(
        [
            {"id": "u1", "name": "Ann", "state": "deleted"},
            {"id": "q1", "name": "Sales"},
            {"id": "u1", "name": "Ann B"},
            {"name": "no id"},
        ],
        "2024-05-01T00:00:00.000000Z",
    )
    assert rows == [
        {"id": "u1", "name": "Ann B", "state": None, "_synced_at": "2024-05-01T00:00:00.000000Z"},
        {"id": "q1", "name": "Sales", "state": None, "_synced_at": "2024-05-01T00:00:00.000000Z"},
    ]


def test_an_empty_answer_never_wipes_a_filled_table(sqlite_url):
    warehouse = Warehouse.from_url(sqlite_url)
    try:
        warehouse.ensure_schema()
        replace_snapshot(warehouse.engine, "queues", [{"id": "q1", "name": "Sales"}])
        with pytest.raises(EmptySnapshotError, match="keeping the 1 rows"):
            replace_snapshot(warehouse.engine, "queues", [])
        assert replace_snapshot(warehouse.engine, "queues", [], allow_empty=True).replaced == 1
    finally:
        warehouse.dispose()
    assert warehouse_rows(sqlite_url, "SELECT COUNT(*) FROM {s}queues") == [(0,)]
