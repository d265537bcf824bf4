"""Issue 14: the Airflow UI as the front door, in a real browser against a real local Airflow.

Log in as a user does (SimpleAuthManager admin/admin), backfill the two days before yesterday
from the Trigger -> Backfill dialog (unpausing the DAG, whose scheduler then also syncs
yesterday), wait for the runs, then open "Genesys sync health" from
the navigation and read both days off its table. Then, on the same cluster, re-sync three
conversations by id from the by-id DAG's trigger form and refuse bad ids from it (issue 27,
``by_id_from_the_form``). Real api-server, scheduler, dag-processor and
triggerer (LocalExecutor, PostgreSQL metadata), the emulator as its own process, a fresh
PostgreSQL warehouse. Screenshots of each step are saved under the test's tmp dir.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from genesys_cluster.config import ADMIN_USER
from genesys_cluster.pipeline import (
    DAILY_DAG_ID,
    PipelineTarget,
    daily_dag_config,
    days_up_to_yesterday,
    pipeline_target,
)
from tests.system.airflow_ui import CHROMIUM_ARGS, VIEWPORT, AirflowUI, chromium_or_skip
from tests.system.by_id_from_the_form import BY_ID_DAG_ID, add_by_id_dag, resync_from_the_trigger_form
from tests.system.front_door import front_door, publish_screenshots

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

DAYS = 2
RUN_TIMEOUT = 600.0
HEALTHY_STATUSES = {"success", "incomplete"}  # incomplete: yesterday's late data, reported not hidden


@pytest.fixture()
def browser():
    executable = chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture()
def target(postgres_server_url: str, tmp_path: Path) -> Iterator[PipelineTarget]:
    """Torn down after the cluster (listed first): no task loses the emulator or the warehouse."""
    with pipeline_target(tmp_path) as pipeline:
        yield pipeline


def day_statuses(frame) -> dict[str, str]:
    """Day -> status, from the sync-health table (first two cells of each body row)."""
    table = frame.locator("table.days")
    table.wait_for()
    cells = [row.locator("td").all_inner_texts()[:2] for row in table.locator("tbody tr").all()]
    return {day: status for day, status in cells}


@pytest.mark.timeout(1800)  # a cluster, a two-day backfill, a manual run, its rerun and two by-id runs on 2 cores
def test_backfill_from_the_dialog_then_the_sync_health_page(browser, target, start_airflow_cluster, tmp_path):
    # Not yesterday: "Unpause on trigger" makes the scheduler create its own run for yesterday at
    # once, and a backfill run for the same logical date can race it (unique-key crash in 3.3.2).
    days = days_up_to_yesterday(DAYS + 1)[:DAYS]
    config = daily_dag_config(tmp_path, target)
    add_by_id_dag(config)  # issue 27, on the same cluster once the backfill has filled the warehouse
    cluster = start_airflow_cluster(config)
    cluster.api.wait_for_dag(DAILY_DAG_ID, timeout=180, health_check=cluster.assert_running)
    cluster.api.wait_for_dag(BY_ID_DAG_ID, timeout=180, health_check=cluster.assert_running)
    ui = AirflowUI(browser.new_page(viewport=VIEWPORT), cluster.env["AIRFLOW__API__BASE_URL"], tmp_path / "screenshots")

    try:
        backfill_then_read_the_health_page(ui, cluster, days)
        front_door(ui, cluster, target, days)  # issue 28: Test button, form, day view, run notes
        resync_from_the_trigger_form(ui, cluster, target, ui.shots)
    except Exception:
        ui.screenshot("failure")
        raise
    finally:  # kept for a person, also when a step failed: pytest rotates its tmp dirs
        published = publish_screenshots(ui.shots, os.environ.get("GENESYS_UI_SCREENSHOTS_DIR"))
        print(f"\nscreenshots: {sorted(str(p) for p in ui.shots.glob('*.png'))}; published: {published}")


def backfill_then_read_the_health_page(ui: AirflowUI, cluster, days) -> None:
    ui.log_in(ADMIN_USER, cluster.config.admin_password)
    dialog = ui.open_backfill_dialog(DAILY_DAG_ID)
    ui.fill_date_range(dialog, days[0], days[-1])
    dialog.get_by_text(f"{DAYS} runs will be triggered.").wait_for()
    max_runs = dialog.locator("input[name=max_active_runs]")  # labelled only by the text beside it
    max_runs.fill(str(DAYS))
    ui.screenshot("1-backfill-dialog")
    dialog.get_by_role("button", name="Run Backfill").click()
    ui.page.get_by_text("Backfill generated").wait_for()

    runs = cluster.api.wait_for_runs(
        DAILY_DAG_ID, expected=DAYS + 1, timeout=RUN_TIMEOUT, run_type=None, health_check=cluster.assert_running
    )
    backfilled = sorted(run["logical_date"][:10] for run in runs if run["run_type"] == "backfill")
    assert backfilled == [day.date().isoformat() for day in days]
    assert {run["state"] for run in runs} == {"success"}

    frame = ui.open_nav_page("Browse", "Genesys sync health")
    assert re.fullmatch(r".*/plugin/genesys-sync-health", ui.page.url)
    statuses = day_statuses(frame)
    shown = {day.date().isoformat(): statuses.get(day.date().isoformat()) for day in days}
    assert set(shown.values()) <= HEALTHY_STATUSES, shown
    frame.locator(".plotly-graph-div").first.wait_for()
    # conversations per day, reconciliation per day, the queue x half-hour map of the latest
    # reconciled day, API use and durations per run (no agent runs here: no agent charts)
    assert frame.locator(".plotly-graph-div").count() == 5
    ui.screenshot("2-sync-health")
    print(f"\nscreenshots: {sorted(str(p) for p in ui.shots.glob('*.png'))}; days {shown}")
