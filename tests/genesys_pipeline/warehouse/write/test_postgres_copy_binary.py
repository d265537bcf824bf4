"""Binary COPY stores exactly what text COPY and executemany store, value for value.

The oracle is twofold: the three bulk paths must give identical table checksums (executemany
binds parameters and never goes through COPY), and a few values are compared with what they
must be, computed here by hand. The COPY statements PostgreSQL receives are recorded, so the
test also proves binary COPY ran where the values allow it and text COPY where they do not.
"""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime

import psycopg
import pytest

from genesys_pipeline.warehouse import Warehouse
from tests.genesys_pipeline.pipeline_records import EXTRACTED_D

pytestmark = pytest.mark.postgres

TRICKY_TEXT = "tab\there\nnewline\r\nback\\slash \\N \\. end\n\\.\n ünïcødé 🎉 \u2028 ' \" ; DROP TABLE x;--"
BIG = 2**63 - 1


def _record(sample: dict, cid: str) -> dict:
    record = copy.deepcopy(sample)
    record["conversationId"] = cid
    for n, part in enumerate(record["participants"]):
        part["participantId"] = f"{cid}-p{n}"
        for m, session in enumerate(part.get("sessions") or ()):
            session["sessionId"] = f"{cid}-s{n}-{m}"
    return record


def _records(sample: dict) -> list[dict]:
    plain = _record(sample, "c-plain")
    plain["externalTag"] = TRICKY_TEXT
    plain["conversationStart"] = "2024-05-01T15:30:00.5+05:30"  # 10:00:00.5 UTC
    plain["conversationEnd"] = "2024-05-01T10:09:30Z"
    plain["mediaStatsMinConversationMos"] = 4.123456789012345
    plain["mediaStatsMinConversationRFactor"] = 93  # an int in a float column
    plain["participants"][0]["attributes"] = {"note": TRICKY_TEXT, "empty": "", "big": "1e400"}
    session = plain["participants"][0]["sessions"][0]
    session["selectedAgentRank"] = -BIG - 1
    session["routingRing"] = BIG
    session["callbackScheduledTime"] = "2024-05-01T10:00:00.123456-03:00"
    session["segments"][0]["wrapUpNote"] = TRICKY_TEXT
    session["metrics"][0]["value"] = BIG

    ongoing = _record(sample, "c-ongoing")  # NULLs: no end anywhere
    del ongoing["conversationEnd"]
    for part in ongoing["participants"]:
        for session in part.get("sessions") or ():
            for segment in session["segments"]:
                segment.pop("segmentEnd", None)

    # Text PostgreSQL reads its own way: seven fraction digits (it rounds, Python truncates),
    # no zone (the session's zone), a space for the T. Their tables must go through text COPY.
    seven = _record(sample, "c-seven-digits")
    seven["participants"][0]["sessions"][0]["segments"][0]["segmentStart"] = "2024-05-01T10:00:00.1234567Z"
    naive = _record(sample, "c-naive")
    naive["participants"][0]["sessions"][0]["callbackScheduledTime"] = "2024-05-01T10:00:00"
    spaced = _record(sample, "c-spaced")
    spaced["participants"][0]["sessions"][0]["metrics"][0]["emitDate"] = "2024-05-01 10:00:00+00"
    return [plain, ongoing, seven, naive, spaced]


@pytest.fixture()
def copy_statements(monkeypatch):
    """Every COPY statement sent to PostgreSQL during the test, in order."""
    sent: list[str] = []
    real_copy = psycopg.Cursor.copy

    def recording_copy(self, statement, *args, **kwargs):
        sent.append(str(statement))
        return real_copy(self, statement, *args, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "copy", recording_copy)
    return sent


def _load(postgres_url: str, bulk: str, staging, manifest) -> tuple[dict[str, str], Warehouse]:
    wh = Warehouse.from_url(postgres_url, bulk=bulk)
    with wh.engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA IF EXISTS genesys CASCADE")
    wh.ensure_schema()
    wh.load_extraction(staging, manifest, "run-1")
    return wh.table_checksums(), wh


