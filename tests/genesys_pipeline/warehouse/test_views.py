"""Category views over the normalized tables on real SQLite and PostgreSQL: names resolved from the lookup tables."""

from __future__ import annotations

from sqlalchemy import text

from genesys_pipeline.warehouse import Warehouse


def query(wh: Warehouse, sql: str, **params) -> list[tuple]:
    prefix = "genesys." if wh.schema else ""
    with wh.engine.connect() as conn:
        return [tuple(row) for row in conn.execute(text(sql.replace("{s}", prefix)), params)]


def test_views_resolve_names_from_lookup_tables(warehouse, stage, sample_record):
    staging, manifest = stage([sample_record])
    warehouse.load_extraction(staging, manifest, "run-1")
    assert query(warehouse, "SELECT wrap_up_code_id, wrap_up_code_name FROM {s}v_wrapups") == [("w-1", None)]
    with warehouse.engine.begin() as conn:
        prefix = "genesys." if warehouse.schema else ""
        conn.execute(text(f"INSERT INTO {prefix}wrapup_codes (id, name) VALUES ('w-1', 'Resolved')"))
        conn.execute(text(f"INSERT INTO {prefix}queues (id, name) VALUES ('q-1', 'Support')"))
        conn.execute(text(f"INSERT INTO {prefix}users (id, name, state) VALUES ('u-1', 'Ada', 'active')"))
    assert query(warehouse, "SELECT user_name, queue_name, wrap_up_code_name, wrap_up_note FROM {s}v_wrapups") == [
        ("Ada", "Support", "Resolved", "resolved")
    ]
    dispositions = query(
        warehouse, "SELECT session_id, disconnect_type, disconnected_by FROM {s}v_dispositions ORDER BY session_id"
    )
    assert dispositions == [
        ("s-1", "endpoint", "customer"),
        ("s-2", "transfer", "transfer"),
        ("s-3", "client", "agent"),
    ]
    routing = query(
        warehouse,
        "SELECT session_id, queue_name, used_routing, time_in_queue_ms, answered, abandoned FROM {s}v_routing",
    )
    assert routing == [("s-2", "Support", "Standard", 30000, True, False)]


def test_routing_view_marks_an_abandoned_queue_session(warehouse, stage, sample_record):
    acd_session = sample_record["participants"][1]["sessions"][0]
    acd_session["metrics"] = [
        {"name": "nOffered", "value": 1, "emitDate": "2024-05-01T10:00:30.000Z"},
        {"name": "tAbandon", "value": 25000, "emitDate": "2024-05-01T10:00:55.000Z"},
    ]
    del sample_record["participants"][2]  # no agent ever answered
    staging, manifest = stage([sample_record])
    warehouse.load_extraction(staging, manifest, "run-1")
    routing = query(warehouse, "SELECT queue_id, time_in_queue_ms, answered, abandoned FROM {s}v_routing")
    assert routing == [("q-1", 25000, False, True)]
