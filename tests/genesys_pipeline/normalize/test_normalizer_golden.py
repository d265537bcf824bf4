"""Golden tests: result pages -> the exact rows of every table.

The fact-sheet sample is checked against hand-written rows; emulator-generated records
(spanning midnight, ongoing, chat, email, callback) against their JSON, field by field,
through the table specs' ``source`` keys.
"""

from __future__ import annotations

from datetime import date

import orjson
import pytest

from genesys_pipeline import tables
from genesys_pipeline.normalize.content_hash import conversation_hash, hash_context
from genesys_pipeline.normalize.normalizer import Normalizer, TableBatch

EXTRACTED = "2024-05-02T01:00:00.000000Z"
META = {"_extracted_at": EXTRACTED, "_run_id": "run-1"}


def normalize(pages: list[bytes]) -> tuple[TableBatch, Normalizer]:
    normalizer = Normalizer("2024-05-02T01:00:00Z", "run-1")
    batches = list(normalizer.normalize_pages(pages))
    merged = {name: [row for batch in batches for row in batch.rows[name]] for name in batches[0].rows}
    return TableBatch(rows=merged, conversation_ids=[c for b in batches for c in b.conversation_ids]), normalizer


def as_dicts(table: str, rows: list[tuple]) -> list[dict]:
    """Rows as {column: value}, NULL columns left out, so expectations list only what is set."""
    names = tables.TABLES_BY_NAME[table].column_names
    assert all(len(row) == len(names) for row in rows)
    return [{name: value for name, value in zip(names, row) if value is not None} for row in rows]


def test_sample_record_golden_rows(sample_record, make_pages):
    batch, normalizer = normalize(make_pages([sample_record]))
    rows = {name: as_dicts(name, batch.rows[name]) for name in batch.rows}

    assert rows["conversations"] == [
        {
            "conversation_id": "c-1",
            "conversation_date": "2024-05-01",
            "conversation_start": "2024-05-01T10:00:00.000Z",
            "conversation_end": "2024-05-01T10:09:30.000Z",
            "originating_direction": "inbound",
            "division_ids": '["d-1"]',
            "_content_hash": conversation_hash(sample_record, hash_context(None)),
            **META,
        }
    ]
    assert rows["participants"] == [
        {
            "participant_id": "p-cust",
            "conversation_id": "c-1",
            "participant_name": "+15551230000",
            "purpose": "customer",
            **META,
        },
        {"participant_id": "p-acd", "conversation_id": "c-1", "participant_name": "Support", "purpose": "acd", **META},
        {"participant_id": "p-agent", "conversation_id": "c-1", "purpose": "agent", "user_id": "u-1", **META},
    ]
    assert rows["sessions"] == [
        {
            "session_id": "s-1",
            "participant_id": "p-cust",
            "conversation_id": "c-1",
            "media_type": "voice",
            "direction": "inbound",
            "ani": "tel:+15551230000",
            "dnis": "tel:+15559870000",
            "provider": "Edge",
            "edge_id": "e-1",
            **META,
        },
        {
            "session_id": "s-2",
            "participant_id": "p-acd",
            "conversation_id": "c-1",
            "media_type": "voice",
            "direction": "inbound",
            "peer_id": "s-1",
            "used_routing": "Standard",
            "selected_agent_id": "u-1",
            "requested_routings": '["Standard"]',
            **META,
        },
        {
            "session_id": "s-3",
            "participant_id": "p-agent",
            "conversation_id": "c-1",
            "media_type": "voice",
            "direction": "inbound",
            "peer_id": "s-1",
            **META,
        },
    ]
    segment = {"conversation_id": "c-1", "conference": False, **META}
    assert rows["segments"] == [
        {
            "session_id": "s-1",
            "segment_index": 0,
            "segment_start": "2024-05-01T10:00:00.000Z",
            "segment_end": "2024-05-01T10:09:30.000Z",
            "segment_type": "interact",
            "disconnect_type": "endpoint",
            **segment,
        },
        {
            "session_id": "s-2",
            "segment_index": 0,
            "segment_start": "2024-05-01T10:00:30.000Z",
            "segment_end": "2024-05-01T10:01:00.000Z",
            "segment_type": "interact",
            "queue_id": "q-1",
            "disconnect_type": "transfer",
            **segment,
        },
        {
            "session_id": "s-3",
            "segment_index": 0,
            "segment_start": "2024-05-01T10:00:55.000Z",
            "segment_end": "2024-05-01T10:01:00.000Z",
            "segment_type": "alert",
            "queue_id": "q-1",
            **segment,
        },
        {
            "session_id": "s-3",
            "segment_index": 1,
            "segment_start": "2024-05-01T10:01:00.000Z",
            "segment_end": "2024-05-01T10:08:00.000Z",
            "segment_type": "interact",
            "queue_id": "q-1",
            **segment,
        },
        {
            "session_id": "s-3",
            "segment_index": 2,
            "segment_start": "2024-05-01T10:08:00.000Z",
            "segment_end": "2024-05-01T10:09:30.000Z",
            "segment_type": "wrapup",
            "queue_id": "q-1",
            "wrap_up_code": "w-1",
            "wrap_up_note": "resolved",
            "disconnect_type": "client",
            **segment,
        },
    ]
    metric = {"conversation_id": "c-1", **META}
    assert rows["session_metrics"] == [
        {
            "session_id": "s-1",
            "metric_index": 0,
            "name": "nConnected",
            "value": 1,
            "emit_date": "2024-05-01T10:00:00.000Z",
            **metric,
        },
        {
            "session_id": "s-2",
            "metric_index": 0,
            "name": "nOffered",
            "value": 1,
            "emit_date": "2024-05-01T10:00:30.000Z",
            **metric,
        },
        {
            "session_id": "s-2",
            "metric_index": 1,
            "name": "tAcd",
            "value": 30000,
            "emit_date": "2024-05-01T10:01:00.000Z",
            **metric,
        },
        {
            "session_id": "s-3",
            "metric_index": 0,
            "name": "tAnswered",
            "value": 30000,
            "emit_date": "2024-05-01T10:01:00.000Z",
            **metric,
        },
        {
            "session_id": "s-3",
            "metric_index": 1,
            "name": "tTalk",
            "value": 420000,
            "emit_date": "2024-05-01T10:08:00.000Z",
            **metric,
        },
        {
            "session_id": "s-3",
            "metric_index": 2,
            "name": "tAcw",
            "value": 90000,
            "emit_date": "2024-05-01T10:09:30.000Z",
            **metric,
        },
        {
            "session_id": "s-3",
            "metric_index": 3,
            "name": "tHandle",
            "value": 510000,
            "emit_date": "2024-05-01T10:09:30.000Z",
            **metric,
        },
    ]
    for empty in (
        "participant_attributes",
        "session_flow_outcomes",
        "conversation_evaluations",
        "conversation_surveys",
        "conversation_resolutions",
    ):
        assert rows[empty] == []
    assert normalizer.result.drift == {} and normalizer.result.rejected == []


