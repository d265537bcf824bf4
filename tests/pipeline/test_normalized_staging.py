"""Normalize and load as separate tasks: normalized parts on disk, then loaded from there."""
from __future__ import annotations

import copy

import orjson
import pytest
from pipeline_records import EXTRACTED_D1

from genesys_pipeline.normalize import Normalizer
from genesys_pipeline.normalized_staging import (
    StaleNormalizationError, iter_normalized, normalize_extraction, read_normalize_result, rejects_path,
)
from genesys_pipeline.warehouse import Warehouse


def test_normalized_parts_round_trip_the_batches(stage, generated_day):
    staging, manifest = stage(generated_day())
    direct = list(Normalizer(manifest.extracted_at, "run-1").normalize_pages(staging.iter_pages(manifest)))
    result = normalize_extraction(staging, manifest, "run-1")
    staged = list(iter_normalized(staging, manifest))
    assert [b.rows for b in staged] == [b.rows for b in direct]
    assert [b.conversation_ids for b in staged] == [b.conversation_ids for b in direct]
    assert read_normalize_result(staging, manifest) == result
    assert result.conversations == 300 and result.pages == 3


def test_loading_normalized_parts_equals_loading_in_one_stream(stage, generated_day, sample_record, tmp_path):
    broken = copy.deepcopy(sample_record)
    del broken["participants"][0]["participantId"]
    broken["conversationId"] = "c-broken"
    staging, manifest = stage(generated_day() + [broken])
    result = normalize_extraction(staging, manifest, "run-1")
    assert result.rejected == [{"conversation_id": "c-broken", "reason": "missing participantId"}]
    assert orjson.loads(rejects_path(staging, manifest).read_bytes())["conversation_id"] == "c-broken"

    two_tasks = Warehouse.from_url(f"sqlite:///{tmp_path / 'a.db'}")
    two_tasks.ensure_schema()
    report = two_tasks.load_batches(iter_normalized(staging, manifest), "run-1")
    one_stream = Warehouse.from_url(f"sqlite:///{tmp_path / 'b.db'}")
    one_stream.ensure_schema()
    one_stream.load_extraction(staging, manifest, "run-1", rejects_path=tmp_path / "rejects.jsonl")
    assert two_tasks.table_checksums() == one_stream.table_checksums()
    assert report.conversations_loaded == 300


def test_normalization_of_a_previous_extraction_is_refused(stage, generated_day):
    records = generated_day()[:10]
    staging, manifest = stage(records)
    normalize_extraction(staging, manifest, "run-1")
    _, again = stage(records, EXTRACTED_D1)  # same query re-extracted later
    with pytest.raises(StaleNormalizationError, match="normalize again"):
        list(iter_normalized(staging, again))


def test_missing_normalization_is_reported(stage, generated_day):
    staging, manifest = stage(generated_day()[:5])
    with pytest.raises(StaleNormalizationError, match="has not been normalized"):
        list(iter_normalized(staging, manifest))
