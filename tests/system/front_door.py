"""Issue 28 from the UI: the Test button, the Genesys connection form, the health page's day view, the runs' labels.

Runs on the browser test's cluster after its backfill. Connections are stored in the metadata
DB through the REST API (the cluster's own ``AIRFLOW_CONN_*`` are invisible to the Connections
page), under ids of their own, then tested by clicking Test: the oracle is the API's answer to
the request the browser sent. A manual run for the day before the backfill with
``lookback_days`` 1 also re-reads the day before it, so the health page must show that day as
covered by a lookback, not missing; every day's count is checked against the test's own
``count(*)`` on the warehouse, and a rerun of that run from staging must leave the day view
unchanged. Screenshots (kept for a person, paths printed) are named after what they prove.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text

from genesys_cluster.pipeline import DAILY_DAG_ID, PipelineTarget
from genesys_emulator.config import DEFAULT_CLIENT, EmulatorConfig
from tests.system.airflow_ui import AirflowUI

RUN_TIMEOUT = 300.0
PAGE_TIMEOUT_MS = 150_000  # a run page under a saturated 2-core machine
GENESYS_UI, WAREHOUSE_UI, WEBHOOK_UI = "genesys_cloud_ui", "genesys_warehouse_ui", "genesys_sync_webhook_ui"
FORM_LABELS = ("Region or base URL", "Client ID", "Client secret")


def store_connections(cluster, target: PipelineTarget) -> None:
    """The three connections as a user would enter them in Admin -> Connections."""
    database = target.warehouse_url.rsplit("/", 1)[1]
    for connection in (
        {
            "connection_id": GENESYS_UI,
            "conn_type": "genesys_cloud",
            "host": target.emulator_url,
            "login": DEFAULT_CLIENT.client_id,
            "password": DEFAULT_CLIENT.client_secret,
        },
        {
            "connection_id": WAREHOUSE_UI,
            "conn_type": "postgres",
            "host": "127.0.0.1",
            "port": 5432,
            "login": "postgres",
            "schema": database,
        },
        {
            "connection_id": WEBHOOK_UI,
            "conn_type": "http",
            "host": f"{target.emulator_url}/_emulator/webhooks",
            "password": EmulatorConfig().webhook_secret,
        },
    ):
        cluster.api.create_connection(connection)


def click_test(ui: AirflowUI, connection_id: str) -> dict:
    """Click the row's Test button; the API's answer to what the browser posted."""
    row = ui.page.get_by_role("row").filter(has_text=connection_id)
    with ui.page.expect_response(lambda r: r.url.endswith("/api/v2/connections/test")) as answer:
        row.get_by_role("button", name="Test Connection").click()
    response = answer.value
    return {"http": response.status, "sent": json.loads(response.request.post_data or "{}"), **response.json()}


def test_buttons_and_the_form(ui: AirflowUI, cluster, target: PipelineTarget) -> None:
    store_connections(cluster, target)
    ui.page.goto(f"{ui.base_url}/connections")
    ui.page.get_by_role("row").filter(has_text=GENESYS_UI).wait_for()
    genesys = click_test(ui, GENESYS_UI)
    assert genesys["sent"]["port"] == 0  # what 3.3.2 sends for "no port": the plugin's middleware drops it
    assert (genesys["http"], genesys["status"]) == (200, True), genesys
    assert "conversation details available up to" in genesys["message"]
    warehouse = click_test(ui, WAREHOUSE_UI)
    assert (warehouse["http"], warehouse["status"]) == (200, True), warehouse
    webhook = click_test(ui, WEBHOOK_UI)  # HttpHook's test GETs the receiver, which only takes signed POSTs
    assert webhook["http"] == 200 and webhook["status"] is False and webhook["message"] == "401:Unauthorized"
    ui.page.get_by_text("401:Unauthorized").first.wait_for()
    ui.screenshot("3-connections-test-genesys-and-warehouse-green-webhook-401")

    ui.page.get_by_role("row").filter(has_text=GENESYS_UI).get_by_role("button", name="Edit Connection").click()
    form = ui.dialog_titled("Edit Connection")
    form.get_by_text("Client secret").wait_for()
    shown = form.inner_text()
    assert "Genesys Cloud" in shown and all(label in shown for label in FORM_LABELS), shown
    assert "Port" not in shown and "Schema" not in shown and "Login" not in shown, shown
    ui.screenshot("4-genesys-connection-form")
    ui.page.keyboard.press("Escape")


def warehouse_counts(target: PipelineTarget) -> dict[str, int]:
    """The oracle: conversations per day, by the test's own SQL."""
    engine = create_engine(target.warehouse_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT conversation_date, count(*) FROM genesys.conversations GROUP BY conversation_date")
            ).all()
    finally:
        engine.dispose()
    return {str(day)[:10]: int(count) for day, count in rows}


def day_view(frame) -> dict[str, dict[str, str]]:
    """The health page's day table: day -> {column: text}."""
    table = frame.locator("table.days")
    table.wait_for()
    headers = table.locator("thead th").all_inner_texts()
    rows = [row.locator("td").all_inner_texts() for row in table.locator("tbody tr").all()]
    return {cells[0]: dict(zip(headers, cells)) for cells in rows}


def tiles(frame) -> list[str]:
    return frame.locator(".tile").all_inner_texts()


def number(text_value: str) -> int:
    return int(text_value.replace(",", "") or 0)


