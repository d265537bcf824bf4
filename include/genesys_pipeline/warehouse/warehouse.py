"""The warehouse as the DAG sees it: one object per connection URL.

Chooses the bulk writer by dialect (COPY on PostgreSQL, executemany elsewhere) and wires
staging -> normalize -> load (``load_extraction``: the load task and the benchmarks).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterable
from contextlib import closing
from datetime import date
from typing import Any, Literal

from sqlalchemy import Engine
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError

from genesys_pipeline.normalize.normalizer import Normalizer, NormalizeResult, TableBatch
from genesys_pipeline.normalize.pii import PiiConfig
from genesys_pipeline.normalize.prefetch import prefetch
from genesys_pipeline.normalize.process import NormalizeProcess
from genesys_pipeline.staging.area import Manifest, StagingArea
from genesys_pipeline.staging.rejects import RejectsFile
from genesys_pipeline.warehouse import contents, schema
from genesys_pipeline.warehouse.converge.convergence import Convergence
from genesys_pipeline.warehouse.converge.erasure import CompleteExtraction
from genesys_pipeline.warehouse.engine import create_warehouse_engine, schema_for
from genesys_pipeline.warehouse.write.daylocks import extraction_days, is_deadlock
from genesys_pipeline.warehouse.write.load import ExecutemanyWriter, LoadReport, RowWriter, Stopwatch, load_batches
from genesys_pipeline.warehouse.write.merge import ConversationTables, MergeCounts, Progress
from genesys_pipeline.warehouse.write.postgres_copy import CopyWriter

# auto: text COPY on PostgreSQL, executemany elsewhere. copy: binary COPY, opt-in (less backend
# CPU, more on our side: it wins only where PostgreSQL has cores of its own; docs/performance.md).
BulkPath = Literal["auto", "copy", "copy_text", "executemany"]


# Extractions of at least this many pages are normalized in a worker process where the writer
# takes rows encoded as COPY text (text COPY, PostgreSQL's default here). Smaller ones stay in
# this process: a worker costs a Python start-up (~0.3 s) and one page has nothing to overlap.
WORKER_MIN_PAGES = 2


class Warehouse:
    def __init__(
        self,
        engine: Engine,
        bulk: BulkPath = "auto",
        prefetch: bool = True,
        worker_min_pages: int | None = WORKER_MIN_PAGES,
    ) -> None:
        self.engine = engine
        self.prefetch = prefetch  # normalize the next page while the current one loads
        self.worker_min_pages = worker_min_pages  # None: never normalize in a worker process
        self.schema = schema_for(engine)
        self.writer: RowWriter = _writer(engine, bulk)

    @classmethod
    def from_url(
        cls,
        url: str | URL,
        bulk: BulkPath = "auto",
        prefetch: bool = True,
        worker_min_pages: int | None = WORKER_MIN_PAGES,
    ) -> Warehouse:
        return cls(create_warehouse_engine(url), bulk, prefetch, worker_min_pages)

    def ensure_schema(self) -> list[str]:
        """Tables, views and schema version; returns columns added to existing tables."""
        return schema.ensure_schema(self.engine)

    def schema_version(self) -> int | None:
        return schema.schema_version(self.engine)

    def load_batches(
        self,
        batches: Iterable[TableBatch],
        run_id: str,
        progress: Progress | None = None,
        finish: Callable[[ConversationTables, MergeCounts, LoadReport], None] | None = None,
        own_days: Collection[date] = (),
        attributes: bool = True,
    ) -> LoadReport:
        """Load already-normalized batches in one transaction (``finish`` runs last, inside it);
        ``own_days``: the days the extraction's interval overlaps; ``attributes``: whether the
        source carries participant attributes (see :func:`.load.load_batches`)."""
        load = (self.engine, self.schema)
        if not self.prefetch:
            return load_batches(*load, batches, self.writer, run_id, progress, finish, own_days, attributes)
        with closing(prefetch(batches)) as ahead:  # closing stops the producer if the load fails
            return load_batches(*load, ahead, self.writer, run_id, progress, finish, own_days, attributes)

    def load_extraction(
        self,
        staging: StagingArea,
        manifest: Manifest,
        run_id: str,
        pii: PiiConfig | None = None,
        rejects_path: Any = None,
        progress: Progress | None = None,
        complete: CompleteExtraction | None = None,
        erasure_salt: str | None = None,
    ) -> LoadReport:
        """Raw staged pages -> normalize -> load, streamed page by page, one transaction.

        The same transaction upserts ``partition_freshness`` and, given ``complete`` (and the
        salt for the audit's id hashes), erases the conversations of those days that the
        extraction no longer returned.

        PostgreSQL aborts one of two loads that deadlock on day locks (only possible when a
        record's day breaks the ordering rule of :mod:`.daylocks`): its transaction rolled back
        whole, so it is re-run once from the staged pages.
        """
        try:
            return self._load_extraction(staging, manifest, run_id, pii, rejects_path, progress, complete, erasure_salt)
        except DBAPIError as error:
            if not is_deadlock(error):
                raise
        return self._load_extraction(staging, manifest, run_id, pii, rejects_path, progress, complete, erasure_salt)

    def _load_extraction(
        self,
        staging: StagingArea,
        manifest: Manifest,
        run_id: str,
        pii: PiiConfig | None,
        rejects_path: Any,
        progress: Progress | None,
        complete: CompleteExtraction | None,
        erasure_salt: str | None,
    ) -> LoadReport:
        if not manifest.extracted_at:
            raise ValueError(f"extraction {manifest.partition}/{manifest.query_hash} has no extracted_at")
        path = rejects_path if rejects_path is not None else staging.rejects_path(manifest)
        if path.exists():
            path.unlink()  # a previous load's quarantine; this load writes its own, if any
        reading = Stopwatch()
        started = time.perf_counter()
        own_days = extraction_days(manifest.query)

        def load(result: NormalizeResult, batches: Iterable[TableBatch]) -> LoadReport:
            converge = Convergence(manifest, result, complete, erasure_salt, progress)
            return self.load_batches(
                converge.watch(batches),
                run_id,
                progress,
                finish=converge,
                own_days=own_days,
                attributes=manifest.participant_attributes,
            )

        with RejectsFile(path, private_root=staging.rejects_root) as rejects:
            pages = reading.wrap(staging.iter_pages(manifest))
            if self._uses_worker(manifest):
                # through the one load funnel, prefetch thread included: it reads the next frame
                # while this thread COPYs, so the worker starts on the page after
                with NormalizeProcess(
                    pages, manifest.extracted_at, run_id, pii, rejects, manifest.participant_attributes
                ) as worker:
                    report = load(worker.result, worker.batches())
                result, normalize_s = worker.result, worker.normalize_s
            else:
                normalizer = Normalizer(
                    manifest.extracted_at, run_id, pii=pii, rejects=rejects, attributes=manifest.participant_attributes
                )
                normalizing = Stopwatch()
                report = load(normalizer.result, normalizing.wrap(normalizer.normalize_pages(pages)))
                result, normalize_s = normalizer.result, normalizing.seconds - reading.seconds
        report.include(result, str(path) if rejects.count else None)
        # Read and normalize run beside the load (prefetch thread or worker process): their
        # times overlap stage_s, and wait_s is what the loader spent waiting for them.
        load_timings = dict(report.timings)
        report.timings = {
            "read_s": round(reading.seconds, 4),
            "normalize_s": round(normalize_s, 4),
            "wait_s": load_timings.pop("upstream_s"),
            **load_timings,
            "total_s": round(time.perf_counter() - started, 4),
        }
        return report

    def _uses_worker(self, manifest: Manifest) -> bool:
        takes_encoded = getattr(self.writer, "takes_encoded", False)
        return takes_encoded and self.worker_min_pages is not None and manifest.page_count >= self.worker_min_pages

    def table_counts(self) -> dict[str, int]:
        return contents.table_counts(self.engine)

    def table_checksums(self, include_run_id: bool = False) -> dict[str, str]:
        return contents.table_checksums(self.engine, include_run_id=include_run_id)

    def dispose(self) -> None:
        self.engine.dispose()


def _writer(engine: Engine, bulk: BulkPath) -> RowWriter:
    postgres = engine.dialect.name == "postgresql"
    if bulk in ("copy", "copy_text") and not postgres:
        raise ValueError(f"COPY needs PostgreSQL, not {engine.dialect.name}")
    if bulk in ("copy", "copy_text") or (bulk == "auto" and postgres):
        return CopyWriter(binary=bulk == "copy")
    return ExecutemanyWriter()
