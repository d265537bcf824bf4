"""Open conversations are followed up by id until they end (issue 12), on a living emulated org.

Day D runs (lookback 0) at D+1 06:00 UTC, when some of D's conversations are still in progress:
they are stored without ``conversation_end``. The clock then moves past every end, and day D+1
runs (lookback 0). Its details job does not return D's conversations (the org applies the
"started on or after the interval's first day" reading of overlap, fact sheet §11), so only the
follow-up can finish them: afterwards they must equal what the org serves (an independent details
job read by ``living_week.truth_at_clock``), at the cost of ⌈open ÷ batch⌉ multi-get requests,
counted by the emulator. The D run itself, whose extraction has just read every open
conversation, makes none.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from genesys_pipeline.report.audit import read_audit
from genesys_pipeline.warehouse.engine import create_warehouse_engine, qualified_name
from tests.operations.living_week import differences, truth_at_clock, warehouse_facts
from tests.support.emulator_day import point_genesys_connection, point_warehouse_connection

pytestmark = pytest.mark.slow  # two DAG runs: ~40 s a warehouse; the operator tests cover the same in the fast tier

D = datetime(2026, 3, 2, tzinfo=UTC)  # a fixed past day: the org's history is the same every run
PER_DAY = 1000  # ongoing conversations are 0.5 %: 7 of day D are still open the next morning
BATCH = 3  # small, so the follow-up takes several requests
MULTIGET = "get_analytics_conversations_details"


@pytest.fixture()
def org(monkeypatch, emulator, tmp_path, warehouse_url):
    point_genesys_connection(monkeypatch, emulator.base_url)
    point_warehouse_connection(monkeypatch, warehouse_url)
    monkeypatch.setenv("AIRFLOW_VAR_GENESYS_STAGING_ROOT", str(tmp_path / "staging"))
    monkeypatch.setenv("AIRFLOW_VAR_GENESYS_POLL_INTERVAL_SECONDS", "1")
    monkeypatch.setenv("AIRFLOW_VAR_GENESYS_LOOKBACK_DAYS", "0")
    monkeypatch.setenv("AIRFLOW_VAR_GENESYS_OPEN_FOLLOWUP_BATCH", str(BATCH))
    monkeypatch.delenv("AIRFLOW_CONN_GENESYS_SYNC_WEBHOOK", raising=False)  # notify skips without it
    emulator.control.reset(
        clock=_iso(D + timedelta(days=1, hours=6)),
        conversations_per_day=PER_DAY,
        overlap_from_interval_start_day=True,
    )
    return emulator


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _run(dag, day: datetime, emulator) -> tuple[object, int]:
    """Run ``day`` (a manual run at D+1 syncs D); returns the run and the multi-gets the emulator served."""
    before = sum(emulator.control.stats().get(MULTIGET, {}).values())
    run = dag.test(logical_date=day + timedelta(days=1))
    states = {ti.task_id: str(ti.state) for ti in run.get_task_instances()}
    assert str(run.state) == "success", states
    return run, sum(emulator.control.stats().get(MULTIGET, {}).values()) - before


def _stored_open(url: str) -> set[str]:
    """Ids stored without conversation_end, read with plain SQL (not the code under test)."""
    engine = create_warehouse_engine(url)
    try:
        with engine.connect() as conn:
            query = (
                f"SELECT conversation_id FROM {qualified_name(engine, 'conversations')} WHERE conversation_end IS NULL"
            )
            return {row[0] for row in conn.execute(text(query))}
    finally:
        engine.dispose()


def _audit_row(url: str, run_id: str) -> dict:
    engine = create_warehouse_engine(url)
    try:
        # the audit task's row, whatever its status: under the start-day reading of overlap the day's
        # details and aggregates do not count the same conversations, so reconcile says "incomplete"
        rows = [row for row in read_audit(engine) if row["run_id"] == run_id and row["task_id"] == "audit"]
    finally:
        engine.dispose()
    assert len(rows) == 1, rows
    return rows[0]


def test_open_conversations_are_followed_up_until_they_end(daily_dag, org, warehouse_url):
    emulator = org
    first, first_multigets = _run(daily_dag, D, emulator)
    still_open = _stored_open(warehouse_url)
    assert len(still_open) >= 2 * BATCH, f"the org should leave several of day D open at D+1 06:00: {still_open}"
    assert first_multigets == 0, "the run's own extraction has just read every open conversation"
    assert _audit_row(warehouse_url, first.run_id)["followup_requests"] == 0

    emulator.control.advance_clock(4 * 86_400)  # ongoing conversations end within 3 days of their last event
    truth = truth_at_clock(emulator.base_url, D.date(), 1)
    assert all(truth[cid].end for cid in still_open), "the clock is past every end"

    second, multigets = _run(daily_dag, D + timedelta(days=1), emulator)

    expected = {cid: truth[cid] for cid in still_open}
    followed = {cid: facts for cid, facts in warehouse_facts(warehouse_url, D.date(), 1).items() if cid in still_open}
    assert differences(expected, followed) == {"missing": [], "extra": [], "differing": {}, "differing_count": 0}
    assert not still_open & _stored_open(warehouse_url)
    assert multigets == math.ceil(len(still_open) / BATCH)
    audit = _audit_row(warehouse_url, second.run_id)
    assert (audit["followup_requested"], audit["followup_returned"], audit["followup_ended"]) == (len(still_open),) * 3
    assert (audit["followup_still_open"], audit["followup_not_returned"], audit["followup_requests"]) == (
        0,
        0,
        multigets,
    )
    print(
        f"\nfollow-up ({warehouse_url.split(':')[0]}): {len(still_open)} open conversations of {D:%Y-%m-%d}, "
        f"batch {BATCH}: {multigets} multi-get requests"
    )
