"""Normalizer behaviour: determinism, duplicate collapse, rejects, schema drift, PII."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json

import orjson
import pytest

from genesys_pipeline.normalize.normalizer import Normalizer, format_timestamp
from genesys_pipeline.normalize.pii import PiiConfig
from genesys_pipeline.staging.rejects import RejectsFile
from genesys_pipeline.tables import TABLES_BY_NAME


def column(table: str, rows: list[tuple], name: str) -> list:
    position = TABLES_BY_NAME[table].column_names.index(name)
    return [row[position] for row in rows]


def with_value(record: dict, path: tuple, value: object) -> dict:
    """Sets ``value`` at ``path`` in ``record``; returns an untouched copy as ``clean-conversation``."""
    clean = copy.deepcopy(record)
    clean["conversationId"] = "clean-conversation"
    target = record
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return clean


def run(pages, **kwargs):
    normalizer = Normalizer("2024-05-02T01:00:00Z", "run-1", **kwargs)
    return list(normalizer.normalize_pages(pages)), normalizer.result


def test_same_pages_give_byte_identical_rows(generated_day, make_pages):
    pages = make_pages(generated_day())
    first, _ = run(pages)
    second, _ = run(pages)
    assert orjson.dumps([b.rows for b in first]) == orjson.dumps([b.rows for b in second])


def test_one_batch_per_page_and_row_counts(generated_day, make_pages):
    records = generated_day()
    batches, result = run(make_pages(records, page_size=100))
    assert len(batches) == 3 and result.pages == 3
    assert result.conversations == len(records)
    assert result.rows["conversations"] == len(records)
    assert result.rows["segments"] == sum(
        len(s["segments"]) for r in records for p in r["participants"] for s in p["sessions"]
    )


def test_extracted_at_is_fixed_width_utc():
    assert format_timestamp("2024-05-02T03:00:00+02:00") == "2024-05-02T01:00:00.000000Z"
    with pytest.raises(ValueError, match="time zone"):
        format_timestamp("2024-05-02T01:00:00")


def test_duplicates_within_a_page_collapse_to_the_most_complete(sample_record, make_pages):
    ongoing = copy.deepcopy(sample_record)
    del ongoing["conversationEnd"]
    batches, result = run(make_pages([sample_record, ongoing]))
    assert batches[0].conversation_ids == ["c-1"]
    assert column("conversations", batches[0].rows["conversations"], "conversation_end") == ["2024-05-01T10:09:30.000Z"]
    assert len(batches[0].rows["participants"]) == 3
    assert result.duplicates_collapsed == 1 and result.conversations == 1


def test_duplicate_on_a_later_page_replaces_the_earlier_copy(sample_record, make_pages):
    ongoing = copy.deepcopy(sample_record)
    del ongoing["conversationEnd"]
    later = copy.deepcopy(sample_record)
    later["participants"][2]["sessions"][0]["segments"][2]["wrapUpNote"] = "called back"
    batches, result = run(make_pages([ongoing], 1) + make_pages([later], 1))
    assert batches[0].replaces == frozenset() and batches[1].replaces == {"c-1"}
    assert "called back" in column("segments", batches[1].rows["segments"], "wrap_up_note")
    assert result.duplicates_collapsed == 1


def test_older_duplicate_on_a_later_page_is_dropped(sample_record, make_pages):
    ongoing = copy.deepcopy(sample_record)
    del ongoing["conversationEnd"]
    batches, result = run(make_pages([sample_record], 1) + make_pages([ongoing], 1))
    assert batches[1].conversation_ids == [] and batches[1].rows["conversations"] == []
    assert result.duplicates_collapsed == 1


@pytest.mark.parametrize(
    "earlier_end, later_end, later_wins",
    [
        ("2024-05-01T10:09:30.000Z", "2024-05-01T12:09:30+02:00", True),  # the same instant: a tie, the last copy
        ("2024-05-01T10:09:30.000Z", "2024-05-01T10:09:29.999Z", False),  # ended a millisecond earlier
        (None, "2024-05-01T10:09:29.999Z", True),  # an ended copy beats an ongoing one
        ("2024-05-01T10:09:29.999Z", None, False),
        (None, "not-a-time", False),  # an end that is no timestamp loses even to an ongoing copy
    ],
)
def test_copies_on_later_pages_are_ranked_by_end_time(sample_record, make_pages, earlier_end, later_end, later_wins):
    earlier, later = copy.deepcopy(sample_record), copy.deepcopy(sample_record)
    for record, end in ((earlier, earlier_end), (later, later_end)):
        if end is None:
            del record["conversationEnd"]
        else:
            record["conversationEnd"] = end
    batches, result = run(make_pages([earlier], 1) + make_pages([later], 1))
    assert batches[1].replaces == ({"c-1"} if later_wins else frozenset())
    assert batches[1].conversation_ids == (["c-1"] if later_wins else [])
    assert result.conversations == 1 and result.duplicates_collapsed == 1


def test_distinct_conversations_are_never_merged(generated_day, make_pages):
    records = generated_day()
    batches, result = run(make_pages(records, 7))
    assert result.conversations == len(records) and result.duplicates_collapsed == 0
    assert sum(len(batch.conversation_ids) for batch in batches) == len(records)


@pytest.mark.parametrize(
    "path, key",
    [
        ((), "conversationId"),
        (("participants", 1), "participantId"),
        (("participants", 1, "sessions", 0), "sessionId"),
        (("participants", 2, "sessions", 0, "segments", 1), "segmentStart"),
    ],
)
def test_missing_required_key_quarantines_only_that_conversation(sample_record, make_pages, tmp_path, path, key):
    broken = copy.deepcopy(sample_record)
    broken["conversationId"] = "c-broken"
    target = broken
    for step in path:
        target = target[step]
    del target[key]
    good = copy.deepcopy(sample_record)
    rejects_file = tmp_path / "rejects.jsonl"
    with RejectsFile(rejects_file) as rejects:
        batches, result = run(make_pages([broken, good]), rejects=rejects)
    expected_id = None if key == "conversationId" else "c-broken"
    assert result.rejected == [{"conversation_id": expected_id, "reason": f"missing {key}"}]
    assert batches[0].conversation_ids == ["c-1"]
    assert {row[2] for row in batches[0].rows["segments"]} == {"c-1"}  # nothing of the broken one leaked
    lines = [json.loads(line) for line in rejects_file.read_text().splitlines()]
    assert lines == [{"conversation_id": expected_id, "reason": f"missing {key}", "record": broken}]


def test_malformed_shape_is_rejected_not_fatal(sample_record, make_pages):
    broken = copy.deepcopy(sample_record)
    broken["conversationId"] = "c-broken"
    broken["participants"] = ["not an object"]
    batches, result = run(make_pages([broken, sample_record]))
    assert batches[0].conversation_ids == ["c-1"]
    assert result.rejected[0]["conversation_id"] == "c-broken"
    assert result.rejected[0]["reason"].startswith("malformed record")


def test_no_rejects_file_without_rejects(sample_record, make_pages, tmp_path):
    with RejectsFile(tmp_path / "rejects.jsonl") as rejects:
        run(make_pages([sample_record]), rejects=rejects)
    assert not (tmp_path / "rejects.jsonl").exists()


def test_drift_counts_unknown_fields_and_enum_values(sample_record, make_pages):
    sample_record["brandNewField"] = 1
    session = sample_record["participants"][0]["sessions"][0]
    session["mediaType"] = "hologram"
    session["segments"][0]["sentiment"] = {"score": 1}
    session["segments"][0]["segmentType"] = "daydreaming"
    sample_record["participants"][1]["sessions"][0]["flow"] = {"flowId": "f", "flowType": "NEWFLOW", "x": 1}
    batches, result = run(make_pages([sample_record]))
    assert result.drift == {
        "conversation.brandNewField": 1,
        "flow.flowType=<unknown value>": 1,
        "flow.x": 1,
        "segment.segmentType=<unknown value>": 1,
        "segment.sentiment": 1,
        "session.mediaType=<unknown value>": 1,
    }
    assert column("sessions", batches[0].rows["sessions"], "media_type")[0] == "hologram"  # kept, not dropped
    assert column("sessions", batches[0].rows["sessions"], "flow_type")[1] == "NEWFLOW"


def test_a_list_where_an_enum_string_belongs_quarantines_the_record(sample_record, make_pages):
    sample_record["participants"][0]["sessions"][0]["segments"][0]["disconnectType"] = ["endpoint"]
    batches, result = run(make_pages([sample_record]))
    assert result.rejected == [
        {
            "conversation_id": sample_record["conversationId"],
            "reason": "type drift: segments.disconnect_type expects text, got array",
        }
    ]
    assert not any(batches[0].rows.values())


@pytest.mark.parametrize(
    ("path", "value", "reason"),
    [
        (
            ("participants", 0, "participantName"),
            {"first": "Zebulon Quixotic"},
            "participants.participant_name expects text, got object",
        ),
        (
            ("participants", 0, "sessions", 0, "routingRing"),
            "Zebulon Quixotic",
            "sessions.routing_ring expects int, got string",
        ),
        (("participants", 0, "sessions", 0, "recording"), "yes", "sessions.recording expects bool, got string"),
        (("participants", 0, "participantId"), {"id": "p"}, "participants.participant_id expects text, got object"),
    ],
)
def test_type_drifted_value_quarantines_only_its_conversation(sample_record, make_pages, path, value, reason):
    """The reason names the column and the JSON kind, never the value (it may be a name)."""
    clean = with_value(sample_record, path, value)
    batches, result = run(make_pages([sample_record, clean]))
    assert result.rejected == [{"conversation_id": sample_record["conversationId"], "reason": f"type drift: {reason}"}]
    assert "Zebulon" not in str(result.rejected)
    assert batches[0].conversation_ids == ["clean-conversation"]
    assert {row[0] for row in batches[0].rows["conversations"]} == {"clean-conversation"}


def test_pii_hash_and_drop(sample_record, make_pages):
    sample_record["participants"][0]["attributes"] = {"crm.case": "42"}
    config = PiiConfig.from_json('{"hash": ["ani", "participant_attributes.value"], "drop": ["dnis"]}', salt="s")
    batches, _ = run(make_pages([sample_record]), pii=config)
    rows = batches[0].rows
    assert (
        column("sessions", rows["sessions"], "ani")[0]
        == hmac.new(b"s", b"tel:+15551230000", hashlib.sha256).hexdigest()
    )
    assert column("sessions", rows["sessions"], "dnis") == [None, None, None]
    assert column("participant_attributes", rows["participant_attributes"], "value") == [
        hmac.new(b"s", b"42", hashlib.sha256).hexdigest()
    ]
    assert column("participant_attributes", rows["participant_attributes"], "name") == ["crm.case"]


def test_pii_default_keeps_everything(sample_record, make_pages):
    plain, _ = run(make_pages([sample_record]))
    configured, _ = run(make_pages([sample_record]), pii=PiiConfig.from_json("{}"))
    assert plain[0].rows == configured[0].rows


@pytest.mark.parametrize(
    "text, message",
    [
        ('{"hash": ["social_security"]}', "unknown column 'social_security'.*allowed: .*ani"),
        ('{"hash": ["ani"], "salt": "s"}', "'salt' is no longer read from this JSON.*genesys_pii_secret"),
        ('{"drop": ["sessions.session_id"]}', "unknown column 'sessions.session_id'"),
        ('{"hash": ["ani"]}', "genesys_pii_secret \\(the hashing key\\) is not set"),
        ('{"hashes": ["ani"]}', "unknown PII config keys"),
        ("[]", "JSON object"),
    ],
)
def test_pii_config_validation(text, message):
    with pytest.raises(ValueError, match=message):
        PiiConfig.from_json(text)


def test_pii_applied_on_every_page_of_a_multi_page_extraction(sample_record, make_pages):
    """Hashing is checked on the last page too: a transform applied to the first page only fails here."""
    records = []
    for number in range(6):
        record = copy.deepcopy(sample_record)
        record["conversationId"] = f"conversation-{number}"
        record["participants"][0]["participantName"] = f"Person {number}"
        records.append(record)
    pages = make_pages(records, 2)
    config = PiiConfig.from_json('{"hash": ["participant_name"]}', salt="k")
    batches, _ = run(pages, pii=config)
    assert len(batches) == 3
    for page_number, batch in enumerate(batches):
        names = set(column("participants", batch.rows["participants"], "participant_name")) - {None}
        expected = {
            hmac.new(b"k", f"Person {n}".encode(), hashlib.sha256).hexdigest()
            for n in (2 * page_number, 2 * page_number + 1)
        }
        assert expected <= names, f"page {page_number + 1}"
        assert not any(name.startswith("Person") for name in names), f"page {page_number + 1}"


def test_pii_salt_never_in_repr():
    assert "secret-salt" not in repr(PiiConfig(hash=("ani",), salt="secret-salt"))


HOSTILE = "Zebulon Quixotic +15550100"


@pytest.mark.parametrize(
    ("path", "value", "reason"),
    [
        (("participants", 0, "participantName"), f"{HOSTILE}\x00", "participants.participant_name holds a NUL"),
        (("conversationEnd",), HOSTILE, "conversations.conversation_end is not an ISO-8601 timestamp"),
        (("conversationStart",), "2024-05-01", "conversations.conversation_start is not an ISO-8601 timestamp"),
        (("participants", 0, "sessions", 0, "routingRing"), 1 << 63, "sessions.routing_ring is outside the signed"),
        (("participants", 0, "attributes"), {"note": HOSTILE * 50_000}, "participant_attributes.value is 1300000"),
        (("participants", 0, "sessions", 0, "segments", 0, "segmentEnd"), "soon", "segments.segment_end is not"),
    ],
)
def test_a_bad_value_quarantines_only_its_conversation(sample_record, make_pages, tmp_path, path, value, reason):
    """Values of the right JSON type that no warehouse column can hold the same way on SQLite and
    PostgreSQL: the record goes to the rejects file, the reason names the column, never the value."""
    clean = with_value(sample_record, path, value)
    with RejectsFile(tmp_path / "rejects.jsonl") as rejects:
        batches, result = run(make_pages([sample_record, clean]), rejects=rejects)
    assert [entry["conversation_id"] for entry in result.rejected] == [sample_record["conversationId"]]
    assert result.rejected[0]["reason"].startswith(f"bad value: {reason}")
    assert "Zebulon" not in str(result.rejected) and "Zebulon" not in str(result.drift)
    assert batches[0].conversation_ids == ["clean-conversation"]
    for name, rows in batches[0].rows.items():
        assert set(column(name, rows, "conversation_id")) <= {"clean-conversation"}, name
    line = orjson.loads((tmp_path / "rejects.jsonl").read_bytes().splitlines()[0])
    assert line["reason"] == result.rejected[0]["reason"]
    assert result.rows["conversations"] == 1


def test_a_quarantined_copy_never_replaces_an_emitted_one(sample_record, make_pages):
    bad = copy.deepcopy(sample_record)
    bad["conversationEnd"] = "2024-05-01T10:09:31.000Z"  # later, so it would win the collapse
    bad["participants"][0]["sessions"][0]["routingRing"] = 1 << 63
    batches, result = run(make_pages([sample_record], 1) + make_pages([bad], 1))
    assert batches[0].conversation_ids == ["c-1"]
    assert batches[1].conversation_ids == [] and batches[1].replaces == frozenset()
    assert not any(batches[1].rows.values())
    assert len(result.rejected) == 1
