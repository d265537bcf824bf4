"""Loading into real SQLite and PostgreSQL: idempotency, freshness, drift, hostile values."""

from __future__ import annotations

import copy
import os
from pathlib import Path

import orjson
from sqlalchemy import text

from genesys_pipeline.warehouse import Warehouse
from tests.genesys_pipeline.pipeline_records import DAY_D, DAY_D1, EXTRACTED_D, EXTRACTED_D1, spanning_midnight


def query(wh: Warehouse, sql: str, **params) -> list[tuple]:
    prefix = "genesys." if wh.schema else ""
    with wh.engine.connect() as conn:
        return [tuple(row) for row in conn.execute(text(sql.replace("{s}", prefix)), params)]


def test_loading_the_same_day_twice_leaves_identical_tables(warehouse, stage, generated_day):
    staging, manifest = stage(generated_day(DAY_D))
    first = warehouse.load_extraction(staging, manifest, "run-D")
    checksums = warehouse.table_checksums()
    second = warehouse.load_extraction(staging, manifest, "run-D")
    assert warehouse.table_checksums() == checksums
    assert first.tables == warehouse.table_counts()
    assert set(second.tables.values()) == {0}  # every content hash matched: nothing rewritten
    assert first.conversations_loaded == second.conversations_loaded == 300
    assert (first.conversations_new, second.conversations_unchanged) == (300, 300)
    assert first.conversations_skipped_older == 0
    assert set(first.timings) >= {"read_s", "normalize_s", "stage_s", "merge_s", "total_s"}


def test_overlapping_days_keep_each_conversation_once_in_its_latest_version(warehouse, stage, generated_day):
    day_d = generated_day(DAY_D)
    overlap = copy.deepcopy(spanning_midnight(day_d))
    assert overlap, "the generated day has conversations spanning midnight"
    for record in overlap:
        record["externalTag"] = "seen-again-on-D+1"
        record["participants"] = record["participants"][:2]  # the later copy has fewer rows
    staging, manifest_d = stage(day_d, EXTRACTED_D, "2024-05-01")
    _, manifest_d1 = stage(generated_day(DAY_D1) + overlap, EXTRACTED_D1, "2024-05-02")

    warehouse.load_extraction(staging, manifest_d, "run-D")
    report = warehouse.load_extraction(staging, manifest_d1, "run-D1")
    assert report.conversations_loaded == 300 + len(overlap)
    counts = warehouse.table_counts()
    assert counts["conversations"] == 600
    assert query(warehouse, "SELECT COUNT(DISTINCT conversation_id) FROM {s}conversations") == [(600,)]
    tagged = query(
        warehouse,
        "SELECT conversation_id, _run_id FROM {s}conversations "
        "WHERE external_tag = 'seen-again-on-D+1' ORDER BY conversation_id",
    )
    assert tagged == sorted((r["conversationId"], "run-D1") for r in overlap)
    participants = query(
        warehouse, "SELECT COUNT(*) FROM {s}participants WHERE conversation_id = :cid", cid=overlap[0]["conversationId"]
    )
    assert participants == [(2,)]  # the earlier copy's extra participants are gone
    after_d1 = warehouse.table_checksums()

    replay = warehouse.load_extraction(staging, manifest_d, "run-D")  # D's old staging again
    assert replay.conversations_skipped_older == len(overlap)
    assert replay.conversations_loaded == 300 - len(overlap)
    assert warehouse.table_checksums() == after_d1  # nothing got older


def test_a_later_page_copy_replaces_rows_written_earlier_in_the_same_load(warehouse, stage, generated_day):
    day_d = generated_day(DAY_D)
    again = copy.deepcopy(day_d[:5])  # the same end time: a tie, so the later page's copy wins
    for record in again:
        record["externalTag"] = "later-page"
        record["participants"] = record["participants"][:1]
    staging, manifest_d = stage(day_d + again, EXTRACTED_D, "2024-05-01")
    report = warehouse.load_extraction(staging, manifest_d, "run-D")
    assert report.conversations_loaded == 300 and report.duplicates_collapsed == 5
    assert report.tables == warehouse.table_counts()  # net rows, the first copies' rows not counted
    tagged = query(warehouse, "SELECT COUNT(*) FROM {s}conversations WHERE external_tag = 'later-page'")
    participants = query(
        warehouse, "SELECT COUNT(*) FROM {s}participants WHERE conversation_id = :cid", cid=again[0]["conversationId"]
    )
    assert tagged == [(5,)] and participants == [(1,)]

    fresher = copy.deepcopy(day_d[:5])
    _, manifest_d1 = stage(fresher, EXTRACTED_D1, "2024-05-02")
    warehouse.load_extraction(staging, manifest_d1, "run-D1")
    after_d1 = warehouse.table_checksums()
    replay = warehouse.load_extraction(staging, manifest_d, "run-D")
    assert replay.conversations_skipped_older == 5  # each conversation once, though staged twice
    assert replay.conversations_loaded == 295
    assert warehouse.table_checksums() == after_d1


