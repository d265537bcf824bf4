"""GenesysFollowUpOperator on a living emulated org: open conversations are re-read by id until they end.

The org serves day D at D+1 06:00 UTC with some conversations still in progress, and applies the
"started on or after the interval's first day" reading of overlap (fact sheet §11), so a later
day's extraction never returns them: only the follow-up can. Oracles: the raw records of the
single-conversation route (``GET .../conversations/{id}/details``, not the multi-get the operator
uses) and plain SQL on the tables; request counts are the emulator's own.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import pytest
import requests

from genesys_cloud.operators.follow_up import GenesysFollowUpOperator
from tests.genesys_cloud.operators.operator_support import (
    EMULATOR_CLIENT,
    LIVING_DAY,
    attribute_rows,
    make_context,
    prepare_warehouse,
    qualified,
    record_attributes,
    select_rows,
    set_genesys_connection,
    staged_conversations,
    stored_attributes,
    sync_day,
)
from tests.support.warehouse_rows import conversation_rows_except, without_stamps

D = LIVING_DAY  # the living org's day: some of its conversations are open the next morning
MULTIGET = "get_analytics_conversations_details"


def multigets(org) -> int:
    return sum(org.control.stats().get(MULTIGET, {}).values())


def follow_up(extraction: dict, batch_size: int, day: datetime) -> dict:
    operator = GenesysFollowUpOperator(task_id="follow_up_open", extraction=extraction, batch_size=batch_size)
    return operator.execute(make_context(day, task_id="follow_up_open"))


def stored_open(url: str) -> set[str]:
    rows = select_rows(
        url, f"SELECT conversation_id FROM {qualified(url, 'conversations')} WHERE conversation_end IS NULL"
    )
    return {row["conversation_id"] for row in rows}


def served_one_by_one(base_url: str, ids: set[str]) -> dict[str, dict]:
    """Each id's record from the single-get route, with plain HTTP (404: not served to this client)."""
    session = requests.Session()
    token = session.post(
        f"{base_url}/oauth/token", data={"grant_type": "client_credentials"}, auth=EMULATOR_CLIENT, timeout=30
    )
    session.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
    records = {}
    for cid in sorted(ids):
        response = session.get(f"{base_url}/api/v2/analytics/conversations/{cid}/details", timeout=30)
        assert response.status_code in (200, 404), response.text
        if response.status_code == 200:
            records[cid] = response.json()
    return records


def stored_facts(url: str, ids: set[str]) -> dict[str, tuple[str | None, int]]:
    """(conversation_end as ``YYYY-MM-DDTHH:MM:SS``, segment rows) per id, with plain SQL."""
    ends = {
        r["conversation_id"]: r["conversation_end"]
        for r in select_rows(url, f"SELECT conversation_id, conversation_end FROM {qualified(url, 'conversations')}")
    }
    segments = {
        r["conversation_id"]: r["n"]
        for r in select_rows(
            url, f"SELECT conversation_id, COUNT(*) AS n FROM {qualified(url, 'segments')} GROUP BY conversation_id"
        )
    }
    return {cid: (_second(ends.get(cid)), segments.get(cid, 0)) for cid in ids}


def record_facts(record: dict) -> tuple[str | None, int]:
    count = sum(len(s.get("segments") or []) for p in record.get("participants") or [] for s in p.get("sessions") or [])
    return _second(record.get("conversationEnd")), count


def _second(value) -> str | None:
    return None if value is None else str(value).replace(" ", "T")[:19]


def freshness(url: str) -> dict[str, dict]:
    rows = select_rows(url, f"SELECT * FROM {qualified(url, 'partition_freshness')}")
    return {str(row["partition_date"])[:10]: row for row in rows}


