"""The sync-health page's queue map on SQLite and PostgreSQL: which (queue, half hour) disagrees with Genesys.

An emulated day (300 conversations) is loaded through the product's load; Genesys's cells are
recomputed in the test from the raw records (tests/support/kpi_oracle.py, plain Python over
emitDate) and stored as the aggregates step stores them. The oracle for the map is the test's own
grouping of those cells per queue and half hour; one value changed, or one cell dropped, in the
stored aggregates must show as exactly that queue half hour, in the grid and in the drawn heatmap.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from genesys_pipeline.health import render_health_page
from genesys_pipeline.health.queue_cells import NO_QUEUE, queue_day
from genesys_pipeline.health.queue_map import DIFFERS, EQUAL, ONE_SIDED, half_hours, queue_map_figure
from genesys_pipeline.report.audit import AuditRecord, write_audit
from genesys_pipeline.report.kpi_aggregates import KPI_METRICS, replace_cells
from genesys_pipeline.warehouse.reference_tables import replace_snapshot
from tests.genesys_pipeline.pipeline_records import DAY
from tests.support.kpi_oracle import cells_from_records
from tests.support.paths import SCRIPTS

PARTITION = DAY.isoformat()
INTERVAL = f"{PARTITION}T00:00:00.000Z/{(DAY + timedelta(days=1)).isoformat()}T00:00:00.000Z"


@pytest.fixture()
def world(warehouse, stage, generated_day):
    """The day loaded; returns (engine, Genesys's cells as the test recomputed them from the raw records)."""
    records = generated_day(DAY)
    staging, manifest = stage(records, partition=PARTITION)
    warehouse.load_extraction(staging, manifest, "run-1")
    return warehouse.engine, cells_from_records(records, INTERVAL, KPI_METRICS)


def store(engine, cells: dict) -> None:
    """The cells as rows of ``queue_interval_aggregates`` (no queue / media type: NULL, as flattened)."""
    synced_at = datetime.now(UTC)
    rows = [
        {
            "partition": PARTITION,
            "interval_start": start,
            "queue_id": queue or None,
            "media_type": media or None,
            "metric": metric,
            **stats,
            "_run_id": "r",
            "_synced_at": synced_at,
        }
        for (start, queue, media, metric), stats in cells.items()
    ]
    replace_cells(engine, PARTITION, rows)


def per_half_hour(cells: dict) -> Counter:
    """The test's own grouping: cells (metric x media type) per (queue id, half hour)."""
    return Counter((queue, start) for start, queue, _media, _metric in cells)


def grid_of(engine):
    return queue_day(engine, DAY).grid.set_index(["queue_id", "interval_start"])


def a_duration_cell(cells: dict) -> tuple:
    """A queue's t* cell in a busy half hour (deterministic: the first in key order)."""
    return next(key for key in sorted(cells) if key[1] and key[3] == "tHandle" and cells[key]["count"])


def test_an_untouched_day_is_equal_everywhere_and_counts_the_oracles_cells(world):
    engine, cells = world
    store(engine, cells)
    grid = grid_of(engine)
    assert len(cells) > 500 and len(per_half_hour(cells)) > 50
    assert grid["compared"].to_dict() == dict(per_half_hour(cells))
    assert int(grid["differing"].sum()) == 0 and int(grid["one_sided"].sum()) == 0
    assert queue_day(engine, DAY).genesys_cells == len(cells)


def test_one_differing_half_hour_is_exactly_that_cell(world):
    engine, cells = world
    key = a_duration_cell(cells)
    start, queue, _media, _metric = key
    store(engine, {**cells, key: {**cells[key], "sum": cells[key]["sum"] + 1000.0}})
    grid = grid_of(engine)
    differing = grid[grid["differing"] > 0]
    assert list(differing.index) == [(queue, start)]
    assert (differing.iloc[0]["differing"], differing.iloc[0]["one_sided"]) == (1, 0)
    assert differing.iloc[0]["largest_difference"] == 1000.0
    assert grid["compared"].to_dict() == dict(per_half_hour(cells))

    # the drawn map: that queue's row is red at that half hour only; blank where the oracle has no cell
    figure = queue_map_figure(queue_day(engine, DAY))
    heatmap = figure.data[0]
    columns = half_hours(DAY)
    row = list(heatmap.y).index(queue)  # no queues lookup loaded: queues are named by id
    has_cell = {(q, s) for q, s in per_half_hour(cells)}
    for r, name in enumerate(heatmap.y):
        queue_id = "" if name == NO_QUEUE else name
        expected = [
            None if (queue_id, c) not in has_cell else DIFFERS if (r, c) == (row, start) else EQUAL for c in columns
        ]
        assert list(heatmap.z[r]) == expected, name


def test_a_dropped_cell_is_one_sided_and_amber(world):
    engine, cells = world
    key = a_duration_cell(cells)
    start, queue, _media, _metric = key
    store(engine, {k: v for k, v in cells.items() if k != key})
    result = queue_day(engine, DAY)
    differing = result.differing.set_index(["queue_id", "interval_start"])
    assert list(differing.index) == [(queue, start)]
    assert (differing.iloc[0]["differing"], differing.iloc[0]["one_sided"]) == (1, 1)
    assert differing.iloc[0]["largest_difference"] == max(abs(v or 0) for v in cells[key].values())
    heatmap = queue_map_figure(result).data[0]
    assert heatmap.z[list(heatmap.y).index(queue)][half_hours(DAY).index(start)] == ONE_SIDED


def test_queues_are_named_from_the_lookup(world):
    engine, cells = world
    store(engine, cells)
    queue_ids = sorted({queue for _start, queue, _media, _metric in cells if queue})
    replace_snapshot(engine, "queues", [{"id": q, "name": f"Queue {n}"} for n, q in enumerate(queue_ids)])
    names = set(queue_day(engine, DAY).grid["queue"])
    assert {f"Queue {n}" for n in range(len(queue_ids))} <= names
    assert names - {f"Queue {n}" for n in range(len(queue_ids))} <= {NO_QUEUE}


def test_the_page_maps_the_latest_reconciled_day(world):
    engine, cells = world
    key = a_duration_cell(cells)
    store(engine, {**cells, key: {**cells[key], "count": cells[key]["count"] + 1}})
    for day, status in ((DAY - timedelta(days=1), "success"), (DAY, "incomplete")):
        record = AuditRecord(
            dag_id="genesys_conversations_daily",
            run_id=f"run-{day}",
            try_number=1,
            partition=day.isoformat(),
            status=status,
        )
        record.add_reconciliation({"status": status})
        write_audit(engine, record)
    page = render_health_page(engine, days=3, end=DAY + timedelta(days=1), plotly_js="plotly.min.js")
    groups = per_half_hour(cells)
    assert f"{PARTITION}: 1 of {len(groups)} queue half hours differ; 1 of {sum(groups.values()):,} cells" in page
    assert f"Queue x half hour, {PARTITION}" in page
    listed = page[page.index('class="queue-cells"') :]
    listed = listed[: listed.index("</table>")]
    assert key[1] in listed and f">{key[0][11:16]}</td>" in listed and f"{key[2]} tHandle: count" in listed
    assert page.count('class="plotly-graph-div"') == 5  # days x2, the queue map, runs x2; no agent data, no charts


def test_make_report_maps_the_day_asked_for(world, tmp_path):
    engine, cells = world
    store(engine, cells)
    out = tmp_path / "health.html"
    url = engine.url.render_as_string(hide_password=False)
    command = [sys.executable, str(SCRIPTS / "report.py"), "--warehouse-url", url, "--out", str(out), "--days", "1"]
    result = subprocess.run([*command, "--day", PARTITION], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    groups = per_half_hour(cells)
    assert f"{PARTITION}: 0 of {len(groups)} queue half hours differ" in out.read_text()
