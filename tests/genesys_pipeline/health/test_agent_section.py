"""The sync-health page's agent-activity section on SQLite and PostgreSQL (issue 25 §3).

Two emulated days of six agents, read at noon of the second (intervals cross midnight, some still
open), loaded through the normalizer and the merge. The oracle is the raw ``userDetails`` counted in
Python here (intervals and users per UTC start day, open ones without ``endTime``), and the
reconciliations the test itself wrote to ``sync_audit`` for the users DAG; never the page's queries.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

import pytest

from genesys_emulator.world.determinism import MS_PER_DAY, day_start_ms
from genesys_pipeline.health import render_health_page
from genesys_pipeline.health.agent_days import AgentTotals, agent_summary, read_holdings
from genesys_pipeline.health.sources import AGENT_ACTIVITY_DAG_ID, read_sources
from genesys_pipeline.health.summary import MISSING, PARTIAL
from genesys_pipeline.report.audit import AuditRecord, write_audit
from genesys_pipeline.report.user_reconcile import reconcile_user_activity
from tests.genesys_pipeline.health.test_page import table_rows
from tests.support.agent_days import load_agent_days

FIRST = date(2024, 5, 2)  # the two days extracted
END = date(2024, 5, 4)
DAYS = 4  # 05-01 (only intervals crossing into 05-02: partial), the two days, 05-04 (nothing: missing)
OWN_DAYS = ("2024-05-02", "2024-05-03")
EXTRACTED = "2024-05-03T12:00:00+00:00"


def start_day(instant: str) -> str:
    return datetime.fromisoformat(instant.replace("Z", "+00:00")).astimezone(UTC).date().isoformat()


def raw_counts(details: list[dict]) -> dict[str, dict[str, int]]:
    """Per UTC start day: presence / routing intervals and how many have no end; users loaded: the users with
    an interval that day, on a day the extraction was of (a day before it holds only intervals crossing its
    first midnight, no user-day)."""
    days: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    users: dict[str, set[str]] = defaultdict(set)
    for detail in details:
        for key, kind in (("primaryPresence", "presence"), ("routingStatus", "routing")):
            for record in detail.get(key) or ():
                day = start_day(record["startTime"])
                users[day].add(detail["userId"])
                days[day][f"{kind}_intervals"] += 1
                days[day][f"open_{kind}"] += "endTime" not in record
    for day, found in users.items():
        days[day]["users"] = len(found) if day in OWN_DAYS else 0
    return {day: dict(counts) for day, counts in days.items()}


def audit(engine, day: str, status: str, reconciliation: dict | None, dag_id: str = AGENT_ACTIVITY_DAG_ID) -> None:
    record = AuditRecord(dag_id=dag_id, run_id=f"users-{day}", try_number=1, partition=day, status=status)
    if reconciliation is not None:
        record.add_reconciliation(reconciliation)
    write_audit(engine, record)


@pytest.fixture()
def agents(warehouse):
    as_of = day_start_ms(FIRST) + MS_PER_DAY * 3 // 2  # noon of the second day
    details = load_agent_days(warehouse, FIRST, 2, 6, as_of, EXTRACTED)
    ours = {("u1", "IDLE"): 60_000, ("u1", "INTERACTING"): 30_000, ("u2", "IDLE"): 10_000}
    theirs = {**ours, ("u2", "IDLE"): 12_500, ("u3", "OFF_QUEUE"): 1_500}  # u2 off by 2.5 s, u3 only in Genesys
    reconciliations = {
        "2024-05-02": reconcile_user_activity(ours, dict(ours), 1_000),
        "2024-05-03": reconcile_user_activity(ours, theirs, 1_000),
    }
    audit(warehouse.engine, "2024-05-02", "success", reconciliations["2024-05-02"])
    audit(warehouse.engine, "2024-05-03", "failed", None)  # an earlier attempt of the day, then the latest
    audit(warehouse.engine, "2024-05-03", "incomplete", reconciliations["2024-05-03"])
    # a conversation day's attempt on 05-04 is not an agent day
    audit(warehouse.engine, "2024-05-04", "success", {"status": "match"}, dag_id="genesys_conversations_daily")
    return warehouse.engine, raw_counts(details), (ours, theirs)


def summary_of(engine):
    since = END - timedelta(days=DAYS - 1)
    return agent_summary(read_holdings(engine, since), read_sources(engine, since).agent_audit, DAYS, END)


def test_each_day_holds_what_the_raw_details_hold(agents):
    engine, truth, _cells = agents
    summary = summary_of(engine).set_index("partition")
    assert list(summary.index) == ["2024-05-01", "2024-05-02", "2024-05-03", "2024-05-04"]
    assert set(truth) == {"2024-05-01", *OWN_DAYS}
    for day, counts in truth.items():
        row = summary.loc[day]
        assert {k: int(row[k]) for k in counts} == counts, day
        assert int(row["open_intervals"]) == counts.get("open_presence", 0) + counts.get("open_routing", 0)
    assert truth["2024-05-03"].get("open_presence", 0) + truth["2024-05-03"].get("open_routing", 0) > 0
    assert summary.loc["2024-05-01", "status"] == PARTIAL and truth["2024-05-01"]["routing_intervals"] > 0
    empty = summary.loc["2024-05-04"]
    assert (empty["status"], int(empty["users"]), int(empty["attempts"])) == (MISSING, 0, 0)


def test_status_and_reconciliation_are_the_users_dags_latest(agents):
    engine, truth, (ours, theirs) = agents
    summary = summary_of(engine).set_index("partition")
    assert summary["status"].to_dict() == {
        "2024-05-01": PARTIAL,
        "2024-05-02": "success",
        "2024-05-03": "incomplete",
        "2024-05-04": MISSING,
    }
    assert summary.loc["2024-05-03", "attempts"] == 2
    # the test's own comparison of the cells it wrote: union of keys, those off by more than 1 s
    keys = set(ours) | set(theirs)
    off = [abs(ours.get(k, 0) - theirs.get(k, 0)) for k in keys]
    row = summary.loc["2024-05-03"]
    assert (
        (row["reconciliation"], row["cells_compared"], row["cells_differing"], row["largest_difference_ms"])
        == (
            "incomplete",
            len(keys),
            sum(d > 1_000 for d in off),
            max(off),
        )
        == ("incomplete", 4, 2, 2_500)
    )
    assert (summary.loc["2024-05-02", "reconciliation"], summary.loc["2024-05-02", "cells_differing"]) == ("match", 0)
    totals = AgentTotals.of(summary.reset_index())
    assert totals.user_days == sum(c["users"] for c in truth.values())
    assert totals.routing_intervals == sum(c.get("routing_intervals", 0) for c in truth.values())
    assert (totals.days_reconciled, totals.days_differing) == (2, 1)


def test_the_page_shows_the_agent_table(agents):
    engine, truth, _cells = agents
    page = render_health_page(engine, days=DAYS, end=END, plotly_js="plotly.min.js")
    rows = {row[0]: row for row in table_rows(page, "agents")}
    assert list(rows) == ["2024-05-04", "2024-05-03", "2024-05-02", "2024-05-01"]  # newest first
    for day, counts in truth.items():
        opened = counts.get("open_presence", 0) + counts.get("open_routing", 0)
        expected = [counts["users"], counts["presence_intervals"], counts["routing_intervals"], opened]
        assert rows[day][2:6] == [f"{n:,}" for n in expected], day
    assert rows["2024-05-03"][1] == rows["2024-05-03"][6] == "incomplete"
    assert rows["2024-05-03"][7:10] == ["4", "2", "2,500"]
    assert "Agent activity" in page and "users-2024-05-03" in page
    # the conversation days do not take the users DAG's attempts, nor the other way round
    days = {row[0]: row[1] for row in table_rows(page)}
    assert days == {"2024-05-04": "success", "2024-05-03": MISSING, "2024-05-02": MISSING, "2024-05-01": MISSING}
