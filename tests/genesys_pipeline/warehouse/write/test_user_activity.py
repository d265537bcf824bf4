"""The user-day merge on SQLite and PostgreSQL through the warehouse's own bulk writer:
replace, unchanged, never older, and a carried-over interval closed without a duplicate."""

from __future__ import annotations

from datetime import date

import orjson
from sqlalchemy import text

from genesys_pipeline.normalize.user_details import normalize_user_pages
from genesys_pipeline.warehouse.write.user_activity import load_user_activity


def page(end: str | None, status: str = "IDLE") -> bytes:
    record = {"startTime": "2024-05-01T23:00:00.000Z", "routingStatus": status}
    if end:
        record["endTime"] = end
    return orjson.dumps({"userDetails": [{"userId": "u1", "primaryPresence": [], "routingStatus": [record]}]})


def rows(warehouse) -> list[tuple]:
    target = (
        f"{warehouse.schema}.user_routing_status_intervals" if warehouse.schema else "user_routing_status_intervals"
    )
    with warehouse.engine.connect() as conn:
        found = conn.execute(text(f"SELECT user_id, end_time, routing_status, _run_id FROM {target}")).all()
    return [(u, None if e is None else str(e)[:19].replace(" ", "T"), s, r) for u, e, s, r in found]


def load(warehouse, raw: bytes, own: list[date], extracted_at: str, run_id: str):
    result = normalize_user_pages([raw], extracted_at, run_id)
    return load_user_activity(warehouse.engine, warehouse.writer, result, own, extracted_at, run_id)


def test_replace_unchanged_older_and_carry_over(warehouse):
    may_1, may_2 = date(2024, 5, 1), date(2024, 5, 2)
    first = load(warehouse, page(None), [may_1], "2024-05-02T00:30:00+00:00", "r1")
    assert first.user_days_new == 1 and rows(warehouse) == [("u1", None, "IDLE", "r1")]
    same = load(warehouse, page(None), [may_1], "2024-05-02T00:40:00+00:00", "r2")
    assert same.user_days_unchanged == 1 and rows(warehouse) == [("u1", None, "IDLE", "r1")]
    carried = load(warehouse, page("2024-05-02T01:00:00.000Z"), [may_2], "2024-05-03T00:30:00+00:00", "r3")
    assert carried.carried_over_updated == 1
    assert rows(warehouse) == [("u1", "2024-05-02T01:00:00", "IDLE", "r3")]
    older = load(warehouse, page(None, "INTERACTING"), [may_1], "2024-05-02T00:10:00+00:00", "r0")
    assert older.user_days_skipped_older == 1
    assert rows(warehouse) == [("u1", "2024-05-02T01:00:00", "IDLE", "r3")]
