"""A real PostgreSQL deadlock between two loads whose records break the descending-day rule.

Load A owns day D but carries a conversation of D+1 (a foreign day LATER than its own: out of
order); load B owns D+1 and carries midnight spanners of D. Both take their own day's lock before
the first batch, meet at a barrier on their first batch event, then each asks for the other's
day at the end: PostgreSQL's deadlock detector must abort one (SQLSTATE 40P01), whose whole
transaction rolls back, and ``load_extraction`` re-runs it once from the staged pages. Two
threads with their own engines; every wait is bounded so a hang fails in seconds.
"""

from __future__ import annotations

import copy
import threading
import time

import psycopg
import pytest
from sqlalchemy.engine import make_url

from genesys_pipeline.staging.area import Manifest, StagingArea
from genesys_pipeline.warehouse import Warehouse
from genesys_pipeline.warehouse.converge.freshness import read_partition_freshness
from genesys_pipeline.warehouse.write.load import BATCH_EVENT, LoadReport
from tests.genesys_pipeline.pipeline_records import DAY_D, DAY_D1, EXTRACTED_D, EXTRACTED_D1, spanning_midnight
from tests.genesys_pipeline.warehouse.write.test_daylocks_postgres import ADVISORY_LOCKS, _reset, _rows

pytestmark = pytest.mark.postgres

MEET_TIMEOUT_S = 15  # each load, inside its transaction with its own day locked, waits for the other
JOIN_TIMEOUT_S = 60
LOCK_TIMEOUT = "10s"  # an undetected lock wait fails the load (55P03) instead of hanging the test
DEADLOCK_TIMEOUT = "100ms"  # how long a lock wait lasts before the detector looks (default 1s)


def _observe_attempts(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, BaseException | None]]:
    """Record every real ``_load_extraction`` attempt as (run id, the error it raised or None),
    in the order they ended; no error is made up here, and what an attempt raised it still raises."""
    seen: list[tuple[str, BaseException | None]] = []  # (list.append is atomic: two threads share it)
    real = Warehouse._load_extraction

    def attempt(self, staging, manifest, run_id, *rest):
        try:
            report = real(self, staging, manifest, run_id, *rest)
        except BaseException as error:
            seen.append((run_id, error))
            raise
        seen.append((run_id, None))
        return report

    monkeypatch.setattr(Warehouse, "_load_extraction", attempt)
    return seen


def _run_id(manifest: Manifest) -> str:
    return f"run-{manifest.partition}"


def _load_together(url: str, staging: StagingArea, manifests: tuple[Manifest, ...]) -> dict[str, LoadReport]:
    """Each manifest loaded by its own thread and engine; at its first batch event (own day
    locked, foreign days not yet asked for) each waits at a barrier for the other. Returns the
    reports by run id; any error a load raised fails here."""
    barrier = threading.Barrier(len(manifests))
    reports: dict[str, LoadReport] = {}
    failures: dict[str, BaseException] = {}

    def load(manifest: Manifest) -> None:
        met: list[int] = []

        def progress(event: str) -> None:
            if event.startswith(BATCH_EVENT) and not met:  # a re-run finds the other load done
                met.append(barrier.wait(MEET_TIMEOUT_S))

        warehouse = Warehouse.from_url(url)
        try:
            reports[_run_id(manifest)] = warehouse.load_extraction(
                staging, manifest, _run_id(manifest), progress=progress
            )
        except BaseException as error:
            failures[_run_id(manifest)] = error
        finally:
            warehouse.dispose()

    threads = [threading.Thread(target=load, args=(manifest,), daemon=True) for manifest in manifests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_TIMEOUT_S)
    assert not any(thread.is_alive() for thread in threads), "a load hung"
    assert failures == {}
    return reports


def _contents(warehouse: Warehouse) -> tuple[dict[str, str], list]:
    with warehouse.engine.connect() as conn:
        return warehouse.table_checksums(), read_partition_freshness(conn)


def _comparable(report: LoadReport) -> dict:
    return {key: value for key, value in report.to_dict().items() if key != "timings"}