def test_binary_copy_stores_what_text_copy_and_executemany_store(postgres_url, stage, sample_record, copy_statements):
    staging, manifest = stage(_records(sample_record), page_size=1)  # one conversation per COPY
    checksums = {}
    for bulk in ("executemany", "copy_text", "copy"):
        copy_statements.clear()
        checksums[bulk], wh = _load(postgres_url, bulk, staging, manifest)
        if bulk != "copy":
            wh.dispose()
    assert checksums["copy"] == checksums["copy_text"] == checksums["executemany"]

    # The binary load: text COPY exactly for the table holding text PostgreSQL must read (seven
    # fraction digits). The naive and the spaced timestamps never reach a COPY: value_fit
    # quarantines them, since SQLite would store them as they are and PostgreSQL read them its own way.
    text_copies = sorted(s.split(" (")[0].split(".")[-1] for s in copy_statements if "FORMAT BINARY" not in s)
    assert text_copies == ['"segments"']
    assert sum("FORMAT BINARY" in s for s in copy_statements) == len(copy_statements) - 1 > 12
    with wh.engine.connect() as conn:
        loaded = {row[0] for row in conn.exec_driver_sql("SELECT conversation_id FROM genesys.conversations")}
    assert "c-naive" not in loaded and "c-spaced" not in loaded and "c-seven-digits" in loaded

    with wh.engine.connect() as conn:
        start, end, tag, mos, r_factor = conn.exec_driver_sql(
            "SELECT conversation_start, conversation_end, external_tag, media_stats_min_conversation_mos, "
            "media_stats_min_conversation_r_factor FROM genesys.conversations WHERE conversation_id = 'c-plain'"
        ).one()
        assert start == datetime(2024, 5, 1, 10, 0, 0, 500000, tzinfo=UTC)
        assert end == datetime(2024, 5, 1, 10, 9, 30, tzinfo=UTC)
        assert (tag, mos, r_factor) == (TRICKY_TEXT, 4.123456789012345, 93.0)
        day, callback, rank, ring = conn.exec_driver_sql(
            "SELECT c.conversation_date, s.callback_scheduled_time, s.selected_agent_rank, s.routing_ring "
            "FROM genesys.sessions s JOIN genesys.conversations c USING (conversation_id) "
            "WHERE s.session_id = 'c-plain-s0-0'"
        ).one()
        assert day == date(2024, 5, 1)
        assert callback == datetime(2024, 5, 1, 13, 0, 0, 123456, tzinfo=UTC)
        assert (rank, ring) == (-BIG - 1, BIG)
        assert (
            conn.exec_driver_sql(
                "SELECT value FROM genesys.participant_attributes WHERE participant_id = 'c-plain-p0' AND name = 'note'"
            ).scalar_one()
            == TRICKY_TEXT
        )
        assert (
            conn.exec_driver_sql(
                "SELECT COUNT(*) FROM genesys.conversations "
                "WHERE conversation_id = 'c-ongoing' AND conversation_end IS NULL"
            ).scalar_one()
            == 1
        )
        rounded = conn.exec_driver_sql(
            "SELECT segment_start FROM genesys.segments WHERE session_id = 'c-seven-digits-s0-0'"
        ).scalar_one()
        assert rounded == datetime(2024, 5, 1, 10, 0, 0, 123457, tzinfo=UTC)  # PostgreSQL rounds
        assert (
            conn.exec_driver_sql(
                "SELECT _extracted_at FROM genesys.conversations WHERE conversation_id = 'c-plain'"
            ).scalar_one()
            == EXTRACTED_D
        )
    wh.dispose()


def test_the_default_path_on_postgresql_is_text_copy(postgres_url, stage, sample_record, copy_statements):
    """Binary is opt-in (extra.copy_format=binary): on shared cores its encoding pass costs more than it saves."""
    staging, manifest = stage(_records(sample_record), page_size=2)
    _checksums, wh = _load(postgres_url, "auto", staging, manifest)
    wh.dispose()
    assert copy_statements and not any("FORMAT BINARY" in s for s in copy_statements)
