"""The queue report proven equal to Genesys's half-hour aggregates, cell by cell, on several days of the
living emulator, on SQLite and PostgreSQL.

Three judges agree per day: the warehouse's view ``v_queue_interval_metrics``, the aggregates API
(through the pipeline's hook, and again through the official SDK), and an oracle recomputed in
plain Python from the staged raw pages (tests/support/kpi_oracle.py). Then two deliberate faults:
a dropped results page, and metrics bucketed by conversation start instead of emit date; both
must make the reconciliation fail, the second by many cells.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from genesys_pipeline.report import aggregates, kpi_aggregates
from genesys_pipeline.report.kpi_aggregates import KPI_METRICS, kpi_query
from genesys_pipeline.report.kpi_reconcile import reconcile_cells
from genesys_pipeline.report.reconcile import reconcile
from genesys_pipeline.staging.area import MANIFEST_NAME, StagingArea
from genesys_pipeline.warehouse import kpi_views
from genesys_pipeline.warehouse.engine import create_warehouse_engine, qualified_name
from tests.support.connections import EMULATOR_CLIENT, set_genesys_cloud_connection
from tests.support.emulator_api import require_module
from tests.support.emulator_day import day_window, load_day, past_day
from tests.support.kpi_oracle import cells_from_records, cells_from_response, cells_from_rows

DAYS_AGO = (4, 3, 2)
CONVERSATIONS_PER_DAY = 300  # a quieter org than the default 2,000: still ~2,500 cells a day, and fast


@pytest.fixture()
def org(genesys):
    genesys.control.reset(clock=genesys.control.clock()["nowIso"], conversations_per_day=CONVERSATIONS_PER_DAY)
    return genesys


def staged_records(staging_root) -> list[dict]:
    """Every record of the one extraction staged under ``staging_root``, read back from its gzip pages."""
    area = StagingArea(staging_root)
    (manifest_path,) = list(area.extractions_root.glob(f"*/*/{MANIFEST_NAME}"))
    manifest = area.read_manifest(manifest_path.parent.parent.name, manifest_path.parent.name)
    assert manifest is not None
    return [record for raw in area.iter_pages(manifest) for record in json.loads(raw)["conversations"]]


def view_cells(engine, window) -> dict:
    bounds = window.as_dict()
    query = text(
        f"SELECT * FROM {qualified_name(engine, 'v_queue_interval_metrics')} "
        "WHERE interval_start >= :start AND interval_start < :end"
    )
    with engine.connect() as conn:
        found = [
            dict(row._mapping)
            for row in conn.execute(query, {"start": bounds["interval_start"], "end": bounds["interval_end"]})
        ]
    return cells_from_rows(row for row in found if row["metric"] in KPI_METRICS)


def store_genesys_cells(engine, window) -> dict:
    """The aggregates step's request, flattened and stored as the operator does; returns the raw answer."""
    from genesys_cloud.hook import GenesysCloudHook

    response = GenesysCloudHook().query_conversation_aggregates(kpi_query(window.interval))
    kpi_aggregates.replace_cells(
        engine, window.partition, kpi_aggregates.flatten_cells(response, window.partition, "r")
    )
    return response


def day_cells(engine, window):
    """The day's warehouse cells reconciled with the Genesys cells stored for its partition."""
    bounds = window.as_dict()
    return reconcile_cells(
        engine, bounds["interval_start"], bounds["interval_end"], kpi_aggregates.read_cells(engine, window.partition)
    )


def sdk_cells(base_url: str, interval: str) -> dict:
    sdk = require_module("PureCloudPlatformClientV2")
    client = sdk.ApiClient(host=base_url).get_client_credentials_token("emulator-client", "emulator-secret")
    body = kpi_query(interval)
    query = sdk.ConversationAggregationQuery()
    query.interval, query.granularity, query.group_by, query.metrics = (
        body["interval"],
        body["granularity"],
        body["groupBy"],
        body["metrics"],
    )
    response = sdk.AnalyticsApi(client).post_analytics_conversations_aggregates_query(query)
    return cells_from_response(client.sanitize_for_serialization(response))


