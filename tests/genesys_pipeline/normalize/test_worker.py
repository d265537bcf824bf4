"""The normalize worker process: a PostgreSQL load through it stores, reports and quarantines
exactly what the in-process path does, and every way it can fail surfaces as an error that
leaves the warehouse as it was, with no process left behind.

Oracles: the in-process load (thread prefetch, psycopg formatting rows on the connection) of
the same staged extractions, and, for the encoded spans, encoding the selected tuples anew.
"""

from __future__ import annotations

import copy
import gzip
import os
import random
import signal
from datetime import timedelta
from pathlib import Path

import orjson
import pytest

from genesys_pipeline.normalize import process as normalize_process
from genesys_pipeline.normalize.copy_text import encode_text
from genesys_pipeline.normalize.normalizer import Normalizer
from genesys_pipeline.normalize.pii import PiiConfig
from genesys_pipeline.normalize.process import NormalizeWorkerError
from genesys_pipeline.normalize.table_rows import ID_COLUMN, EncodedRows
from genesys_pipeline.staging.area import StagingIntegrityError
from genesys_pipeline.warehouse import Warehouse
from tests.genesys_pipeline.pipeline_records import DAY, EXTRACTED_D, EXTRACTED_D1

WORKER = 1  # worker_min_pages: every load through the worker
IN_PROCESS = None


def _children() -> set[int]:
    """Live child processes of this (test) process."""
    found: set[int] = set()
    for task in Path("/proc/self/task").iterdir():
        found.update(int(pid) for pid in (task / "children").read_text().split())
    return found


@pytest.fixture()
def worker_starts(monkeypatch) -> list[int]:
    """The pid of every normalize worker started during the test."""
    started: list[int] = []
    real_enter = normalize_process.NormalizeProcess.__enter__

    def counting_enter(self):
        entered = real_enter(self)
        started.append(self._child.pid)
        return entered

    monkeypatch.setattr(normalize_process.NormalizeProcess, "__enter__", counting_enter)
    return started


def test_selecting_encoded_spans_equals_encoding_the_selected_rows(generated_day, make_pages):
    batch = Normalizer(EXTRACTED_D, "run-1").normalize_page(make_pages(generated_day(), 300)[0])
    chosen = set(random.Random(7).sample(batch.conversation_ids, 120))
    for table in ("participants", "sessions", "segments", "session_metrics", "participant_attributes"):
        rows = batch.rows[table]
        encoded = encode_text(table, rows)
        assert isinstance(encoded, EncodedRows) and len(encoded) == len(rows) > 0
        for keep in (True, False):
            selected = [row for row in rows if (row[ID_COLUMN[table]] in chosen) == keep]
            assert encoded.select(chosen, keep) == encode_text(table, selected)


def _versions(generated_day) -> tuple[list[dict], list[dict]]:
    """Day D as first extracted (duplicates across pages, a rejected record, a D-1 spanner), and
    D re-extracted a day later: some conversations changed, the rest unchanged."""
    first = generated_day()
    spanner = copy.deepcopy(generated_day(DAY - timedelta(days=1))[0])  # started D-1: a foreign day
    stale = copy.deepcopy(first[5])
    stale.pop("conversationEnd", None)  # an ongoing copy on an earlier page loses to the ended one
    broken = copy.deepcopy(first[7])
    broken["conversationId"] = "c-broken"
    del broken["participants"][0]["participantId"]  # rejected: quarantined, not loaded
    first = [stale, *first[:150], spanner, broken, *first[150:]]
    second = copy.deepcopy(first)
    for record in second[::4]:
        record["externalTag"] = "corrected"
    return first, second


def _load_both(url: str, staging, manifests, worker_min_pages: int | None) -> dict:
    pii = PiiConfig(drop=("dnis",), hash=("ani",), salt="worker-test-key")
    wh = Warehouse.from_url(url, worker_min_pages=worker_min_pages)
    with wh.engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA IF EXISTS genesys CASCADE")
    wh.ensure_schema()
    reports, rejects = [], []
    for run, manifest in enumerate(manifests):
        path = staging.rejects_path(manifest)
        report = wh.load_extraction(staging, manifest, f"run-{run}", pii=pii, rejects_path=path)
        body = report.to_dict()
        body.pop("timings")
        reports.append(body)
        rejects.append(path.read_bytes())
    checksums = wh.table_checksums(include_run_id=True)
    wh.dispose()
    return {"checksums": checksums, "reports": reports, "rejects": rejects}


@pytest.mark.postgres
def test_a_load_through_the_worker_equals_the_in_process_load(postgres_url, stage_days, generated_day, worker_starts):
    first, second = _versions(generated_day)
    staging, manifest_d = stage_days(first, DAY)
    _, manifest_d1 = stage_days(second, DAY, extracted_at=EXTRACTED_D1, attempt=2)  # its own directory
    assert manifest_d.page_count == 4

    through_worker = _load_both(postgres_url, staging, (manifest_d, manifest_d1), WORKER)
    assert len(worker_starts) == 2
    in_process = _load_both(postgres_url, staging, (manifest_d, manifest_d1), IN_PROCESS)
    assert len(worker_starts) == 2  # the in-process loads started none

    assert through_worker == in_process
    first_load, rerun = in_process["reports"]
    assert first_load["duplicates_collapsed"] == 1 and first_load["conversations_rejected"] == 1
    assert first_load["conversations_new"] == 301  # the day's 300 and the D-1 spanner
    # every 4th record tagged (76), less the losing ongoing copy (index 0) and the rejected one (152)
    assert rerun["conversations_changed"] == 74 and rerun["conversations_unchanged"] == 227
    assert b"c-broken" in in_process["rejects"][0]
    assert not _children()