def test_drift_and_rejects_do_not_stop_the_load(warehouse, stage, sample_record, tmp_path):
    sample_record["participants"][0]["sessions"][0]["mediaType"] = "hologram"
    sample_record["participants"][0]["sessions"][0]["sentiment"] = 0.7
    broken = copy.deepcopy(sample_record)
    broken["conversationId"] = "c-broken"
    del broken["participants"][0]["sessions"][0]["sessionId"]
    staging, manifest = stage([sample_record, broken])
    report = warehouse.load_extraction(staging, manifest, "run-1", rejects_path=tmp_path / "rejects.jsonl")
    assert report.drift == {"session.mediaType=<unknown value>": 1, "session.sentiment": 1}
    assert report.conversations_rejected == 1 and report.conversations_loaded == 1
    assert report.rejects_path == str(tmp_path / "rejects.jsonl")
    assert "missing sessionId" in (tmp_path / "rejects.jsonl").read_text()
    assert query(warehouse, "SELECT media_type FROM {s}sessions WHERE session_id = 's-1'") == [("hologram",)]


def test_a_clean_reload_leaves_no_earlier_quarantine_behind(warehouse, stage, sample_record):
    staging, manifest = stage([sample_record])
    stale = staging.rejects_path(manifest)
    stale.parent.mkdir(parents=True, exist_ok=True)
    stale.write_text('{"conversation_id": "c-old", "reason": "from an earlier load"}\n')
    report = warehouse.load_extraction(staging, manifest, "run-2")
    assert report.conversations_rejected == 0 and report.rejects_path is None
    assert not stale.exists()


HOSTILE = "x'); DROP TABLE users;--"


def test_hostile_names_and_values_are_data(warehouse, stage, sample_record):
    sample_record["participants"][0]["attributes"] = {HOSTILE: HOSTILE, 'quo"te': "back\\slash\ttab\nnewline"}
    sample_record["participants"][0]["participantName"] = 'Robert"); DROP TABLE conversations;--'
    staging, manifest = stage([sample_record])
    warehouse.load_extraction(staging, manifest, "run-1")
    attributes = query(warehouse, "SELECT name, value FROM {s}participant_attributes ORDER BY name")
    assert attributes == sorted([(HOSTILE, HOSTILE), ('quo"te', "back\\slash\ttab\nnewline")])
    assert query(warehouse, "SELECT COUNT(*) FROM {s}users") == [(0,)]
    assert warehouse.table_counts()["conversations"] == 1


HOSTILE_CANARY = "Zebulon Quixotic"


def _hostile_day(records: list[dict]) -> tuple[list[dict], set[str]]:
    """Five records (1.7 % of the day) each given one hostile value; the ids that no warehouse can
    store the same way (all but the name in an enum field, which loads and is counted as drift)."""
    session = lambda record: record["participants"][0]["sessions"][0]  # noqa: E731
    edits = [
        lambda r: r["participants"][0].update(participantName=f"{HOSTILE_CANARY}\x00"),
        lambda r: r.update(conversationEnd=f"{HOSTILE_CANARY} o'clock"),
        lambda r: session(r).update(routingRing=1 << 63),
        lambda r: r["participants"][0].update(attributes={"note": HOSTILE_CANARY + "x" * 10_000_000}),
        lambda r: session(r).update(direction=HOSTILE_CANARY),
    ]
    bad: set[str] = set()
    for index, edit in enumerate(edits):
        record = records[index * 50]
        edit(record)
        if index < 4:
            bad.add(record["conversationId"])
    return records, bad


def _postgres_log_size() -> tuple[Path | None, int]:
    logs = sorted(Path("/var/log/postgresql").glob("postgresql-*.log"))
    if not logs or not os.access(logs[-1], os.R_OK):
        return None, 0
    return logs[-1], logs[-1].stat().st_size


def test_a_day_with_hostile_values_loads_all_but_the_bad_records(warehouse, stage, generated_day, tmp_path):
    """NUL in text, an unparseable timestamp, 2^63, 10 MB of text, a name in an enum field: the day
    loads, the four unstorable records are quarantined and counted, the same on both warehouses
    (judged against counts recomputed from the records), and nothing of them reaches PostgreSQL's log."""
    records, bad = _hostile_day(generated_day(DAY_D))
    kept = [record for record in records if record["conversationId"] not in bad]
    log, log_start = _postgres_log_size()
    staging, manifest = stage(records)
    report = warehouse.load_extraction(staging, manifest, "run-1", rejects_path=tmp_path / "rejects.jsonl")

    assert report.conversations_rejected == 4 and report.conversations_loaded == 296
    ids = {row[0] for row in query(warehouse, "SELECT conversation_id FROM {s}conversations")}
    assert ids == {record["conversationId"] for record in kept}
    sessions = [s for r in kept for p in r["participants"] for s in p["sessions"]]
    assert warehouse.table_counts()["sessions"] == len(sessions)
    assert warehouse.table_counts()["segments"] == sum(len(s["segments"]) for s in sessions)
    assert report.drift.get("session.direction=<unknown value>") == 1
    rejects = [orjson.loads(line) for line in (tmp_path / "rejects.jsonl").read_bytes().splitlines()]
    assert {line["conversation_id"] for line in rejects} == bad
    assert all(line["reason"].startswith("bad value: ") and HOSTILE_CANARY not in line["reason"] for line in rejects)
    assert HOSTILE_CANARY not in orjson.dumps([report.drift, report.rejects_path]).decode()
    if warehouse.schema is not None and log is not None:  # PostgreSQL: its own server log
        with log.open("rb") as handle:
            handle.seek(log_start)
            assert HOSTILE_CANARY.encode() not in handle.read()