@pytest.mark.timeout(300)
def test_every_half_hour_cell_equals_genesys_on_several_days(org, warehouse_url, tmp_path):
    windows = [day_window(past_day(days)) for days in DAYS_AGO]
    for days, window in zip(DAYS_AGO, windows, strict=True):
        assert load_day(warehouse_url, window, tmp_path / f"staging-{days}") > 100
    engine = create_warehouse_engine(warehouse_url)
    compared = {}
    try:
        for days, window in zip(DAYS_AGO, windows, strict=True):
            response = store_genesys_cells(engine, window)
            result = day_cells(engine, window)
            assert (result.differing, result.largest_difference) == (0, 0.0), result.as_dict()["differing_cells"][:3]
            oracle = cells_from_records(staged_records(tmp_path / f"staging-{days}"), window.interval, KPI_METRICS)
            assert view_cells(engine, window) == oracle == cells_from_response(response)
            if days == DAYS_AGO[-1]:  # the official client reads the same numbers (one day: it is slow)
                assert sdk_cells(org.base_url, window.interval) == oracle
            compared[window.partition] = result.compared
    finally:
        engine.dispose()
    print(f"cells compared per day: {compared}")
    assert all(cells > 1000 for cells in compared.values())


@pytest.fixture()
def one_day(org, sqlite_url, tmp_path, monkeypatch):
    """Day D-2 on SQLite, read in results pages of 100 (so a day is several pages)."""
    client_id, secret = EMULATOR_CLIENT
    set_genesys_cloud_connection(
        monkeypatch, org.base_url, login=client_id, password=secret, extra={"results_page_size": 100}
    )
    window = day_window(past_day(2))
    return window, lambda **kwargs: load_day(sqlite_url, window, tmp_path / "staging", **kwargs), sqlite_url


def test_a_dropped_results_page_makes_the_day_incomplete(one_day):
    window, load, url = one_day
    loaded = load(drop_page=1)
    assert 150 < loaded < 300  # one page of 100 lost
    engine = create_warehouse_engine(url)
    try:
        store_genesys_cells(engine, window)
        bounds = window.as_dict()
        from genesys_cloud.hook import GenesysCloudHook

        hook = GenesysCloudHook()
        facets = aggregates.flatten(
            hook.query_conversation_aggregates(aggregates.facet_query(window.interval)), "p", "r"
        )
        census = aggregates.census_counts(hook.query_conversation_aggregates(aggregates.census_query(window.interval)))
        result = reconcile(
            engine,
            bounds["interval_start"],
            bounds["interval_end"],
            facets,
            census,
            kpi_cells=kpi_aggregates.read_cells(engine, window.partition),
        )
    finally:
        engine.dispose()
    report = result.as_dict()
    assert report["status"] == "incomplete"
    assert report["cells"]["cells_differing"] > 10 and report["cells"]["largest_difference"] > 0
    assert sum(report["cells"]["differing_by_interval"].values()) == report["cells"]["cells_differing"]


def test_bucketing_by_conversation_start_fails_by_many_cells(one_day, monkeypatch):
    window, load, url = one_day
    load()
    engine = create_warehouse_engine(url)
    try:
        store_genesys_cells(engine, window)
        honest = day_cells(engine, window)
        conversations = qualified_name(engine, "conversations")
        start_of = f"(SELECT c.conversation_start FROM {conversations} c WHERE c.conversation_id = m.conversation_id)"
        real = kpi_views.bucket_expression
        monkeypatch.setattr(kpi_views, "bucket_expression", lambda dialect, _column: real(dialect, start_of))
        wrong = day_cells(engine, window)
    finally:
        engine.dispose()
    assert honest.differing == 0
    assert wrong.differing > 0.2 * wrong.compared and wrong.differing > 300, (wrong.differing, wrong.compared)