def finished_run(cluster, run_id: str) -> dict:
    """The daily DAG's run ``run_id`` once it is success or failed (the cluster checked alive meanwhile)."""
    (run,) = cluster.api.wait_for_runs(
        DAILY_DAG_ID,
        expected=1,
        run_ids=[run_id],
        run_type=None,
        timeout=RUN_TIMEOUT,
        health_check=cluster.assert_running,
    )
    return run


def lookback_run_then_the_day_view(ui: AirflowUI, cluster, target: PipelineTarget, days: list[datetime]) -> None:
    """A manual run for the day before the backfill, reading one day back; the day view against count(*)."""
    own = days[0] - timedelta(days=1)
    covered = own - timedelta(days=1)
    conf = {
        "interval_start": own.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "interval_end": days[0].strftime("%Y-%m-%dT%H:%M:%SZ"),
        "lookback_days": 1,
    }
    manual = cluster.api.trigger_run(DAILY_DAG_ID, conf)
    done = finished_run(cluster, manual["dag_run_id"])
    assert done["state"] == "success", done

    frame = ui.open_nav_page("Browse", "Genesys sync health")
    view = day_view(frame)
    truth = warehouse_counts(target)
    assert truth, "the runs loaded nothing"
    for day, count in truth.items():
        if day in view:
            assert number(view[day]["In warehouse"]) == count, (day, view[day], count)
            assert view[day]["Status"] != "missing", (day, view[day])
    assert {day: number(row["In warehouse"]) for day, row in view.items() if day not in truth} == dict.fromkeys(
        set(view) - set(truth), 0
    )
    assert view[covered.date().isoformat()]["Status"] == "covered"
    assert view[covered.date().isoformat()]["Extracted by"] == f"lookback of {own.date().isoformat()}"
    assert view[own.date().isoformat()]["Extracted by"] == "own run"
    total = next(t for t in tiles(frame) if t.startswith("Conversations in the warehouse"))
    assert number(total.splitlines()[-1]) == sum(truth.values())
    frame.locator("table.days").scroll_into_view_if_needed()
    ui.screenshot("5-sync-health-day-view-lookback-covered")
    widths = frame.locator("table.days, table.runs").evaluate_all(
        "tables => tables.map(t => [t.scrollWidth, t.parentElement.clientWidth])"
    )
    assert all(table <= frame_width for table, frame_width in widths), widths  # the tables fit their frame

    day_tiles = tiles(frame)[:4]  # the day-level tiles; the run-level ones follow
    cluster.api.clear_run(DAILY_DAG_ID, manual["dag_run_id"])  # a rerun from staging: nothing new
    finished_run(cluster, manual["dag_run_id"])
    ui.page.reload()
    frame = ui.page.frame_locator("iframe").first
    assert day_view(frame) == view
    assert tiles(frame)[:4] == day_tiles


def runs_name_their_day(ui: AirflowUI, cluster, days: list[datetime]) -> None:
    """Every run's note names the day it synced; the run page shows it."""
    runs = cluster.api.dag_runs(DAILY_DAG_ID)
    notes = {run["dag_run_id"]: run["note"] for run in runs}
    backfilled = [run for run in runs if run["run_type"] == "backfill"]
    for run in backfilled:
        day = run["data_interval_start"][:10]
        assert run["note"] == f"Syncs {day} (UTC day)", (run["dag_run_id"], run["note"])
    manual = next(run for run in runs if run["run_type"] == "manual")
    synced = (days[0] - timedelta(days=1)).date().isoformat()
    assert manual["note"] == f"Syncs {synced} (UTC day)", notes
    for run, shot in ((backfilled[0], "6-backfill-run-names-its-day"), (manual, "7-manual-run-names-its-day")):
        ui.page.goto(f"{ui.base_url}/dags/{DAILY_DAG_ID}/runs/{run['dag_run_id']}")
        ui.page.get_by_role("heading", name=run["dag_run_id"]).first.wait_for(timeout=PAGE_TIMEOUT_MS)
        ui.page.get_by_text(run["note"]).first.wait_for(timeout=PAGE_TIMEOUT_MS)
        ui.screenshot(shot)


def front_door(ui: AirflowUI, cluster, target: PipelineTarget, days: list[datetime]) -> list[Path]:
    test_buttons_and_the_form(ui, cluster, target)
    lookback_run_then_the_day_view(ui, cluster, target, days)
    runs_name_their_day(ui, cluster, days)
    return sorted(ui.shots.glob("*.png"))


# The screenshots the README shows, refreshed from a run with GENESYS_UI_SCREENSHOTS_DIR=docs.
PUBLISHED = {
    "1-backfill-dialog": "ui-backfill-dialog.png",
    "3-connections-test-genesys-and-warehouse-green-webhook-401": "ui-connections-test.png",
    "4-genesys-connection-form": "ui-genesys-connection-form.png",
    "5-sync-health-day-view-lookback-covered": "ui-sync-health.png",
    "6-backfill-run-names-its-day": "ui-run-synced-day.png",
}


def publish_screenshots(shots: Path, target_dir: str | None) -> list[Path]:
    """Copy the README's screenshots out of the test's tmp dir when asked; returns what was written."""
    if not target_dir:
        return []
    written = []
    for name, published in PUBLISHED.items():
        source = shots / f"{name}.png"
        if source.exists():
            destination = Path(target_dir) / published
            destination.write_bytes(source.read_bytes())
            written.append(destination)
    return written