def _deadlocks_counted(url: str) -> int:
    """The server's own count of deadlocks detected in this database (cumulative statistics)."""
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SELECT pg_stat_clear_snapshot()")
        return conn.execute("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()").fetchone()[0]


def test_loads_crossing_day_lock_orders_deadlock_for_real_and_the_victim_is_run_once_more(
    postgres_url, stage_days, generated_day, monkeypatch
):
    day_d, day_d1 = generated_day(DAY_D), generated_day(DAY_D1)
    late = copy.deepcopy(day_d1[0])  # a D+1 conversation in D's extraction: breaks the rule
    late["externalTag"] = "late-in-D"
    spanners = copy.deepcopy(spanning_midnight(day_d))
    assert spanners, "the generated day has conversations spanning midnight"
    for record in spanners:
        record["externalTag"] = "seen-again-on-D+1"
    staging, manifest_a = stage_days(day_d + [late], DAY_D, extracted_at=EXTRACTED_D)
    _, manifest_b = stage_days(day_d1 + spanners, DAY_D1, extracted_at=EXTRACTED_D1)
    manifests = {_run_id(m): m for m in (manifest_a, manifest_b)}

    warehouse = Warehouse.from_url(postgres_url)
    _reset(warehouse)
    database = make_url(postgres_url).database
    with warehouse.engine.begin() as conn:  # for every session opened from now on (user postgres: superuser)
        for setting, value in (("deadlock_timeout", DEADLOCK_TIMEOUT), ("lock_timeout", LOCK_TIMEOUT)):
            conn.exec_driver_sql(f"ALTER DATABASE \"{database}\" SET {setting} = '{value}'")
    deadlocks_before = _deadlocks_counted(postgres_url)
    attempts = _observe_attempts(monkeypatch)

    reports = _load_together(postgres_url, staging, (manifest_a, manifest_b))

    errors = [(run_id, error) for run_id, error in attempts if error is not None]
    assert len(errors) == 1, attempts  # exactly one victim
    victim, error = errors[0]
    assert isinstance(error.orig, psycopg.errors.DeadlockDetected) and error.orig.sqlstate == "40P01"
    assert "pg_advisory_xact_lock" in str(error)
    (winner,) = set(manifests) - {victim}
    assert sorted(run_id for run_id, _ in attempts) == sorted([victim, victim, winner])  # re-run once
    assert _wait_for(lambda: _deadlocks_counted(postgres_url) - deadlocks_before) == 1  # the server's count
    concurrent = _contents(warehouse)
    assert _rows(warehouse, f"SELECT COUNT(*) {ADVISORY_LOCKS}") == [(0,)]

    # The same staged extractions loaded one after the other, the deadlock's winner first.
    _reset(warehouse)
    monkeypatch.undo()
    sequential = {run_id: warehouse.load_extraction(staging, manifests[run_id], run_id) for run_id in (winner, victim)}
    assert concurrent == _contents(warehouse)
    assert {run_id: _comparable(report) for run_id, report in reports.items()} == {
        run_id: _comparable(report) for run_id, report in sequential.items()
    }
    report_a, report_b = reports[_run_id(manifest_a)], reports[_run_id(manifest_b)]
    assert (report_a.batches, report_b.batches) == (manifest_a.page_count, manifest_b.page_count)
    assert report_a.conversations_loaded + report_a.conversations_skipped_older == 301  # its late copy: either
    assert report_b.conversations_loaded == 300 + len(spanners)  # the fresher extraction: all of it
    tagged = _rows(
        warehouse, "SELECT external_tag, COUNT(*) FROM genesys.conversations WHERE external_tag IS NOT NULL GROUP BY 1"
    )
    assert tagged == [("seen-again-on-D+1", len(spanners))]  # D+1's fresher copies won, A's late copy lost
    warehouse.dispose()


def _wait_for(read, timeout_s: float = 5.0):
    """``read()`` once it is truthy (statistics reach the server's view asynchronously), else its last value."""
    deadline = time.monotonic() + timeout_s
    while not (value := read()) and time.monotonic() < deadline:
        time.sleep(0.1)
    return value