@pytest.mark.postgres
def test_postgresql_loads_of_two_pages_or_more_use_the_worker(postgres_url, stage, generated_day, worker_starts):
    wh = Warehouse.from_url(postgres_url)
    wh.ensure_schema()
    staging, one_page = stage(generated_day(), page_size=300)
    wh.load_extraction(staging, one_page, "run-1")
    assert worker_starts == []
    _, three_pages = stage(generated_day(), page_size=100, partition="2024-05-02")
    report = wh.load_extraction(staging, three_pages, "run-2")
    assert len(worker_starts) == 1 and report.batches == 3
    assert report.timings["normalize_s"] > 0  # the worker's own time, reported back
    wh.dispose()


def test_sqlite_and_binary_copy_never_use_the_worker(sqlite_url, stage, generated_day, worker_starts):
    staging, manifest = stage(generated_day(), page_size=50)
    wh = Warehouse.from_url(sqlite_url, worker_min_pages=WORKER)
    wh.ensure_schema()
    assert wh.load_extraction(staging, manifest, "run-1").conversations_loaded == 300
    assert worker_starts == []
    wh.dispose()


def _failing_load(url: str, staging, good, bad) -> tuple[BaseException, dict, dict]:
    wh = Warehouse.from_url(url, worker_min_pages=WORKER)
    wh.ensure_schema()
    wh.load_extraction(staging, good, "run-good")
    before = wh.table_checksums(include_run_id=True)
    with pytest.raises(Exception) as failure:
        wh.load_extraction(staging, bad, "run-bad")
    after = wh.table_checksums(include_run_id=True)
    wh.dispose()
    return failure.value, before, after


@pytest.mark.postgres
@pytest.mark.timeout(60)
def test_a_corrupt_staged_page_fails_the_load_and_stops_the_worker(postgres_url, stage, generated_day):
    staging, good = stage(generated_day())
    changed = generated_day()
    for record in changed:
        record["externalTag"] = "second"
    _, bad = stage(changed, EXTRACTED_D1, "2024-05-02")
    page = staging.extraction_dir(bad.partition, bad.query_hash) / bad.pages[1].name
    page.write_bytes(gzip.compress(gzip.decompress(page.read_bytes()).replace(b"second", b"SECOND")))

    error, before, after = _failing_load(postgres_url, staging, good, bad)
    assert isinstance(error, StagingIntegrityError) and bad.pages[1].name in str(error)
    assert after == before
    assert not _children()


@pytest.mark.postgres
@pytest.mark.timeout(60)
def test_an_error_inside_the_worker_is_raised_in_the_load(postgres_url, stage, generated_day):
    staging, good = stage(generated_day())
    writer = staging.open_writer("2024-05-02", {"interval": "2024-05-02", "pageSize": 100})
    writer.write_page(orjson.dumps({"conversations": generated_day()[:100]}), 100)
    writer.write_page(b'{"conversations": [ not json', 1)  # staged as received: the checksum matches
    bad = writer.commit(EXTRACTED_D1)

    error, before, after = _failing_load(postgres_url, staging, good, bad)
    assert isinstance(error, orjson.JSONDecodeError)  # the worker's own error, carried back
    assert after == before
    assert not _children()


@pytest.mark.postgres
@pytest.mark.timeout(60)
def test_a_killed_worker_fails_the_load_with_its_exit_status(postgres_url, stage, generated_day, worker_starts):
    staging, manifest = stage(generated_day(), page_size=50)
    wh = Warehouse.from_url(postgres_url, worker_min_pages=WORKER)
    wh.ensure_schema()

    def kill_after_first_batch(event: str) -> None:
        if event.startswith("batch:") and worker_starts:
            os.kill(worker_starts[-1], signal.SIGKILL)

    with pytest.raises(NormalizeWorkerError, match=f"exit status {-signal.SIGKILL}"):
        wh.load_extraction(staging, manifest, "run-1", progress=kill_after_first_batch)
    assert wh.table_counts()["conversations"] == 0
    wh.dispose()
    assert not _children()


@pytest.mark.timeout(60)
def test_any_error_of_the_pages_ends_the_batches_with_it_never_quietly(generated_day, make_pages, tmp_path):
    from genesys_pipeline.staging.rejects import RejectsFile

    pages = make_pages(generated_day(), 100)

    def failing_pages():
        yield pages[0]
        raise ValueError("unreadable page 2")  # a ValueError like a closed pipe's: still an error

    with (
        RejectsFile(tmp_path / "rejects" / "p" / "r.jsonl") as rejects,
        normalize_process.NormalizeProcess(failing_pages(), "2024-05-02T01:00:00Z", "run-1", None, rejects) as worker,
        pytest.raises(ValueError, match="unreadable page 2"),
    ):
        list(worker.batches())  # before or after page 1's batch, never a clean end
    assert not _children()
