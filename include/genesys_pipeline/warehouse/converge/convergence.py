"""What a load does after its last batch, in its transaction: erasure, then freshness.

:class:`Convergence` watches the batches go by (the ids the extraction returned), then, as the
load's ``finish`` step, erases the conversations a complete re-extraction no longer returns
(only with a :class:`~.erasure.CompleteExtraction`) and upserts ``partition_freshness`` for the
days the extraction covered and the days it changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date

from genesys_pipeline.normalize.normalizer import NormalizeResult, TableBatch, format_timestamp
from genesys_pipeline.plan.window import WindowError
from genesys_pipeline.staging.area import Manifest
from genesys_pipeline.warehouse.converge.erasure import (
    CompleteExtraction,
    IncompleteExtractionError,
    erase_not_returned,
    whole_days,
)
from genesys_pipeline.warehouse.converge.freshness import upsert_partition_freshness
from genesys_pipeline.warehouse.write.load import LoadReport
from genesys_pipeline.warehouse.write.merge import ConversationTables, MergeCounts, Progress


class Convergence:
    def __init__(
        self,
        manifest: Manifest,
        normalized: NormalizeResult,
        complete: CompleteExtraction | None = None,
        erasure_salt: str | None = None,
        progress: Progress | None = None,
    ) -> None:
        if complete is not None and not erasure_salt:
            raise ValueError(
                "erasure_salt: required with a CompleteExtraction (deleted ids are kept only as salted hashes)"
            )
        if complete is not None and not complete.describes(manifest):
            raise IncompleteExtractionError(
                f"the CompleteExtraction given is of {complete.source}, not of the extraction being loaded "
                f"({manifest.partition}/{manifest.query_hash}@{manifest.extracted_at})"
            )
        self.manifest = manifest
        self.normalized = normalized  # live: complete once the batches are consumed
        self.complete = complete
        self.salt = erasure_salt or ""
        self.progress = progress
        self.returned: set[str] = set()

    def watch(self, batches: Iterable[TableBatch]) -> Iterator[TableBatch]:
        """Pass batches through, remembering the ids they carry (only when erasure needs them)."""
        for batch in batches:
            if self.complete is not None:
                self.returned.update(batch.conversation_ids)
            yield batch

    def __call__(self, tables: ConversationTables, counts: MergeCounts, report: LoadReport) -> None:
        deleted_by_day: dict[str, int] = {}
        if self.complete is not None:
            deleted_by_day = self._erase(tables, report, self.complete)
        extracted_days = _extracted_days(self.manifest)
        extracted_at = format_timestamp(self.manifest.extracted_at) if self.manifest.extracted_at else None
        rows = upsert_partition_freshness(tables, extracted_days, extracted_at, counts.written_by_day, deleted_by_day)
        report.freshness = [vars(row) for row in rows]

    def _erase(self, tables: ConversationTables, report: LoadReport, complete: CompleteExtraction) -> dict[str, int]:
        rejected = [entry.get("conversation_id") for entry in self.normalized.rejected]
        if any(not cid for cid in rejected):
            # a record we could not even identify was returned: we cannot tell what is gone
            report.erasure_skipped = "a rejected record has no conversationId"
            return {}
        rejected_ids = {cid for cid in rejected if cid}  # every one, as checked above
        erasure = erase_not_returned(tables, complete, self.returned | rejected_ids, self.salt, self.progress)
        report.conversations_deleted = erasure.conversations
        report.deleted_id_hashes = erasure.hashed_ids
        return erasure.by_day


def _extracted_days(manifest: Manifest) -> list[date]:
    """Whole days of the manifest's query interval; none for a query without a Genesys interval
    (a follow-up by id, or a hand-made extraction): those only refresh the counts of days they changed."""
    interval = manifest.query.get("interval")
    try:
        return whole_days(interval) if isinstance(interval, str) else []
    except WindowError:
        return []
