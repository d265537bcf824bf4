"""GenesysLoadOperator: staged pages -> warehouse (SQLite and PostgreSQL), judged by counts recomputed from
the staged JSON itself; a missing or corrupt extraction fails before anything is written."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from genesys_cloud.operators.load import GenesysLoadOperator, closing_line
from genesys_pipeline.staging.area import StagingIntegrityError
from genesys_pipeline.warehouse.write.load import LoadReport
from tests.genesys_cloud.operators.operator_support import (
    make_context,
    past_day,
    prepare_warehouse,
    stage_day,
    staged_conversations,
    table_count,
)

DAY = past_day(2)
PARTITION = DAY.strftime("%Y-%m-%d")


@pytest.fixture()
def extraction(genesys, staging_root) -> dict:
    """A real extraction of DAY staged from the emulator (what the extract task hands to load)."""
    return stage_day(DAY, staging_root)


def expected_rows(conversations: list[dict]) -> dict[str, int]:
    """Row counts of the main tables, recomputed from the raw records."""
    participants = [p for c in conversations for p in c.get("participants") or []]
    sessions = [s for p in participants for s in p.get("sessions") or []]
    return {
        "conversations": len({c["conversationId"] for c in conversations}),
        "participants": len(participants),
        "sessions": len(sessions),
        "segments": sum(len(s.get("segments") or []) for s in sessions),
        "session_metrics": sum(len(s.get("metrics") or []) for s in sessions),
    }


def load(extraction) -> dict:
    return GenesysLoadOperator(task_id="load", extraction=extraction).execute(make_context(DAY, task_id="load"))


@pytest.mark.timeout(60)
def test_loads_every_staged_record(extraction, any_warehouse):
    prepare_warehouse()
    expected = expected_rows(staged_conversations(extraction["staging_path"]))

    result = load(extraction)

    for table, rows in expected.items():
        assert table_count(any_warehouse, table) == rows, table
    assert result["conversations_loaded"] == expected["conversations"]
    assert result["conversations_rejected"] == 0
    assert {table: result["rows_per_table"][table] for table in expected} == expected


@pytest.mark.timeout(60)
def test_a_rerun_replaces_instead_of_duplicating(extraction, sqlite_warehouse):
    prepare_warehouse()
    expected = expected_rows(staged_conversations(extraction["staging_path"]))
    load(extraction)

    again = load(extraction)

    for table, rows in expected.items():
        assert table_count(sqlite_warehouse, table) == rows, table
    assert (again["conversations_new"], again["conversations_changed"]) == (0, 0)
    assert again["conversations_unchanged"] == expected["conversations"]


def test_the_closing_line_says_what_became_of_what_was_read():
    report = LoadReport(
        conversations_loaded=1912,
        conversations_new=10,
        conversations_changed=5,
        conversations_unchanged=1897,
        conversations_skipped_older=256,
        conversations_rejected=3,
        tables={"conversations": 15, "participants": 306},
        duplicates_collapsed=1,
    )
    assert closing_line(report, 3) == (
        "Load done: 2,171 conversations read from 3 pages; written 15 (10 new, 5 changed; 321 rows), "
        "unchanged 1,897, skipped as older 256, rejected 3, duplicates collapsed 1"
    )


@pytest.mark.parametrize("extraction_value", [None, {}])
def test_no_extraction_asks_to_rerun_extract(sqlite_warehouse, extraction_value):
    with pytest.raises(ValueError, match="rerun the extract task"):
        load(extraction_value)


@pytest.mark.timeout(60)
def test_missing_manifest_fails_and_writes_nothing(extraction, sqlite_warehouse):
    (Path(extraction["staging_path"]) / "_manifest.json").unlink()

    with pytest.raises(FileNotFoundError, match=f"no complete extraction {PARTITION}/{extraction['query_hash']}"):
        load(extraction)
    assert not Path(sqlite_warehouse.removeprefix("sqlite:///")).exists()


@pytest.mark.timeout(60)
def test_a_path_that_is_no_extraction_is_refused(extraction, sqlite_warehouse, tmp_path):
    with pytest.raises(ValueError, match="is not an extraction directory"):
        load({**extraction, "staging_path": str(tmp_path)})


@pytest.mark.timeout(60)
def test_corrupt_page_fails_and_rolls_back(extraction, sqlite_warehouse):
    pages = sorted(Path(extraction["staging_path"]).glob("page-*.json.gz"))
    assert len(pages) >= 2, "the corruption must hit a page after the first"
    last = pages[-1]
    document = json.loads(gzip.decompress(last.read_bytes()))
    document["conversations"] = document["conversations"][:-1]  # valid JSON, wrong content
    last.write_bytes(gzip.compress(json.dumps(document).encode()))
    prepare_warehouse()

    with pytest.raises(StagingIntegrityError, match=last.name):
        load(extraction)
    assert table_count(sqlite_warehouse, "conversations") == 0  # the pages before it were not kept
