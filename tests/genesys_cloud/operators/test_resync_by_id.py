"""GenesysResyncByIdOperator on the emulator over HTTP and each warehouse: a record that looks wrong is
pulled again and restored, an unchanged one is not rewritten, an unknown id is named and nothing is deleted,
every other row stays byte-identical, and a record outside retention is reported and not merged.

Oracles: the official Genesys SDK's single-conversation get (not the multi-get the operator uses) and
plain SQL on the tables; request counts are the emulator's own.
"""

from __future__ import annotations

import uuid

import pytest

from genesys_cloud.operators.audit import GenesysAuditOperator
from genesys_cloud.operators.load import GenesysLoadOperator
from genesys_cloud.operators.resync_by_id import GenesysResyncByIdOperator
from genesys_pipeline.staging.by_id import BY_ID_PARTITION
from tests.genesys_cloud.operators.operator_support import (
    EMULATOR_CLIENT,
    LIVING_DAY,
    attribute_rows,
    make_context,
    past_day,
    prepare_warehouse,
    qualified,
    record_attributes,
    select_rows,
    stage_day,
    staged_conversations,
    stored_attributes,
    sync_day,
)
from tests.support.emulator_api import require_module
from tests.support.warehouse_rows import conversation_rows_except, edit_conversation, warehouse_rows, without_stamps

PureCloud = require_module("PureCloudPlatformClientV2")
MULTIGET = "get_analytics_conversations_details"
FLIP = {"inbound": "outbound", "outbound": "inbound"}


def sdk_direction(base_url: str, cid: str) -> str:
    """The conversation's originating direction as the official SDK reads it from the single-get route."""
    client = PureCloud.ApiClient(host=base_url).get_client_credentials_token(*EMULATOR_CLIENT)
    return PureCloud.AnalyticsApi(client).get_analytics_conversation_details(cid).originating_direction


def stored(url: str, cid: str) -> tuple:
    (row,) = warehouse_rows(
        url, f"SELECT originating_direction, _content_hash FROM {{s}}conversations WHERE conversation_id = '{cid}'"
    )
    return row


def resync(ids: list[str], staging_root, retention_days: int = 730) -> dict:
    operator = GenesysResyncByIdOperator(
        task_id="resync",
        conversation_ids=ids,
        batch_size=2,
        staging_root=str(staging_root),
        retention_days=retention_days,
    )
    return operator.execute(make_context(task_id="resync"))


@pytest.fixture()
def synced_day(genesys, staging_root):
    """A past day extracted and loaded as the daily DAG does (into the warehouse connection the test set up
    before asking for this fixture); returns two ids of ended conversations that
    carry no participant attributes (what the multi-get serves of them equals the job's record)."""
    prepare_warehouse()
    day = past_day(2)
    extraction = stage_day(day, staging_root)
    GenesysLoadOperator(task_id="load", extraction=extraction).execute(make_context(day))
    plain = [
        c["conversationId"]
        for c in staged_conversations(extraction["staging_path"])
        if c.get("conversationEnd") and not any("attributes" in p for p in c["participants"])
    ]
    return plain[:2]


@pytest.mark.timeout(120)
def test_a_wrong_record_is_restored_an_unknown_id_named_and_nothing_else_touched(
    genesys, any_warehouse, staging_root, synced_day
):
    wrong, unchanged = synced_day
    unknown = str(uuid.uuid4())
    direction, _ = stored(any_warehouse, wrong)
    # the record "looks wrong": an edit Genesys never made
    edit_conversation(any_warehouse, wrong, originating_direction=FLIP[direction], _content_hash="tampered")
    asked = {wrong, unchanged, unknown}
    others = conversation_rows_except(any_warehouse, asked)
    unchanged_before = conversation_rows_except(any_warehouse, asked - {unchanged})
    multigets = sum(genesys.control.stats().get(MULTIGET, {}).values())

    result = resync([wrong, unknown, unchanged], staging_root)

    assert sum(genesys.control.stats().get(MULTIGET, {}).values()) - multigets == result["requests"] == 2
    assert (result["requested"], result["returned"], result["not_found"]) == (3, 2, 1)
    assert result["not_found_ids"] == [unknown] and result["outside_retention"] == 0
    assert (result["conversations_changed"], result["conversations_unchanged"]) == (1, 1)
    assert stored(any_warehouse, wrong)[0] == sdk_direction(genesys.base_url, wrong) == direction
    assert conversation_rows_except(any_warehouse, asked) == others  # byte-identical, run ids included
    # the unchanged one is not rewritten: only its conversations row's _extracted_at moves to the re-read's
    # (the load's "never older" stamp); every row of it in every other table is as it was
    after = conversation_rows_except(any_warehouse, asked - {unchanged})
    assert without_stamps(after) == without_stamps(unchanged_before)
    assert not warehouse_rows(any_warehouse, f"SELECT 1 FROM {{s}}conversations WHERE conversation_id = '{unknown}'")


