"""Reconciliation of agent activity: the aggregates response into cells, and the verdict."""

from __future__ import annotations

from genesys_pipeline.report.user_reconcile import aggregate_cells, reconcile_user_activity

RESULTS = [
    {
        "group": {"userId": "u1"},
        "data": [
            {
                "interval": "a",
                "metrics": [{"metric": "tAgentRoutingStatus", "qualifier": "IDLE", "stats": {"sum": 600}}],
            },
            {
                "interval": "b",
                "metrics": [{"metric": "tAgentRoutingStatus", "qualifier": "IDLE", "stats": {"sum": 400}}],
            },
        ],
    }
]


def test_cells_sum_buckets_and_the_verdict_respects_the_tolerance():
    cells = aggregate_cells(RESULTS)
    assert cells == {("u1", "IDLE"): 1000}
    assert reconcile_user_activity({("u1", "IDLE"): 1500}, cells, 500)["status"] == "match"
    verdict = reconcile_user_activity({("u1", "IDLE"): 1501}, cells, 500)
    assert verdict["status"] == "incomplete" and verdict["largest_difference_ms"] == 501
    missing = reconcile_user_activity({}, cells, 0)
    assert missing["cells_differing"] == 1 and missing["differences"][0]["warehouse_ms"] == 0