@pytest.mark.timeout(120)
def test_open_conversations_are_read_again_by_id_until_they_end(living_org, any_warehouse, staging_root):
    prepare_warehouse()
    first_day = sync_day(D, staging_root)
    still_open = stored_open(any_warehouse)
    assert len(still_open) >= 4, still_open
    job_records = staged_conversations(first_day["staging_path"])  # a details job's: attributes included
    assert record_attributes([r for r in job_records if r["conversationId"] in still_open])  # some to keep
    of_day = {r["conversationId"] for r in job_records}
    attributes = attribute_rows(any_warehouse, of_day)

    before = multigets(living_org)
    fresh = follow_up(first_day, 2, D)
    assert (fresh["requested"], fresh["requests"], multigets(living_org) - before) == (0, 0, 0)  # just extracted
    freshness_before = freshness(any_warehouse)
    assert freshness_before[D.date().isoformat()]["open_conversations"] == len(still_open)

    living_org.control.advance_clock(4 * 86_400)  # ongoing conversations end within 3 days of their last event
    next_day = sync_day(D + timedelta(days=1), staging_root)
    before = multigets(living_org)
    summary = follow_up(next_day, 2, D + timedelta(days=1))

    assert multigets(living_org) - before == summary["requests"] == math.ceil(len(still_open) / 2)
    assert summary["requested"] == summary["returned"] == summary["ended"] == len(still_open)
    assert (summary["still_open"], summary["not_returned"]) == (0, 0)
    truth = {cid: record_facts(record) for cid, record in served_one_by_one(living_org.base_url, still_open).items()}
    assert all(end for end, _ in truth.values()) and truth.keys() == still_open
    assert stored_facts(any_warehouse, still_open) == truth
    assert not still_open & stored_open(any_warehouse)
    assert summary["conversations_changed"] == len(still_open)  # ended since: changed, whatever their attributes
    # the multi-get serves no attributes: the stored ones stay, neither deleted nor rewritten
    assert attribute_rows(any_warehouse, of_day) == attributes
    assert stored_attributes(any_warehouse, of_day) == record_attributes(job_records)

    day = freshness(any_warehouse)[D.date().isoformat()]
    assert day["open_conversations"] == 0 and day["changed_last_run"] == len(still_open)
    assert day["last_extracted_at"] == freshness_before[D.date().isoformat()]["last_extracted_at"]  # not re-extracted
    assert set(freshness(any_warehouse)) == {D.date().isoformat(), (D + timedelta(days=1)).date().isoformat()}

    before = multigets(living_org)
    again = follow_up(next_day, 2, D + timedelta(days=1))
    assert (again["requested"], multigets(living_org) - before) == (0, 0)  # ended: no longer followed up

    # a details job reads the day again: the followed-up ones come back with the attributes the warehouse
    # kept, so they are unchanged (not rewritten); only records that differ from the first job's change
    others = {
        row["conversation_id"]
        for row in select_rows(
            any_warehouse, f"SELECT conversation_id FROM {qualified(any_warehouse, 'conversations')}"
        )
    } - still_open
    followed = conversation_rows_except(any_warehouse, others)
    reread = sync_day(D, staging_root)
    again = {r["conversationId"]: r for r in staged_conversations(reread["staging_path"])}
    first = {r["conversationId"]: r for r in job_records}
    moved = {cid for cid in first.keys() - still_open if again[cid] != first[cid]}  # e.g. evaluated since
    assert again.keys() == first.keys() and reread["load"]["conversations_new"] == 0
    assert (reread["load"]["conversations_changed"], reread["load"]["conversations_unchanged"]) == (
        len(moved),
        len(first) - len(moved),
    )
    assert without_stamps(conversation_rows_except(any_warehouse, others)) == without_stamps(followed)
    assert stored_attributes(any_warehouse, of_day) == record_attributes(list(again.values()))


@pytest.mark.timeout(120)
def test_a_conversation_the_multiget_does_not_return_is_kept(living_org, monkeypatch, sqlite_warehouse, staging_root):
    prepare_warehouse()
    sync_day(D, staging_root)
    still_open = stored_open(sqlite_warehouse)
    records = {
        c["conversationId"]: c
        for c in staged_conversations(next((staging_root / "conversation_details").rglob("_manifest.json")).parent)
    }
    divisions = sorted({d for cid in still_open for d in records[cid].get("divisionIds") or []})
    reach = divisions[:1]
    outside = {cid for cid in still_open if not set(records[cid].get("divisionIds") or []) & set(reach)}
    assert outside and outside != still_open, (divisions, still_open)
    living_org.control.add_client("one-division", "s3cret", divisions=reach)
    set_genesys_connection(monkeypatch, living_org.base_url, client=("one-division", "s3cret"))

    living_org.control.advance_clock(4 * 86_400)
    next_day = sync_day(D + timedelta(days=1), staging_root)
    summary = follow_up(next_day, 100, D + timedelta(days=1))

    assert (summary["requested"], summary["not_returned"], summary["requests"]) == (len(still_open), len(outside), 1)
    assert stored_open(sqlite_warehouse) == outside  # kept as stored: not returned proves nothing
