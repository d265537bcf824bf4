"""The demo's queue report: the warehouse's KPIs beside Genesys's, from the same definitions."""

from __future__ import annotations

from sqlalchemy import text

from genesys_pipeline.report.kpi_aggregates import replace_cells
from genesys_pipeline.report.queue_report import queue_report
from genesys_pipeline.warehouse.engine import qualified_name
from tests.genesys_pipeline.warehouse.test_kpi_views import records


def test_each_kpi_sits_beside_genesys_and_a_differing_cell_shows(warehouse, stage):
    staging, manifest = stage(records())
    warehouse.load_extraction(staging, manifest, "run-1")
    engine = warehouse.engine
    with engine.connect() as conn:
        view = qualified_name(engine, "v_queue_interval_metrics")
        cells = [dict(r._mapping) for r in conn.execute(text(f"SELECT * FROM {view}"))]
    genesys = [dict(c, partition="2024-05-01", _run_id="r", _synced_at=None) for c in cells]
    for cell in genesys:
        if (cell["queue_id"], cell["metric"]) == ("q-2", "nOffered"):
            cell["count"] += 1  # Genesys saw one more offer to q-2 than the details hold
    replace_cells(engine, "2024-05-01", genesys)

    report = {row["queue"]: row for row in queue_report(engine, "2024-05-01")}

    assert set(report) == {"q-1", "q-2", "(none)"}  # no queues lookup loaded: ids stand in for names
    q1, q2 = report["q-1"], report["q-2"]
    assert (q1["offered"], q1["offered_genesys"], q1["asa_ms"], q1["asa_ms_genesys"]) == (2, 2, 30000, 30000)
    assert (q2["offered"], q2["offered_genesys"]) == (1, 2)
    assert q2["asa_ms"] == q2["asa_ms_genesys"] == 40000
    assert queue_report(engine, "2024-05-02") == []
