"""Cell-by-cell comparison: equal cells, a missing cell on either side, counts exact, durations within rounding."""

from __future__ import annotations

from genesys_pipeline.report.kpi_reconcile import ROUNDING_MS, compare_cells
from genesys_pipeline.report.reconcile import Reconciliation, compare

TEN, HALF = "2024-05-01T10:00:00.000Z", "2024-05-01T10:30:00.000Z"


def cell(start: str, metric: str, count: int, total: float | None = None, queue: str | None = "q-1") -> dict:
    low = high = None if total is None else total / count
    return {
        "interval_start": start,
        "queue_id": queue,
        "media_type": "voice",
        "metric": metric,
        "count": count,
        "sum": total,
        "min": low,
        "max": high,
    }


def test_equal_cells_match_and_are_counted():
    cells = [cell(TEN, "nOffered", 4), cell(TEN, "tHandle", 2, 1000.0), cell(HALF, "nOffered", 1, queue=None)]
    result = compare_cells(cells, [dict(c) for c in cells])
    assert (result.compared, result.differing, result.largest_difference) == (3, 0, 0.0)


def test_a_cell_one_side_lacks_differs_by_all_its_stats():
    result = compare_cells([cell(TEN, "nOffered", 4)], [cell(TEN, "nOffered", 4), cell(HALF, "tTalk", 1, 60000.0)])
    assert result.compared == 2 and result.differing == 1
    assert result.largest_difference == 60000.0
    report = result.as_dict()
    assert report["differing_by_interval"] == {HALF: 1}
    assert report["differing_cells"][0]["details"] == {"count": None, "sum": None, "min": None, "max": None}


def test_counts_are_exact_and_durations_within_the_rounding():
    theirs = [cell(TEN, "tHandle", 2, 1000.0)]
    rounded = [dict(theirs[0], sum=1000.0 + ROUNDING_MS)]
    assert compare_cells(rounded, theirs).differing == 0
    assert compare_cells([dict(theirs[0], sum=1001.0)], theirs).differing == 1
    assert compare_cells([dict(theirs[0], count=3)], theirs).differing == 1
    assert compare_cells([cell(TEN, "tHandle", 2, 1000.0, queue="q-2")], theirs).differing == 2  # another queue's cell


def test_differing_cells_make_the_partition_incomplete_unless_within_the_tolerated_share():
    counts = compare({"offered": {"q-1": 4}}, {"offered": {"q-1": 4}})
    cells = compare_cells([cell(TEN, "nOffered", 4)], [cell(TEN, "nOffered", 5), cell(HALF, "nOffered", 1)])
    exact = Reconciliation(0.0, counts.differences, counts.compared, cells)
    assert exact.status == "incomplete" and exact.as_dict()["cells"]["cells_differing"] == 2
    assert Reconciliation(0.0, (), {}, compare_cells([], [])).status == "match"
    assert Reconciliation(0.99, (), {}, cells).status == "incomplete"  # 2 of 2 cells differ
    some = compare_cells([cell(TEN, "nOffered", 4)] * 1, [cell(TEN, "nOffered", 4), cell(HALF, "nOffered", 1)])
    assert Reconciliation(0.6, (), {}, some).status == "within_tolerance"  # 1 of 2 within a 60 % share
