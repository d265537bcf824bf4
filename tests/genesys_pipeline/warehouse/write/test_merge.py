"""Content-hash replacement on real SQLite and PostgreSQL: a re-extraction rewrites only the
conversations whose content changed, and an older extraction still never overwrites a newer one."""

from __future__ import annotations

import copy
from datetime import date, timedelta

import orjson
from sqlalchemy import text

from genesys_pipeline.normalize.content_hash import conversation_hash, hash_context
from genesys_pipeline.tables import CONTENT_HASH, CONVERSATION_TABLES, EXTRACTED_AT, RUN_ID
from genesys_pipeline.warehouse import Warehouse
from tests.genesys_pipeline.pipeline_records import EXTRACTED_D, pages_of

DAY = date(2024, 5, 1)
LATER = EXTRACTED_D + timedelta(days=1)
LATEST = EXTRACTED_D + timedelta(days=2)


def contents(wh: Warehouse) -> dict[str, list[tuple]]:
    """Every table's data columns (lineage left out), sorted: what analysts see."""
    prefix = "genesys." if wh.schema else ""
    tables = {}
    with wh.engine.connect() as conn:
        for spec in CONVERSATION_TABLES:
            names = [n for n in spec.column_names if n not in (RUN_ID, EXTRACTED_AT)]
            rows = conn.execute(text(f"SELECT {', '.join(names)} FROM {prefix}{spec.name}")).all()
            tables[spec.name] = sorted(tuple(map(str, row)) for row in rows)
    return tables


def scalar_rows(wh: Warehouse, sql: str, **params) -> list[tuple]:
    with wh.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql.replace("{s}", "genesys." if wh.schema else "")), params)]


def late_changes(records: list[dict]) -> tuple[list[dict], set[str]]:
    """The day as re-extracted later: five conversations got an evaluation or a new wrap-up."""
    later = copy.deepcopy(records)
    changed = set()
    for record in later[:5]:
        record["evaluations"] = [
            {"evaluationId": f"ev-{record['conversationId']}", "eventTime": "2024-05-03T09:00:00.000Z"}
        ]
        changed.add(record["conversationId"])
    return later, changed


def test_a_reextraction_rewrites_only_changed_conversations(warehouse, stage_days, generated_day, tmp_path):
    day = generated_day(DAY)
    staging, first = stage_days(day, DAY)
    report = warehouse.load_extraction(staging, first, "run-1")
    assert (report.conversations_new, report.conversations_changed, report.conversations_unchanged) == (300, 0, 0)

    later, changed = late_changes(day)
    newcomer = generated_day(DAY + timedelta(days=5))[0]  # its own participant and session ids
    newcomer["conversationId"] = "late-arrival"
    newcomer["conversationStart"] = "2024-05-01T23:59:00.000Z"
    _, second = stage_days(later + [newcomer], DAY, extracted_at=LATER)
    report = warehouse.load_extraction(staging, second, "run-2")
    assert (report.conversations_new, report.conversations_changed, report.conversations_unchanged) == (1, 5, 295)
    assert report.conversations_loaded == 301 and report.conversations_skipped_older == 0
    assert report.changed_by_day == {"2024-05-01": 6}
    assert report.tables["conversations"] == 6 and report.tables["conversation_evaluations"] == 5

    # Unchanged conversations were not rewritten (their rows keep run-1) ...
    runs = dict(scalar_rows(warehouse, "SELECT conversation_id, _run_id FROM {s}conversations"))
    assert {cid for cid, run in runs.items() if run == "run-2"} == changed | {"late-arrival"}
    # ... but their conversations row records that run-2's extraction confirmed them.
    stamps = {str(s)[:10] for (s,) in scalar_rows(warehouse, "SELECT DISTINCT _extracted_at FROM {s}conversations")}
    assert stamps == {LATER.date().isoformat()}

    if not warehouse.schema:  # same contents as a warehouse that only saw the later extraction (SQLite: all text)
        fresh = Warehouse.from_url(f"sqlite:///{tmp_path / 'fresh.db'}")
        fresh.ensure_schema()
        fresh.load_extraction(staging, second, "fresh")
        assert contents(fresh) == contents(warehouse)
        fresh.dispose()
    hashes = dict(scalar_rows(warehouse, "SELECT conversation_id, _content_hash FROM {s}conversations"))
    assert hashes["late-arrival"] == conversation_hash(newcomer, hash_context(None))


def test_a_confirmed_conversation_is_not_overwritten_by_an_older_extraction(warehouse, stage_days, generated_day):
    day = generated_day(DAY)
    staging, first = stage_days(day, DAY)
    warehouse.load_extraction(staging, first, "run-1")
    _, latest = stage_days(day, DAY, extracted_at=LATEST)  # same content, seen later
    assert warehouse.load_extraction(staging, latest, "run-3").conversations_unchanged == 300
    before = contents(warehouse)

    stale, _ = late_changes(day)  # a replay of an extraction made between the two
    _, between = stage_days(stale, DAY, extracted_at=LATER)
    report = warehouse.load_extraction(staging, between, "run-2")
    assert report.conversations_skipped_older == 300 and report.conversations_loaded == 0
    assert contents(warehouse) == before


