"""The pipeline under test: hook -> staged gzip pages -> normalize -> COPY load, end to end.

    .venv/bin/python benchmarks/ours.py --base-url URL --interval I --db-url URL   # one JSON line

Run in-process by ``bench.py`` for the throughput figures, and as its own process for the peak
RSS ones (so the parent's imports and the other phases never inflate them). The extraction
is the details-job operator's sequence (submit, poll, stream pages into staging, delete)
without Airflow's task machinery; the load is ``Warehouse.load_extraction``, the pipeline's
one-stream path.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from environment import EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET, MAX_PAGE_SIZE, ROOT, emit, rate
from rss import ChildPeaks, own_peak_rss_mb

CONN_ID = "genesys_bench"
os.environ.setdefault("AIRFLOW_HOME", str(ROOT / ".bench" / "airflow"))  # before Airflow is imported

import structlog

from genesys_cloud.api.job_state import JobState
from genesys_cloud.hook import GenesysCloudHook
from genesys_emulator.control_client import EmulatorControl
from genesys_pipeline.normalize.normalizer import Normalizer
from genesys_pipeline.staging.area import ExtractionWriter, Manifest, StagingArea
from genesys_pipeline.warehouse import Warehouse
from genesys_pipeline.warehouse.warehouse import WORKER_MIN_PAGES

POLL_SECONDS = 0.2
# Airflow's structlog writes task logs to stdout; the benchmark's stdout is its JSON lines only.
structlog.configure(logger_factory=structlog.PrintLoggerFactory(sys.stderr))


def bench_hook(base_url: str) -> GenesysCloudHook:
    """A hook on an env-var connection to the emulator, asking for the largest result pages."""
    os.environ[f"AIRFLOW_CONN_{CONN_ID.upper()}"] = json.dumps(
        {
            "conn_type": "http",
            "host": base_url,
            "login": EMULATOR_CLIENT_ID,
            "password": EMULATOR_CLIENT_SECRET,
            "extra": {"results_page_size": MAX_PAGE_SIZE},
        }
    )
    return GenesysCloudHook(genesys_conn_id=CONN_ID)


def run_job(hook: GenesysCloudHook, body: dict[str, Any]) -> str:
    """Submit one details job and wait until it is FULFILLED; returns its id."""
    job_id = hook.submit_details_job(body)
    state = hook.get_details_job(job_id)["state"]
    while not state.is_terminal:
        time.sleep(POLL_SECONDS)
        state = hook.get_details_job(job_id)["state"]
    if state is not JobState.FULFILLED:
        hook.delete_details_job(job_id)
        raise RuntimeError(f"details job {job_id} ended {state.value}")
    return job_id


def staged_pages(hook: GenesysCloudHook, writer: ExtractionWriter, job_id: str) -> Iterator[bytes]:
    """Stream the job's result pages into staging, yielding each page's raw bytes once written."""
    for page in hook.iter_details_job_pages(job_id, MAX_PAGE_SIZE):
        writer.write_page(page.raw, page.conversations)
        yield page.raw


def extract(hook: GenesysCloudHook, staging: StagingArea, interval: str) -> Manifest:
    """The details-job operator's sequence: submit, wait, stage every page, commit, delete."""
    body = {"interval": interval}
    job_id = run_job(hook, body)
    try:
        writer = staging.open_writer("bench", body)
        for _raw in staged_pages(hook, writer, job_id):
            pass
        return writer.commit(job_id=job_id)
    finally:
        hook.delete_details_job(job_id)


def detail_requests(stats: dict[str, dict[str, int]]) -> int:
    """Requests the emulator served, token requests excluded (they are not detail API calls)."""
    return sum(sum(by_status.values()) for operation, by_status in stats.items() if operation != "post_token")


def normalize_only(staging: StagingArea, manifest: Manifest) -> float:
    """Read + parse + normalize every staged page and drop the rows: the normalize stage alone."""
    started = time.perf_counter()
    for _batch in Normalizer(manifest.extracted_at, "bench-normalize").normalize_pages(staging.iter_pages(manifest)):
        pass
    return time.perf_counter() - started


def staged_megabytes(staging: StagingArea, manifest: Manifest) -> float:
    directory = staging.extraction_dir(manifest.partition, manifest.query_hash)
    return round(sum((directory / page.name).stat().st_size for page in manifest.pages) / 2**20, 1)


