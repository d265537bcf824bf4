"""Reconciliation: the aggregate side's counts, the comparison with its deltas, and the tolerance setting."""

from __future__ import annotations

import pytest

from genesys_pipeline.report import aggregates
from genesys_pipeline.report.reconcile import Difference, aggregate_counts, compare, parse_tolerance
from tests.genesys_pipeline.report.test_aggregates import FACETS


def test_aggregate_side_sums_offered_and_connected_per_queue():
    rows = aggregates.flatten(FACETS, "2024-05-01", "run-1")
    counts = aggregate_counts(rows, {"voice": 12})
    assert counts == {"conversations": {"voice": 12}, "offered": {"q-1": 12}, "connected": {"": 4}}


def test_compare_reports_each_difference_with_its_delta_and_a_missing_key_as_zero():
    details = {"conversations": {"voice": 97, "chat": 5}, "offered": {"q-1": 10}}
    aggs = {"conversations": {"voice": 100, "chat": 5}, "offered": {"q-1": 10, "q-2": 1}}
    result = compare(details, aggs)
    assert result.status == "incomplete" and result.incomplete
    assert result.differences == (Difference("conversations", "voice", 97, 100), Difference("offered", "q-2", 0, 1))
    report = result.as_dict()
    assert report["conversations_delta"] == 3 and report["compared"] == {"conversations": 2, "offered": 2}
    assert report["mismatches"][0] == {
        "check": "conversations",
        "key": "voice",
        "details": 97,
        "aggregates": 100,
        "delta": 3,
    }


def test_identical_counts_match():
    counts = {"conversations": {"voice": 100}, "offered": {"q-1": 3}}
    assert compare(counts, counts).as_dict() == {
        "status": "match",
        "tolerance": 0.0,
        "compared": {"conversations": 1, "offered": 1},
        "mismatches": [],
        "conversations_delta": 0,
    }


@pytest.mark.parametrize(
    ("tolerance", "status"), [(0.0, "incomplete"), (0.02, "incomplete"), (0.03, "within_tolerance")]
)
def test_tolerance_is_relative_to_the_larger_side(tolerance, status):
    result = compare({"conversations": {"voice": 97}}, {"conversations": {"voice": 100}}, tolerance)
    assert result.status == status


@pytest.mark.parametrize(("raw", "expected"), [(None, 0.0), ("", 0.0), ("0.001", 0.001), (0.5, 0.5)])
def test_parse_tolerance(raw, expected):
    assert parse_tolerance(raw) == expected


@pytest.mark.parametrize("raw", ["abc", "-0.1", "1", "2.5"])
def test_parse_tolerance_rejects_nonsense_naming_the_setting(raw):
    with pytest.raises(ValueError, match="genesys_reconcile_tolerance"):
        parse_tolerance(raw)