@pytest.mark.timeout(120)
def test_a_conversation_outside_retention_is_reported_and_not_merged(
    genesys, sqlite_warehouse, staging_root, synced_day
):
    cid = synced_day[0]
    edit_conversation(sqlite_warehouse, cid, _content_hash="tampered")
    before = conversation_rows_except(sqlite_warehouse, set())

    result = resync([cid], staging_root, retention_days=1)  # the past day started 2 days ago

    assert (result["returned"], result["outside_retention"], result["outside_retention_ids"]) == (1, 1, [cid])
    assert result["records"] == result["conversations_loaded"] == 0
    assert conversation_rows_except(sqlite_warehouse, set()) == before


def audit_row(url: str, result: dict) -> dict:
    """The ``sync_audit`` row the by-id DAG's audit task writes from ``result`` (as the DAG wires it: the
    resync's result is the row's extraction, load and resync), read back with plain SQL."""
    plan = {"partition": BY_ID_PARTITION}
    GenesysAuditOperator(task_id="audit", plan=plan, extraction=result, load=result, resync=result).execute(
        make_context(task_id="audit")
    )
    return select_rows(url, f"SELECT * FROM {qualified(url, 'sync_audit')} ORDER BY id DESC")[0]


def stored_ends(url: str, ids: set[str]) -> dict[str, bool]:
    """Whether each of ``ids`` is stored with a conversation_end, plain SQL."""
    rows = select_rows(url, f"SELECT conversation_id, conversation_end FROM {qualified(url, 'conversations')}")
    return {
        row["conversation_id"]: row["conversation_end"] is not None for row in rows if row["conversation_id"] in ids
    }


def without_attributes(record: dict) -> dict:
    """``record`` as the multi-get serves it (``AnalyticsConversationWithoutAttributes``): no participant
    carries an ``attributes`` map."""
    participants = [{k: v for k, v in p.items() if k != "attributes"} for p in record.get("participants") or []]
    return {**record, "participants": participants}


@pytest.mark.timeout(240)
def test_a_resync_keeps_the_attributes_only_a_details_job_serves(living_org, any_warehouse, staging_root):
    """Loaded from a details job, re-read by id (the open ones closed since, so changed; a few ended ones
    with attributes), then read by a details job again: ``participant_attributes`` is what the job's
    records say throughout, the by-id loads neither delete nor rewrite it, and no count sees a change
    where only the attributes are absent."""
    prepare_warehouse()
    first = {r["conversationId"]: r for r in staged_conversations(sync_day(LIVING_DAY, staging_root)["staging_path"])}
    has_attributes = {cid for cid, record in first.items() if record_attributes([record])}
    still_open = {cid for cid, record in first.items() if not record.get("conversationEnd")}
    ended = sorted(has_attributes - still_open)[:3]
    assert still_open & has_attributes and len(ended) == 3, (still_open, len(has_attributes))
    asked = sorted(still_open) + ended
    kept = attribute_rows(any_warehouse, set(asked))
    living_org.control.advance_clock(4 * 86_400)  # ongoing conversations end within 3 days of their last event

    result = resync(asked, staging_root)

    served = {
        r["conversationId"]: r
        for r in staged_conversations(
            staging_root / "conversation_details" / result["partition"] / result["query_hash"]
        )
    }
    assert served.keys() == set(asked) and not record_attributes(list(served.values()))
    changed = {cid for cid in asked if served[cid] != without_attributes(first[cid])}  # beside the attributes
    assert still_open <= changed and set(ended) - changed  # closed since; some with attributes not changed
    counts = ("conversations_new", "conversations_changed", "conversations_unchanged")
    assert tuple(result[key] for key in counts) == (0, len(changed), len(asked) - len(changed))
    assert all(stored_ends(any_warehouse, still_open).values())  # the changed ones were rewritten
    assert attribute_rows(any_warehouse, set(asked)) == kept  # neither deleted nor rewritten
    assert stored_attributes(any_warehouse, set(first)) == record_attributes(list(first.values()))
    row = audit_row(any_warehouse, result)
    assert (row["conversations_changed"], row["conversations_unchanged"]) == (len(changed), len(asked) - len(changed))

    everything = conversation_rows_except(any_warehouse, set())
    again = resync(asked, staging_root)  # a rerun: the same warehouse, nothing counted as changed
    assert tuple(again[key] for key in counts) == (0, 0, len(asked))
    assert without_stamps(conversation_rows_except(any_warehouse, set())) == without_stamps(everything)
    row = audit_row(any_warehouse, again)
    assert (row["conversations_changed"], row["conversations_unchanged"]) == (0, len(asked))

    # a details job reads the day again: the re-synced ones come back as served plus the attributes kept,
    # so they are unchanged and not rewritten; only the others that differ from the first job's change
    others = set(first) - set(asked)
    resynced = conversation_rows_except(any_warehouse, others)
    day = sync_day(LIVING_DAY, staging_root)
    reread = {r["conversationId"]: r for r in staged_conversations(day["staging_path"])}
    assert reread.keys() == first.keys()
    assert all(without_attributes(reread[cid]) == served[cid] for cid in asked)
    assert record_attributes([reread[cid] for cid in asked]) == record_attributes([first[cid] for cid in asked])
    moved = {cid for cid in others if reread[cid] != first[cid]}
    assert tuple(day["load"][key] for key in counts) == (0, len(moved), len(first) - len(moved))
    assert without_stamps(conversation_rows_except(any_warehouse, others)) == without_stamps(resynced)
    assert stored_attributes(any_warehouse, set(first)) == record_attributes(list(reread.values()))
