"""GenesysResyncByIdOperator on the emulator over HTTP and each warehouse: a record that looks wrong is
pulled again and restored, an unchanged one is not rewritten, an unknown id is named and nothing is deleted,
every other row stays byte-identical, and a record outside retention is reported and not merged.

Oracles: the official Genesys SDK's single-conversation get (not the multi-get the operator uses) and
plain SQL on the tables; request counts are the emulator's own.
"""

from __future__ import annotations

import uuid

import pytest

from genesys_cloud.operators.load import GenesysLoadOperator
from genesys_cloud.operators.resync_by_id import GenesysResyncByIdOperator
from genesys_pipeline.tables import CONVERSATIONS
from tests.genesys_cloud.operators.operator_support import (
    EMULATOR_CLIENT,
    make_context,
    past_day,
    prepare_warehouse,
    stage_day,
    staged_conversations,
)
from tests.support.emulator_api import require_module
from tests.support.warehouse_rows import conversation_rows_except, edit_conversation, warehouse_rows

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
    assert {t: r for t, r in after.items() if t != "conversations"} == {
        t: r for t, r in unchanged_before.items() if t != "conversations"
    }
    stamp = CONVERSATIONS.column_names.index("_extracted_at")
    assert [row[:stamp] + row[stamp + 1 :] for row in after["conversations"]] == [
        row[:stamp] + row[stamp + 1 :] for row in unchanged_before["conversations"]
    ]
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