def _children_cpu_s() -> float:
    """CPU seconds of this process's ended children (the load's normalize worker)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_ours(base_url: str, interval: str, db_url: str, workdir: Path, worker: bool = True) -> dict[str, Any]:
    """End to end = extract + load_extraction (normalize streamed into COPY); then each stage alone."""
    control = EmulatorControl(base_url)
    staging = StagingArea(workdir / "staging")
    hook = bench_hook(base_url)
    hook.get_token()  # outside the clock: one token serves a whole day's extraction
    served_before = detail_requests(control.stats())
    started, cpu = time.perf_counter(), time.process_time()
    manifest = extract(hook, staging, interval)
    extract_s, extract_cpu_s = time.perf_counter() - started, time.process_time() - cpu
    api_requests = detail_requests(control.stats()) - served_before

    # worker=False: normalize in this process (the prefetch thread), for an A/B of the worker
    warehouse = Warehouse.from_url(db_url, worker_min_pages=WORKER_MIN_PAGES if worker else None)
    try:
        warehouse.ensure_schema()  # once per warehouse, not per load: outside the clock
        started, cpu, worker_cpu = time.perf_counter(), time.process_time(), _children_cpu_s()
        report = warehouse.load_extraction(staging, manifest, "bench-ours")
        load_extraction_s, load_extraction_cpu_s = time.perf_counter() - started, time.process_time() - cpu
        worker_cpu_s = _children_cpu_s() - worker_cpu
        counts = warehouse.table_counts()
    finally:
        warehouse.dispose()
    normalize_s = normalize_only(staging, manifest)
    loader = report.timings  # the loader's own time; normalize ran beside it (worker process or thread)
    load_s = loader["stage_s"] + loader["merge_s"] + loader["commit_s"]
    conversations = manifest.record_count
    total_s = extract_s + load_extraction_s
    return {
        "phase": "ours",
        "conversations": conversations,
        "pages": manifest.page_count,
        "seconds": round(total_s, 3),
        "conv_per_s": rate(conversations, total_s),
        # CPU seconds of this process (all threads) and its normalize worker: steadier than wall
        # time on a shared machine
        "cpu_s": round(extract_cpu_s + load_extraction_cpu_s + worker_cpu_s, 3),
        "extract_s": round(extract_s, 3),
        "extract_cpu_s": round(extract_cpu_s, 3),
        "extract_conv_per_s": rate(conversations, extract_s),
        "normalize_s": round(normalize_s, 3),
        "normalize_conv_per_s": rate(conversations, normalize_s),
        "load_s": round(load_s, 3),
        "load_conv_per_s": rate(conversations, load_s),
        "load_extraction_s": round(load_extraction_s, 3),
        "load_extraction_cpu_s": round(load_extraction_cpu_s, 3),
        "load_extraction_worker_cpu_s": round(worker_cpu_s, 3),  # the normalize worker process's
        "load_timings": loader,
        "conversations_by_day": report.changed_by_day,  # new per conversation_date: D-1 are midnight spanners
        "staged_mb": staged_megabytes(staging, manifest),
        "api_requests": api_requests,
        "hook_stats": {key: value for key, value in hook.stats.as_dict().items() if key != "failed_correlation_ids"},
        "table_conversations": counts["conversations"],
        "table_rows": sum(counts.values()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--interval", required=True)
    parser.add_argument("--db-url", required=True)
    parser.add_argument(
        "--report-rss",
        action="store_true",
        help="add the peak RSS (peak_rss_mb: this process's plus its normalize worker's)",
    )
    parser.add_argument("--no-worker", action="store_true", help="normalize in this process, not a worker process")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="genesys-bench-ours-") as workdir, ChildPeaks() as worker:
        result = run_ours(args.base_url, args.interval, args.db_url, Path(workdir), worker=not args.no_worker)
    if args.report_rss:
        own = own_peak_rss_mb()
        result.update(
            own_peak_rss_mb=own, worker_peak_rss_mb=worker.peak_mb, peak_rss_mb=round(own + worker.peak_mb, 1)
        )
    emit(result)


if __name__ == "__main__":
    main()
