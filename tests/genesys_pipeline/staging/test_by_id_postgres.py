"""A by-id re-sync racing the daily load of the same day on PostgreSQL ends exactly as one after the other.

Both go through ``Warehouse.load_extraction`` in their own sessions (threads, one engine each). The
first holds its day locks inside its transaction for ``HOLD_S`` (the daily load at its first merged
batch, the by-id load once it has merged everything), so the second one really arrives while they are
held; its ``lock_wait_s`` proves it queued. The oracle is the same two loads run one after the other
in a fresh database, in the order the race took, compared table by table (run ids aside), plus the
records themselves: the by-id version of the changed conversation wins whatever the order (it is the
fresher read), the unknown id is nowhere, and nothing the daily extraction holds is lost.
"""

from __future__ import annotations

import copy
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import orjson
import pytest

from genesys_pipeline.staging.area import Manifest, StagingArea
from genesys_pipeline.staging.by_id import fetch_and_stage_by_id
from genesys_pipeline.warehouse import Warehouse
from tests.conftest import fresh_postgres_database
from tests.genesys_pipeline.pipeline_records import DAY
from tests.support.warehouse_rows import warehouse_rows

pytestmark = pytest.mark.postgres

HOLD_S = 2.0
QUEUED_S = HOLD_S / 4  # a wait this long on a day lock can only be the other load holding it
JOIN_TIMEOUT_S = 60
FLIP = {"inbound": "outbound", "outbound": "inbound"}
Load = tuple[StagingArea, Manifest, str]  # staging, manifest, run id


def load(url: str, what: Load, hold_on: str | None = None, holding: threading.Event | None = None) -> dict:
    """One load in its own engine; with ``hold_on``, pause ``HOLD_S`` inside the transaction at that event."""
    staging, manifest, run_id = what
    warehouse = Warehouse.from_url(url, worker_min_pages=None)  # in this process: threads, not workers

    def progress(event: str) -> None:
        if hold_on and event.startswith(hold_on) and holding is not None and not holding.is_set():
            holding.set()
            threading.Event().wait(HOLD_S)  # locks held meanwhile

    try:
        report = warehouse.load_extraction(staging, manifest, run_id, progress=progress)
        return {"lock_wait_s": report.timings["lock_wait_s"], "changed": report.conversations_changed}
    finally:
        warehouse.dispose()


def race(url: str, first: Load, second: Load, first_holds_at: str) -> dict:
    """``first`` starts and holds its locks; ``second`` starts once it does. Returns the second's report."""
    holding = threading.Event()
    results: dict[str, dict] = {}
    errors: list[BaseException] = []

    def run(name: str, what: Load, hold_on: str | None) -> None:
        try:
            results[name] = load(url, what, hold_on, holding)
        except BaseException as error:  # re-raised in the test thread below
            errors.append(error)

    threads = [threading.Thread(target=run, args=("first", first, first_holds_at))]
    threads[0].start()
    assert holding.wait(JOIN_TIMEOUT_S), "the first load never got its locks"
    threads.append(threading.Thread(target=run, args=("second", second, None)))
    threads[1].start()
    for thread in threads:
        thread.join(JOIN_TIMEOUT_S)
        assert not thread.is_alive(), "a load did not finish in time"
    if errors:
        raise errors[0]
    return results["second"]


def after(loads: list[Load], run: Callable[[str], None] | None = None) -> tuple[dict, list[tuple]]:
    """Checksums and the conversations' (id, direction) of a fresh database after ``loads`` in order (or ``run``)."""
    with fresh_postgres_database() as url:
        prepared = Warehouse.from_url(url)
        prepared.ensure_schema()  # before the loads: a race's second load then goes straight to its locks
        prepared.dispose()
        if run is not None:
            run(url)
        for what in loads:
            load(url, what)
        warehouse = Warehouse.from_url(url)
        try:
            checksums = warehouse.table_checksums()
        finally:
            warehouse.dispose()
        directions = warehouse_rows(url, "SELECT conversation_id, originating_direction FROM {s}conversations")
        return checksums, sorted(directions)


@pytest.fixture()
def day_and_by_id(tmp_path, generated_day, stage_days) -> tuple[Load, Load, dict]:
    """The daily extraction of DAY, and a later by-id re-read of three ids: one changed since, one as it
    was, one Genesys does not know."""
    records = generated_day(DAY)
    daily_staging, daily = stage_days(records, DAY)
    changed, unchanged = copy.deepcopy(records[0]), records[1]
    changed["originatingDirection"] = FLIP[changed["originatingDirection"]]
    unknown = str(uuid.uuid4())

    def multiget(batch: list[str]) -> tuple[bytes, list[dict]]:
        found = [r for r in (changed, unchanged) if r["conversationId"] in batch]
        return orjson.dumps({"conversations": found}), found

    ids = [changed["conversationId"], unknown, unchanged["conversationId"]]
    by_id_staging = StagingArea(tmp_path / "by-id")
    manifest, summary = fetch_and_stage_by_id(ids, 100, multiget, by_id_staging, datetime(2000, 1, 1, tzinfo=UTC))
    assert summary.not_found_ids == [unknown]
    facts = {"records": records, "changed": changed, "unknown": unknown}
    return (daily_staging, daily, "daily-run"), (by_id_staging, manifest, "by-id-run"), facts


@pytest.mark.timeout(180)
def test_a_by_id_run_racing_the_daily_load_of_its_day_ends_as_one_after_the_other(postgres_server_url, day_and_by_id):
    daily, by_id, facts = day_and_by_id
    daily_then_by_id = after([daily, by_id])
    by_id_then_daily = after([by_id, daily])

    waited: dict[str, float] = {}
    raced_daily_first = after(
        [], run=lambda url: waited.__setitem__("by_id", race(url, daily, by_id, "batch:")["lock_wait_s"])
    )
    raced_by_id_first = after(
        [], run=lambda url: waited.__setitem__("daily", race(url, by_id, daily, "loaded:")["lock_wait_s"])
    )

    assert waited["by_id"] >= QUEUED_S and waited["daily"] >= QUEUED_S, waited  # each really queued
    assert raced_daily_first == daily_then_by_id
    assert raced_by_id_first == by_id_then_daily
    for _, directions in (daily_then_by_id, by_id_then_daily):
        expected = {r["conversationId"]: r["originatingDirection"] for r in facts["records"]}
        expected[facts["changed"]["conversationId"]] = facts["changed"]["originatingDirection"]  # the fresher read
        assert dict(directions) == expected  # every daily conversation kept, the unknown id nowhere
