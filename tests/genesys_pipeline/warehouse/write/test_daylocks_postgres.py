"""Per-day load locks on PostgreSQL: loads of different days overlap in time, loads of adjacent
days that share midnight-spanning conversations still end exactly like one load after the other.

Each load runs in its own spawned process (one transaction each, as two backfill workers do),
released together by a barrier; every wait and join is bounded so a regression fails in seconds.
"""

from __future__ import annotations

import copy
import multiprocessing
import traceback
from datetime import date
from pathlib import Path

import orjson
import pytest
from sqlalchemy import text

from genesys_pipeline.staging.area import StagingArea
from genesys_pipeline.warehouse import Warehouse
from tests.genesys_pipeline.pipeline_records import DAY_D, DAY_D1, EXTRACTED_D, EXTRACTED_D1, spanning_midnight

pytestmark = pytest.mark.postgres

JOIN_TIMEOUT_S = 120
MEET_TIMEOUT_S = 15  # how long a load inside its transaction waits to see the other one inside too
DAY_D3 = date(2024, 5, 4)  # no conversation of D is returned by D+3's extraction
# The advisory locks of the test's own database: other tests' databases share the server.
ADVISORY_LOCKS = (
    "FROM pg_locks WHERE locktype = 'advisory' "
    "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)


def _load(url: str, root: str, partition: str, query_hash: str, mine, theirs, barrier, results) -> None:
    """Load one extraction. With events: at its first merged batch (inside the transaction, its
    day lock held) announce itself on ``mine`` and wait for the other load to get that far too."""
    try:
        staging = StagingArea(Path(root))
        manifest = staging.read_manifest(partition, query_hash)
        warehouse = Warehouse.from_url(url)
        met = []

        def progress(event: str) -> None:
            if mine is not None and event.startswith("batch:") and not met:
                mine.set()
                met.append(theirs.wait(MEET_TIMEOUT_S))

        barrier.wait(timeout=30)
        report = warehouse.load_extraction(staging, manifest, f"run-{partition}", progress=progress)
        warehouse.dispose()
        results.put((partition, met == [True], report.conversations_loaded, report.timings["lock_wait_s"]))
    except BaseException:
        results.put((partition, traceback.format_exc(), 0, 0.0))


def _run_together(url: str, staging: StagingArea, manifests: tuple, meet: bool) -> list[tuple]:
    """Load each manifest in its own spawned process, released together by a barrier; ``meet``:
    each announces on its own event and waits on the other's. Returns what they queued."""
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(len(manifests)), context.Queue()
    events = [context.Event() if meet else None for _ in manifests]
    processes = [
        context.Process(
            target=_load,
            args=(
                url,
                str(staging.root),
                manifest.partition,
                manifest.query_hash,
                events[index],
                events[1 - index],
                barrier,
                results,
            ),
        )
        for index, manifest in enumerate(manifests)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(JOIN_TIMEOUT_S)
        if process.is_alive():
            process.kill()
            process.join(5)
    outcome = [results.get(timeout=5) for _ in processes if not results.empty()]
    assert [process.exitcode for process in processes] == [0] * len(processes), outcome
    assert all(isinstance(met, bool) for _p, met, _loaded, _wait in outcome), outcome  # no traceback
    return outcome


def test_loads_of_days_without_shared_conversations_run_at_the_same_time(postgres_url, stage_days, generated_day):
    Warehouse.from_url(postgres_url).ensure_schema()
    staging, manifest_d = stage_days(generated_day(DAY_D), DAY_D)
    _, manifest_d3 = stage_days(generated_day(DAY_D3), DAY_D3)

    outcome = _run_together(postgres_url, staging, (manifest_d, manifest_d3), meet=True)

    # With one global lock the second load cannot enter its transaction before the first commits,
    # so the first waits in vain: both meeting inside proves the loads overlapped in time.
    assert sorted(outcome) == sorted(
        (m.partition, True, 300, pytest.approx(0.0, abs=MEET_TIMEOUT_S / 3)) for m in (manifest_d, manifest_d3)
    )
    warehouse = Warehouse.from_url(postgres_url)
    assert warehouse.table_counts()["conversations"] == 600
    warehouse.dispose()


def _reset(warehouse: Warehouse) -> None:
    with warehouse.engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA IF EXISTS genesys CASCADE")
    warehouse.ensure_schema()


@pytest.mark.parametrize("first", ["D", "D+1"])
def test_adjacent_days_sharing_midnight_spanners_end_as_one_load_after_the_other(
    postgres_url, stage_days, generated_day, first
):
    day_d = generated_day(DAY_D)
    fresher = copy.deepcopy(spanning_midnight(day_d))
    assert fresher, "the generated day has conversations spanning midnight"
    for record in fresher:
        record["externalTag"] = "seen-again-on-D+1"
        record["participants"] = record["participants"][:2]  # fewer child rows: a stale one would show
    staging, manifest_d = stage_days(day_d, DAY_D, extracted_at=EXTRACTED_D)
    _, manifest_d1 = stage_days(generated_day(DAY_D1) + fresher, DAY_D1, extracted_at=EXTRACTED_D1)
    ordered = (manifest_d, manifest_d1) if first == "D" else (manifest_d1, manifest_d)

    warehouse = Warehouse.from_url(postgres_url)
    _reset(warehouse)
    for manifest in (manifest_d, manifest_d1):
        warehouse.load_extraction(staging, manifest, f"run-{manifest.partition}")
    sequential = warehouse.table_checksums()

    for _ in range(3):  # a few rounds: the interleaving differs from round to round
        _reset(warehouse)
        _run_together(postgres_url, staging, ordered, meet=False)
        assert warehouse.table_checksums() == sequential
        duplicated = _rows(
            warehouse,
            "SELECT conversation_id, participant_id, COUNT(*) FROM genesys.participants "
            "GROUP BY 1, 2 HAVING COUNT(*) > 1",
        )
        assert duplicated == []
        tagged = _rows(
            warehouse,
            "SELECT conversation_id, _extracted_at FROM genesys.conversations WHERE external_tag = 'seen-again-on-D+1'",
        )
        assert len(tagged) == len(fresher)  # D+1's fresher copies won, whichever load ran first
        assert {str(stamp)[:10] for _cid, stamp in tagged} == {f"{EXTRACTED_D1:%Y-%m-%d}"}
        assert _rows(
            warehouse,
            "SELECT COUNT(*) FROM genesys.participants WHERE conversation_id = ANY(:ids)",
            ids=[r["conversationId"] for r in fresher],
        ) == [(sum(len(r["participants"]) for r in fresher),)]
    warehouse.dispose()


def _rows(warehouse: Warehouse, sql: str, **params: object) -> list[tuple]:
    with warehouse.engine.connect() as conn:
        return [tuple(row) for row in conn.execute(text(sql), params)]


def test_a_load_holds_its_own_day_from_the_first_batch_and_the_foreign_day_once_it_merges_it(
    postgres_url, stage_days, generated_day
):
    spanners = copy.deepcopy(spanning_midnight(generated_day(DAY_D)))
    staging, manifest = stage_days(generated_day(DAY_D1) + spanners, DAY_D1, extracted_at=EXTRACTED_D1)
    warehouse = Warehouse.from_url(postgres_url)
    warehouse.ensure_schema()
    seen: dict[str, set[int]] = {}

    def progress(event: str) -> None:  # another session's view of the advisory locks held
        kind = event.split(":")[0]
        if kind in ("batch", "loaded") and kind not in seen:
            seen[kind] = {
                row[0]
                for row in _rows(
                    observer,
                    f"SELECT objid::bigint {ADVISORY_LOCKS} AND classid::bigint = :ns AND granted",
                    ns=0x6E6E535A,
                )
            }

    observer = Warehouse.from_url(postgres_url)
    report = warehouse.load_extraction(staging, manifest, "run-D1", progress=progress)
    assert seen == {"batch": {DAY_D1.toordinal()}, "loaded": {DAY_D.toordinal(), DAY_D1.toordinal()}}
    assert report.conversations_loaded == 300 + len(spanners)
    assert report.freshness and {row["partition_date"] for row in report.freshness} == {"2024-05-01", "2024-05-02"}
    assert _rows(observer, f"SELECT COUNT(*) {ADVISORY_LOCKS}") == [(0,)]
    observer.dispose()
    warehouse.dispose()


def test_a_by_id_fetch_holds_its_listed_days_from_the_first_batch_and_sets_nothing_aside(
    postgres_url, tmp_path, generated_day
):
    """The follow-up's staged query lists its ids' stored days: they are locked before the first
    batch, so its rows merge as they stream (without the list, every row waited for the end)."""
    from genesys_pipeline.staging.followup import fetch_and_stage

    records = generated_day(DAY_D)[:3] + generated_day(DAY_D3)[:2]
    by_id = {record["conversationId"]: record for record in records}

    def fetch(batch):
        body = {"conversations": [by_id[cid] for cid in batch]}
        return orjson.dumps(body), body["conversations"]

    staging = StagingArea(tmp_path / "staging")
    manifest, _ = fetch_and_stage(list(by_id), 2, fetch, staging, DAY_D3.isoformat(), days={DAY_D, DAY_D3})
    warehouse = Warehouse.from_url(postgres_url)
    warehouse.ensure_schema()
    observer = Warehouse.from_url(postgres_url)
    seen: list[set[int]] = []

    def progress(event: str) -> None:  # another session's view of the day locks at each batch
        if event.startswith("batch"):
            seen.append(
                {
                    row[0]
                    for row in _rows(
                        observer,
                        f"SELECT objid::bigint {ADVISORY_LOCKS} AND classid::bigint = :ns AND granted",
                        ns=0x6E6E535A,
                    )
                }
            )

    merged_before_end: list[int] = []
    report = warehouse.load_extraction(
        staging,
        manifest,
        "run-followup",
        progress=lambda event: (
            progress(event),
            event.startswith("merge:inserted:conversations") and merged_before_end.append(len(seen)),
        ),
    )
    assert seen == [{DAY_D.toordinal(), DAY_D3.toordinal()}] * 3  # 5 ids in batches of 2: 3 pages
    assert merged_before_end[:1] == [0]  # the first page merged before its batch event, not after the last
    assert report.conversations_loaded == 5
    observer.dispose()
    warehouse.dispose()
