"""PostgreSQL-only guarantees: the COPY fast path equals the generic path, and a load killed
mid-transaction leaves the warehouse exactly as it was."""

from __future__ import annotations

import copy
import os
import signal
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor

import pytest

from genesys_pipeline.warehouse import Warehouse
from genesys_pipeline.warehouse.write.load import ExecutemanyWriter
from genesys_pipeline.warehouse.write.postgres_copy import CopyWriter
from tests.genesys_pipeline.pipeline_records import EXTRACTED_D, EXTRACTED_D1

pytestmark = pytest.mark.postgres


def test_copy_and_generic_paths_store_identical_contents(postgres_url, stage, generated_day, sample_record):
    records = generated_day() + [sample_record]
    records[0]["participants"][0]["attributes"] = {"x'); DROP TABLE users;--": "tab\there\nnewline \\N"}
    staging, manifest = stage(records)
    checksums = {}
    for bulk, writer in (("copy", CopyWriter), ("executemany", ExecutemanyWriter)):
        wh = Warehouse.from_url(postgres_url, bulk=bulk)
        assert isinstance(wh.writer, writer)
        with wh.engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA IF EXISTS genesys CASCADE")
        wh.ensure_schema()
        wh.load_extraction(staging, manifest, "run-1")
        checksums[bulk] = wh.table_checksums()
        counts = wh.table_counts()
        wh.dispose()
    assert checksums["copy"] == checksums["executemany"]
    assert all(
        counts[table]
        for table in (
            "participant_attributes",
            "segments",
            "session_flow_outcomes",
            "conversation_evaluations",
            "conversation_surveys",
        )
    )


# Loads the staged extraction and parks (holding its open transaction) once the merge has
# deleted every old row and inserted part of the new ones: the worst moment to die.
CRASHING_LOADER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from genesys_pipeline.staging.area import StagingArea
    from genesys_pipeline.warehouse import Warehouse

    url, root, partition, qhash = sys.argv[1:5]
    staging = StagingArea(Path(root))
    manifest = staging.read_manifest(partition, qhash)

    def progress(event):
        if event == "merge:inserted:sessions":
            print("MIDWAY", flush=True)
            time.sleep(600)

    Warehouse.from_url(url).load_extraction(staging, manifest, "run-crash", progress=progress)
""")


def test_sigkill_mid_transaction_leaves_previous_state_and_rerun_completes(postgres_url, stage, generated_day):
    day = generated_day()
    staging, before_manifest = stage(day, EXTRACTED_D, "2024-05-01")
    changed = copy.deepcopy(day)
    for record in changed:
        record["externalTag"] = "second-version"
        record["participants"] = record["participants"][:2]
    _, after_manifest = stage(changed, EXTRACTED_D1, "2024-05-02")

    wh = Warehouse.from_url(postgres_url)
    wh.ensure_schema()
    wh.load_extraction(staging, before_manifest, "run-1")
    before = wh.table_checksums()

    loader = subprocess.Popen(
        [
            sys.executable,
            "-c",
            CRASHING_LOADER,
            postgres_url,
            str(staging.root),
            after_manifest.partition,
            after_manifest.query_hash,
        ],
        stdout=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
    )
    try:
        assert loader.stdout.readline().strip() == "MIDWAY"
    finally:
        loader.send_signal(signal.SIGKILL)
        loader.wait(timeout=60)
        loader.stdout.close()
    assert loader.returncode == -signal.SIGKILL
    assert wh.table_checksums() == before

    report = wh.load_extraction(staging, after_manifest, "run-rerun")
    assert report.conversations_loaded == len(changed)
    assert wh.table_checksums() != before
    assert wh.table_counts()["participants"] == 2 * len(changed)
    wh.dispose()


def test_concurrent_runs_of_overlapping_days_both_succeed(postgres_url, stage, generated_day):
    day_d = generated_day()
    later = copy.deepcopy(day_d[:50])  # the same conversations, seen again by the next day's job
    for record in later:
        record["externalTag"] = "from-D+1"
    staging, manifest_d = stage(day_d, EXTRACTED_D, "2024-05-01")
    _, manifest_d1 = stage(later, EXTRACTED_D1, "2024-05-02")

    def load(manifest, run_id):
        wh = Warehouse.from_url(postgres_url)
        try:
            wh.ensure_schema()  # both runs start on an empty database
            return wh.load_extraction(staging, manifest, run_id)
        finally:
            wh.dispose()

    with ThreadPoolExecutor(max_workers=2) as pool:
        reports = list(pool.map(load, (manifest_d, manifest_d1), ("run-D", "run-D1")))
    assert {r.run_id for r in reports} == {"run-D", "run-D1"}
    wh = Warehouse.from_url(postgres_url)
    with wh.engine.connect() as conn:
        tags = conn.exec_driver_sql(
            "SELECT COUNT(*) FROM genesys.conversations WHERE external_tag = 'from-D+1'"
        ).scalar_one()
    assert tags == 50  # whichever merged first, the fresher copy won
    assert wh.table_counts()["conversations"] == 300
    wh.dispose()