def _expected_value(column: tables.Column, record: dict):
    value = record.get(column.source)
    if column.type == tables.JSON and value is not None:
        return orjson.dumps(value).decode()
    return value


def assert_rows_mirror_record(batch: TableBatch, record: dict) -> None:
    """Every row and every sourced column equals the record's JSON at that place."""
    by_table = {name: as_dicts(name, rows) for name, rows in batch.rows.items()}
    sessions = {row["session_id"]: row for row in by_table["sessions"]}
    segments = {(row["session_id"], row["segment_index"]): row for row in by_table["segments"]}
    metrics = {(row["session_id"], row["metric_index"]): row for row in by_table["session_metrics"]}
    attributes = {(row["participant_id"], row["name"]): row["value"] for row in by_table["participant_attributes"]}
    spec_columns = {name: [c for c in spec.columns if c.source] for name, spec in tables.TABLES_BY_NAME.items()}

    def check(table: str, row: dict, source: dict, only: set[str] | None = None) -> None:
        for column in spec_columns[table]:
            if only is None or column.source in only:
                assert row.get(column.name) == _expected_value(column, source), (table, column.name)

    conversation_columns = set(tables.CONVERSATION_FIELDS)
    check("conversations", by_table["conversations"][0], record, conversation_columns)
    expected_attributes, expected_segments, expected_metrics = {}, 0, 0
    for participant in record["participants"]:
        for name, value in participant.get("attributes", {}).items():
            expected_attributes[(participant["participantId"], name)] = value
        for session in participant["sessions"]:
            row = sessions[session["sessionId"]]
            assert row["participant_id"] == participant["participantId"]
            check("sessions", row, session, set(tables.SESSION_FIELDS))
            for column in spec_columns["sessions"]:
                if column.source in tables.FLOW_FIELDS and column.name.startswith("flow_"):
                    assert row.get(column.name) == session.get("flow", {}).get(column.source)
            for index, segment in enumerate(session["segments"]):
                check("segments", segments[(session["sessionId"], index)], segment)
                expected_segments += 1
            for index, metric in enumerate(session.get("metrics", [])):
                check("session_metrics", metrics[(session["sessionId"], index)], metric)
                expected_metrics += 1
    assert attributes == expected_attributes
    assert (len(segments), len(metrics)) == (expected_segments, expected_metrics)
    assert {row["conversation_id"] for rows in by_table.values() for row in rows} == {record["conversationId"]}


def _media(record: dict) -> set[str]:
    return {s["mediaType"] for p in record["participants"] for s in p["sessions"]}


CASES = {
    "spanning_midnight": lambda r: r.get("conversationEnd", r["conversationStart"])[:10] > r["conversationStart"][:10],
    "ongoing": lambda r: "conversationEnd" not in r,
    "chat": lambda r: "chat" in _media(r),
    "email": lambda r: "email" in _media(r),
    "callback": lambda r: "callback" in _media(r),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_generated_record_golden(case, generated_day, make_pages):
    record = next(r for r in generated_day(date(2024, 5, 1)) if CASES[case](r))
    batch, normalizer = normalize(make_pages([record]))
    assert_rows_mirror_record(batch, record)
    conversation = as_dicts("conversations", batch.rows["conversations"])[0]
    assert conversation["conversation_date"] == "2024-05-01"  # UTC date of the start, even past midnight
    if case == "ongoing":
        assert "conversation_end" not in conversation
    if case == "callback":
        session = next(s for s in as_dicts("sessions", batch.rows["sessions"]) if "callback_numbers" in s)
        assert orjson.loads(session["callback_numbers"]) and session["callback_scheduled_time"]
    assert normalizer.result.rejected == []


def test_whole_generated_day_mirrors_its_records(generated_day, make_pages):
    records = generated_day(date(2024, 5, 1))
    for record in records:
        batch, _ = normalize(make_pages([record]))
        assert_rows_mirror_record(batch, record)