def test_rows_loaded_before_content_hashes_are_rewritten_once(warehouse, stage_days, generated_day):
    staging, first = stage_days(generated_day(DAY), DAY)
    warehouse.load_extraction(staging, first, "run-1")
    with warehouse.engine.begin() as conn:
        conn.execute(text(f"UPDATE {'genesys.' if warehouse.schema else ''}conversations SET {CONTENT_HASH} = NULL"))
    _, again = stage_days(generated_day(DAY), DAY, extracted_at=LATER)
    assert warehouse.load_extraction(staging, again, "run-2").conversations_changed == 300
    _, third = stage_days(generated_day(DAY), DAY, extracted_at=LATEST)
    assert warehouse.load_extraction(staging, third, "run-3").conversations_unchanged == 300


def test_a_later_copy_in_the_same_extraction_that_differs_counts_as_changed(warehouse, stage_days, generated_day):
    day = generated_day(DAY)
    staging, first = stage_days(day, DAY)
    warehouse.load_extraction(staging, first, "run-1")
    edited = copy.deepcopy(day[0])
    edited["externalTag"] = "corrected"
    # page 1 carries the stored version unchanged, page 4 a corrected copy of it
    _, second = stage_days(day + [edited], DAY, extracted_at=LATER)
    report = warehouse.load_extraction(staging, second, "run-2")
    assert (report.conversations_changed, report.conversations_unchanged) == (1, 299)
    tag = scalar_rows(
        warehouse, "SELECT external_tag FROM {s}conversations WHERE conversation_id = :c", c=day[0]["conversationId"]
    )
    assert tag == [("corrected",)]
    counts = warehouse.table_counts()
    assert (
        report.tables["participants"]
        == scalar_rows(
            warehouse, "SELECT COUNT(*) FROM {s}participants WHERE conversation_id = :c", c=day[0]["conversationId"]
        )[0][0]
    )
    assert counts["conversations"] == 300


def _attribute_rows(records: list[dict]) -> list[tuple]:
    """participant_attributes' data columns recomputed from details-job records (values here are text)."""
    return sorted(
        (p["participantId"], name, r["conversationId"], value)
        for r in records
        for p in r["participants"]
        for name, value in (p.get("attributes") or {}).items()
    )


def _multiget(records: list[dict]) -> list[dict]:
    """The records as the multi-get serves them: no participant carries ``attributes``."""
    served = copy.deepcopy(records)
    for record in served:
        for participant in record["participants"]:
            participant.pop("attributes", None)
    return served


def test_a_load_without_attributes_keeps_the_stored_ones(warehouse, stage_days, generated_day):
    """Job read, then a multi-get-shaped extraction (five records with a new evaluation, one with a new
    participant, every attribute missing), then a job read of the same content: attributes are the first
    job's throughout and only the real changes count. On PostgreSQL the second load goes through the
    normalize worker (COPY text), the first through the in-process normalizer."""
    day = generated_day(DAY)
    with_attributes = [r for r in day if any(p.get("attributes") for p in r["participants"])]
    assert len(with_attributes) >= 6
    staging, first = stage_days(day, DAY)
    warehouse.load_extraction(staging, first, "run-1")
    stored = sorted(
        scalar_rows(warehouse, "SELECT participant_id, name, conversation_id, value FROM {s}participant_attributes")
    )
    assert stored == _attribute_rows(day)

    later, changed = late_changes(day)  # the first five: new evaluations
    grown = next(r for r in later[5:] if r in with_attributes)
    grown["participants"].append({"participantId": f"p-new-{grown['conversationId']}", "purpose": "agent"})
    changed.add(grown["conversationId"])
    writer = staging.open_writer(
        "by-id", {"conversationIds": [r["conversationId"] for r in day]}, participant_attributes=False
    )
    for page in pages_of(_multiget(later), 100):
        writer.write_page(page, records=len(orjson.loads(page)["conversations"]))
    multiget = writer.commit(LATER)
    warehouse.worker_min_pages = 1  # PostgreSQL: the worker; SQLite: in process (no COPY)
    report = warehouse.load_extraction(staging, multiget, "run-2")

    assert (report.conversations_new, report.conversations_changed, report.conversations_unchanged) == (0, 6, 294)
    assert report.tables["participant_attributes"] == 0
    stored = sorted(
        scalar_rows(warehouse, "SELECT participant_id, name, conversation_id, value FROM {s}participant_attributes")
    )
    assert stored == _attribute_rows(day)  # the first job's, the new participant without any
    runs = {run for (run,) in scalar_rows(warehouse, "SELECT DISTINCT _run_id FROM {s}participant_attributes")}
    assert runs == {"run-1"}  # not rewritten
    participants = {pid for (pid,) in scalar_rows(warehouse, "SELECT participant_id FROM {s}participants")}
    assert f"p-new-{grown['conversationId']}" in participants  # every other table merged as before

    _, same = stage_days(later, DAY, extracted_at=LATEST)  # a job read: the same records, attributes back
    report = warehouse.load_extraction(staging, same, "run-3")
    assert (report.conversations_new, report.conversations_changed, report.conversations_unchanged) == (0, 0, 300)

    grown["participants"][-1]["attributes"] = {"skill": "billing"}  # the new participant's, read by a job
    _, fuller = stage_days(later, DAY, extracted_at=LATEST + timedelta(hours=1))
    report = warehouse.load_extraction(staging, fuller, "run-4")
    assert (report.conversations_changed, report.conversations_unchanged) == (1, 299)
    stored = sorted(
        scalar_rows(warehouse, "SELECT participant_id, name, conversation_id, value FROM {s}participant_attributes")
    )
    assert stored == _attribute_rows(later)
