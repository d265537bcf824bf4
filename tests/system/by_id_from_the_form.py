"""Issue 27 from the UI: re-sync three conversations by id from the by-id DAG's trigger form, then bad ids.

Runs on the browser test's cluster after its backfill (the warehouse then holds two days): one stored
conversation is edited as Genesys never did (the record that "looks wrong"), and the form asks for it,
an unchanged one and an id Genesys does not know. Oracles: the official SDK's single-conversation get
for the restored record, plain SQL for the rest of the warehouse (byte-identical), the emulator's own
request counts and the webhooks it received.
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import requests

from genesys_cluster.config import PROJECT_ROOT, ClusterConfig
from genesys_cluster.pipeline import PipelineTarget
from genesys_emulator.config import DEFAULT_CLIENT
from tests.support.emulator_api import require_module
from tests.support.warehouse_rows import conversation_rows_except, edit_conversation, warehouse_rows
from tests.system.airflow_ui import AirflowUI

BY_ID_DAG_ID = "genesys_conversations_by_id"
MULTIGET = "get_analytics_conversations_details"
RUN_TIMEOUT = 300.0
FLIP = {"inbound": "outbound", "outbound": "inbound"}


def add_by_id_dag(config: ClusterConfig) -> None:
    """The by-id DAG beside the daily one in the cluster's own dags folder."""
    shutil.copy(PROJECT_ROOT / "dags" / f"{BY_ID_DAG_ID}.py", config.dags_folder)


def plain_conversations(url: str) -> list[str]:
    """Two ended conversations with no participant attributes (the multi-get serves them whole)."""
    rows = warehouse_rows(
        url,
        "SELECT conversation_id FROM {s}conversations WHERE conversation_end IS NOT NULL AND conversation_id NOT IN "
        "(SELECT conversation_id FROM {s}participant_attributes) ORDER BY conversation_id LIMIT 2",
    )
    return [row[0] for row in rows]


def tamper(url: str, cid: str) -> str:
    """Flip the stored direction (and its hash); returns the direction Genesys has."""
    (direction,) = warehouse_rows(
        url, f"SELECT originating_direction FROM {{s}}conversations WHERE conversation_id = '{cid}'"
    )[0]
    edit_conversation(url, cid, originating_direction=FLIP[direction], _content_hash="tampered")
    return direction


def multigets(emulator_url: str) -> int:
    stats = requests.get(f"{emulator_url}/_emulator/stats", timeout=10).json()
    return sum((stats.get(MULTIGET) or {}).values())


def trigger_with_ids(ui: AirflowUI, ids_text: str, shot: str) -> None:
    ui.page.goto(f"{ui.base_url}/dags/{BY_ID_DAG_ID}")
    ui.page.get_by_role("button", name="Trigger").click()
    dialog = ui.dialog_titled("Trigger Dag")
    dialog.get_by_placeholder("Enter each string on a new line").fill(ids_text)
    ui.screenshot(shot)
    dialog.get_by_role("button", name="Trigger").click()
    dialog.wait_for(state="hidden")


def audit_rows(url: str) -> list[dict]:
    rows = warehouse_rows(
        url,
        "SELECT status, resync_requested, resync_returned, conversations_changed, resync_not_found, "
        "resync_not_found_ids, error FROM {s}sync_audit WHERE partition = 'by-id' ORDER BY id",
    )
    names = ("status", "requested", "returned", "changed", "not_found", "not_found_ids", "error")
    return [dict(zip(names, row)) for row in rows]


def resync_from_the_trigger_form(ui: AirflowUI, cluster, target: PipelineTarget, shots: Path) -> None:
    url = target.warehouse_url
    wrong, unchanged = plain_conversations(url)
    unknown = str(uuid.uuid4())
    genesys_direction = tamper(url, wrong)
    asked = {wrong, unchanged, unknown}
    untouched = conversation_rows_except(url, asked)
    asked_before = multigets(target.emulator_url)

    trigger_with_ids(ui, f"{wrong}\n{unknown}\n{unchanged}", "7-by-id-form")
    (run,) = cluster.api.wait_for_runs(
        BY_ID_DAG_ID, expected=1, timeout=RUN_TIMEOUT, run_type=None, health_check=cluster.assert_running
    )
    assert run["state"] == "success", run
    ui.page.goto(f"{ui.base_url}/dags/{BY_ID_DAG_ID}/runs/{run['dag_run_id']}")
    ui.page.get_by_text("success").first.wait_for()
    ui.screenshot("8-by-id-run")

    PureCloud = require_module("PureCloudPlatformClientV2")
    api_client = PureCloud.ApiClient(host=target.emulator_url).get_client_credentials_token(
        DEFAULT_CLIENT.client_id, DEFAULT_CLIENT.client_secret
    )
    served = PureCloud.AnalyticsApi(api_client).get_analytics_conversation_details(wrong).originating_direction
    (restored,) = warehouse_rows(
        url, f"SELECT originating_direction FROM {{s}}conversations WHERE conversation_id = '{wrong}'"
    )[0]
    assert restored == served == genesys_direction
    assert conversation_rows_except(url, asked) == untouched  # the rest of the warehouse byte-identical
    assert not warehouse_rows(url, f"SELECT 1 FROM {{s}}conversations WHERE conversation_id = '{unknown}'")
    assert multigets(target.emulator_url) - asked_before == 1  # 3 ids, one request of 100
    (row,) = audit_rows(url)
    assert (row["status"], row["requested"], row["returned"], row["changed"], row["not_found"]) == (
        "success",
        3,
        2,
        1,
        1,
    ), row
    assert unknown in row["not_found_ids"]
    events = [
        e["body"]
        for e in requests.get(f"{target.emulator_url}/_emulator/webhooks", timeout=10).json()
        if e.get("accepted") and e["body"].get("type") == "genesys.conversations.resynced_by_id"
    ]
    assert [(e["resync_not_found_ids"], e["conversations_changed"]) for e in events] == [([unknown], 1)]

    # bad input from the same form: refused before any request, each bad entry named
    asked_before = multigets(target.emulator_url)
    trigger_with_ids(ui, f"not-a-uuid\n{wrong}\n{wrong.upper()}", "9-by-id-bad-form")
    runs = cluster.api.wait_for_runs(
        BY_ID_DAG_ID, expected=2, timeout=RUN_TIMEOUT, run_type=None, health_check=cluster.assert_running
    )
    assert sorted(r["state"] for r in runs) == ["failed", "success"], runs
    assert multigets(target.emulator_url) == asked_before
    failed = audit_rows(url)[-1]
    assert failed["status"] == "failed" and failed["requested"] is None
    assert "'not-a-uuid' (#1)" in failed["error"] and f"{wrong} (#2, #3)" in failed["error"], failed["error"]
    print(f"\nby id: restored {wrong}, unchanged {unchanged}, not found {unknown}; shots in {shots}")
