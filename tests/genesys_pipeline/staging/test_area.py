"""The staged raw-page format: round trip, cache freshness, interrupted extractions, integrity, and
manifests that a crash or a torn write never leave half-readable."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest

from genesys_pipeline.staging.area import MANIFEST_NAME, Manifest, StagingArea, StagingIntegrityError, query_hash
from tests.genesys_pipeline.staging.one_page import NOW, PAGE, stage_one_page
from tests.genesys_pipeline.staging.one_page import QUERY as ONE_PAGE_QUERY

QUERY = {"interval": "2024-05-01T00:00:00.000Z/2024-05-02T00:00:00.000Z", "order": "asc"}
PAGES = [orjson.dumps({"conversations": [{"conversationId": f"c-{i}"}], "cursor": str(i)}) for i in range(3)]


def _extract(area: StagingArea, when: datetime) -> None:
    writer = area.open_writer("2024-05-01", QUERY)
    for raw in PAGES:
        writer.write_page(raw, records=1)
    writer.commit(extracted_at=when, job_id="job-1")


def test_round_trip_keeps_exact_bytes_and_manifest(tmp_path):
    area = StagingArea(tmp_path)
    _extract(area, datetime(2024, 5, 2, 3, tzinfo=UTC))

    manifest = area.read_manifest("2024-05-01", query_hash(QUERY))
    assert manifest is not None and manifest.complete
    assert (manifest.page_count, manifest.record_count, manifest.job_id) == (3, 3, "job-1")
    assert manifest.extracted_at == "2024-05-02T03:00:00Z"
    assert manifest.query == QUERY
    assert list(area.iter_pages(manifest)) == PAGES
    page_dir = area.extraction_dir("2024-05-01", query_hash(QUERY))
    assert sorted(p.name for p in page_dir.iterdir()) == [
        MANIFEST_NAME,
        "page-00001.json.gz",
        "page-00002.json.gz",
        "page-00003.json.gz",
    ]


def test_query_hash_ignores_key_order_but_not_values():
    assert query_hash({"a": 1, "b": 2}) == query_hash({"b": 2, "a": 1})
    assert query_hash({"a": 1}) != query_hash({"a": 2})


def test_find_fresh_honours_ttl(tmp_path):
    area = StagingArea(tmp_path)
    extracted = datetime(2024, 5, 2, 3, tzinfo=UTC)
    _extract(area, extracted)

    assert area.find_fresh("2024-05-01", QUERY, ttl_seconds=3600, now=extracted + timedelta(minutes=30))
    assert area.find_fresh("2024-05-01", QUERY, ttl_seconds=3600, now=extracted + timedelta(hours=2)) is None
    assert area.find_fresh("2024-05-01", {**QUERY, "order": "desc"}, ttl_seconds=3600, now=extracted) is None


def test_interrupted_extraction_is_never_read_and_is_cleared_on_restart(tmp_path):
    area = StagingArea(tmp_path)
    _extract(area, datetime(2024, 5, 2, tzinfo=UTC))

    writer = area.open_writer("2024-05-01", QUERY)  # a rerun starts...
    writer.write_page(PAGES[0], records=1)  # ...and dies before commit
    assert area.read_manifest("2024-05-01", query_hash(QUERY)) is None
    assert [p.name for p in writer.directory.iterdir()] == ["page-00001.json.gz"]


def test_corrupt_page_is_detected(tmp_path):
    area = StagingArea(tmp_path)
    _extract(area, datetime(2024, 5, 2, tzinfo=UTC))
    manifest = area.read_manifest("2024-05-01", query_hash(QUERY))
    page = area.extraction_dir("2024-05-01", manifest.query_hash) / "page-00002.json.gz"
    page.write_bytes(gzip.compress(b'{"conversations": []}'))

    with pytest.raises(StagingIntegrityError, match="page-00002"):
        list(area.iter_pages(manifest))


def test_manifest_is_renamed_into_place_so_a_crash_leaves_none(tmp_path, monkeypatch):
    area = StagingArea(tmp_path)
    writer = area.open_writer("2024-05-01", ONE_PAGE_QUERY)
    writer.write_page(PAGE, records=1)
    monkeypatch.setattr(Path, "rename", lambda self, target: (_ for _ in ()).throw(OSError("killed")))
    with pytest.raises(OSError):
        writer.commit(extracted_at=NOW)
    monkeypatch.undo()
    assert not (writer.directory / MANIFEST_NAME).exists()
    assert area.read_manifest("2024-05-01", query_hash(ONE_PAGE_QUERY)) is None


@pytest.mark.parametrize("content", [b'{"partition": "2024-05-01", "pag', b"", b"[]", b'{"unexpected": 1}'])
def test_unreadable_manifest_is_treated_as_absent_and_a_rerun_recovers(tmp_path, content):
    area = StagingArea(tmp_path)
    directory = stage_one_page(area)
    (directory / MANIFEST_NAME).write_bytes(content)
    assert area.read_manifest("2024-05-01", query_hash(ONE_PAGE_QUERY)) is None
    assert area.find_fresh("2024-05-01", ONE_PAGE_QUERY, ttl_seconds=10**9, now=NOW) is None
    stage_one_page(area)
    assert isinstance(area.read_manifest("2024-05-01", query_hash(ONE_PAGE_QUERY)), Manifest)
