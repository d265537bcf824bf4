"""The drift report leaves the load (audit, webhook, XCom, rendered fields, logs): paths and counts
only, never a value, never a free-form field name, and bounded in size whatever the pages hold."""

from __future__ import annotations

import orjson

from genesys_pipeline.normalize.drift import MAX_REPORTED_PATHS, OTHER_PATHS, DriftCounter, reported_name
from genesys_pipeline.normalize.normalizer import Normalizer
from genesys_pipeline.tables import TABLES_BY_NAME

NAME, PHONE, EMAIL = "Zebulon Quixotic", "+15550100", "zebulon.quixotic@example.com"


def drift_of(pages: list[bytes]) -> dict[str, int]:
    normalizer = Normalizer("2024-05-02T01:00:00Z", "run-1")
    list(normalizer.normalize_pages(pages))
    return normalizer.result.drift


def test_names_in_enum_fields_are_counted_without_the_value(sample_record, make_pages):
    sample_record["participants"][0]["flaggedReason"] = NAME
    sample_record["participants"][0]["sessions"][0]["direction"] = PHONE
    drift = drift_of(make_pages([sample_record]))
    assert drift == {"participant.flaggedReason=<unknown value>": 1, "session.direction=<unknown value>": 1}


def test_unknown_fields_named_after_people_are_digested(sample_record, make_pages):
    sample_record[EMAIL] = 1
    sample_record["participants"][0][NAME] = 1
    sample_record["participants"][0]["sessions"][0]["m" * 10_000_000] = 1  # a 10 MB key
    sample_record["brandNewField"] = 1
    drift = drift_of(make_pages([sample_record]))
    text = orjson.dumps(drift).decode()
    assert "zebulon" not in text.lower() and "mmmm" not in text
    assert drift["conversation.brandNewField"] == 1
    assert drift[f"conversation.{reported_name(EMAIL)}"] == 1
    assert len(text) < 200
    assert reported_name(EMAIL) != reported_name(NAME)  # distinct names stay distinct counts


def test_the_report_is_capped_however_many_distinct_keys_arrive(sample_record, make_pages):
    for n in range(5_000):
        sample_record[f"field{n}"] = n
    drift = drift_of(make_pages([sample_record]))
    assert len(drift) == MAX_REPORTED_PATHS + 1
    assert sum(drift.values()) == 5_000 and drift[OTHER_PATHS] == 5_000 - MAX_REPORTED_PATHS


def test_the_enum_check_still_skips_known_values():
    counter = DriftCounter()
    spec = TABLES_BY_NAME["sessions"]
    row = dict.fromkeys(spec.column_names)
    row.update(media_type="voice", direction="inbound")
    counter.check_enums("sessions", [tuple(row[name] for name in spec.column_names)])
    assert counter.as_dict() == {}
