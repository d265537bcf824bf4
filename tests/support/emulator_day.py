"""Load one emulator day into a warehouse the way the DAG's extract/load do, without Airflow scheduling.

Reconciliation and view tests need a loaded day but are about what happens after the load, so
they use the hook's job calls, the staging format and ``Warehouse.load_extraction`` directly.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from genesys_pipeline.plan.window import Window
from genesys_pipeline.staging.area import StagingArea
from genesys_pipeline.warehouse import Warehouse
from tests.support.connections import EMULATOR_CLIENT, set_genesys_cloud_connection


def past_day(days_ago: int = 2) -> datetime:
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today - timedelta(days=days_ago)


def day_window(day: datetime) -> Window:
    return Window(day, day + timedelta(days=1))


def point_genesys_connection(monkeypatch: pytest.MonkeyPatch, base_url: str) -> None:
    client_id, secret = EMULATOR_CLIENT
    set_genesys_cloud_connection(
        monkeypatch,
        base_url,
        login=client_id,
        password=secret,
        extra={"backoff_base_seconds": 0.05, "backoff_max_seconds": 0.5},
    )


def point_warehouse_connection(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv(
        "AIRFLOW_CONN_GENESYS_WAREHOUSE", json.dumps({"conn_type": "generic", "extra": {"sqlalchemy_url": url}})
    )


def load_day(warehouse_url: str, window: Window, staging_root: Path, drop_page: int | None = None) -> int:
    """Extract ``window`` from the emulator (connection ``genesys_cloud_default``) and load it;
    returns conversations loaded. ``drop_page`` (0-based) leaves that results page out: lost data."""
    from genesys_cloud.hook import GenesysCloudHook

    hook = GenesysCloudHook()
    body = {"interval": window.interval}
    job_id = hook.submit_details_job(body)
    while not hook.get_details_job(job_id)["state"].is_terminal:
        time.sleep(0.2)  # the emulator's default progression finishes jobs at once; this is for other settings
    writer = StagingArea(staging_root).open_writer(window.partition, body)
    for number, page in enumerate(hook.iter_details_job_pages(job_id)):
        if number != drop_page:
            writer.write_page(page.raw, page.conversations)
    manifest = writer.commit(datetime.now(UTC), job_id)
    warehouse = Warehouse.from_url(warehouse_url)
    try:
        warehouse.ensure_schema()
        return warehouse.load_extraction(StagingArea(staging_root), manifest, "test-run").conversations_loaded
    finally:
        warehouse.dispose()
