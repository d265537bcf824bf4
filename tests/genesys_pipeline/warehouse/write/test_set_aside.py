"""The set-aside spool: batches come back equal and in order, and nothing stays behind."""

from __future__ import annotations

from genesys_pipeline.normalize.normalizer import Normalizer
from genesys_pipeline.normalize.worker import encode_batch
from genesys_pipeline.warehouse.write.set_aside import SetAside
from tests.genesys_pipeline.pipeline_records import EXTRACTED_D


def test_spooled_batches_come_back_equal_and_in_order(generated_day, make_pages):
    normalizer = Normalizer(EXTRACTED_D, "run-1")
    batches = [normalizer.normalize_page(page) for page in make_pages(generated_day(), 100)]
    batches[1] = encode_batch(batches[1])  # the worker's form: COPY text with spans
    with SetAside() as spool:
        assert list(spool) == []
        for batch in batches:
            spool.add(batch)
        assert spool.count == 3
        assert list(spool) == batches
        assert list(spool) == batches  # replayable
        spooled = spool._file
    assert spooled is not None and spooled.closed and spool._file is None
