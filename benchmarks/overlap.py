"""Experiment (``bench.py --overlap``): fetch overlapped with normalize and load.

The pipeline extracts a whole window into staging before it normalizes and loads it (two
Airflow tasks, so each can be retried alone). This phase measures what running them as one
stream would gain: pages are fetched and staged in one thread while earlier pages are
normalized (a second thread) and COPY-ed (the main thread), all in one process. It reuses
the pipeline's own pieces; only the wiring differs from ``ours``.
"""

from __future__ import annotations

import time
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from environment import rate
from genesys_pipeline.normalize.normalizer import Normalizer
from genesys_pipeline.normalize.prefetch import prefetch
from genesys_pipeline.staging.area import StagingArea
from genesys_pipeline.warehouse import Warehouse
from ours import bench_hook, run_job, staged_pages


def run_overlapped(base_url: str, interval: str, db_url: str, workdir: Path) -> dict[str, Any]:
    hook = bench_hook(base_url)
    hook.get_token()
    warehouse = Warehouse.from_url(db_url)
    body = {"interval": interval}
    try:
        warehouse.ensure_schema()
        started, cpu = time.perf_counter(), time.process_time()
        job_id = run_job(hook, body)
        writer = StagingArea(workdir / "staging").open_writer("bench", body)
        normalizer = Normalizer(datetime.now(UTC), "bench-overlap")
        with closing(prefetch(staged_pages(hook, writer, job_id), depth=2)) as pages:
            report = warehouse.load_batches(normalizer.normalize_pages(pages), "bench-overlap")
        manifest = writer.commit(job_id=job_id)
        hook.delete_details_job(job_id)
        seconds, cpu_s = time.perf_counter() - started, time.process_time() - cpu
        conversations = warehouse.table_counts()["conversations"]
    finally:
        warehouse.dispose()
    return {
        "phase": "ours_overlapped",
        "conversations": manifest.record_count,
        "seconds": round(seconds, 3),
        "conv_per_s": rate(manifest.record_count, seconds),
        "cpu_s": round(cpu_s, 3),
        "load_timings": report.timings,
        "table_conversations": conversations,
    }
