"""GenesysAggregatesOperator: Genesys's roll-up of the day into ``conversation_aggregates``; its census is
judged against the day's details records (fetched by a details job and counted here)."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from pathlib import Path

import pytest

from genesys_cloud.api.exceptions import GenesysApiError
from genesys_cloud.operators.aggregates import GenesysAggregatesOperator
from genesys_pipeline.report.aggregates import METRICS
from genesys_pipeline.report.kpi_aggregates import KPI_METRICS
from tests.genesys_cloud.operators.operator_support import (
    RUN_ID,
    day_interval,
    make_context,
    metric_emits,
    parse_instant,
    past_day,
    qualified,
    select_rows,
    stage_day,
    staged_conversations,
    table_count,
)
from tests.support.kpi_oracle import cells_from_records, cells_from_rows

DAY = past_day(2)
PARTITION = DAY.strftime("%Y-%m-%d")


def run_aggregates(interval: str = day_interval(DAY), partition: str = PARTITION) -> dict:
    operator = GenesysAggregatesOperator(task_id="aggregates", interval=interval, partition=partition)
    return operator.execute(make_context(DAY, task_id="aggregates"))


def census_from_details(conversations: list[dict], start, end) -> dict[str, int]:
    """Conversations per media type emitting one of the aggregate metrics inside [start, end)."""
    seen: dict[str, set[str]] = defaultdict(set)
    for conversation, session, metric in metric_emits(conversations):
        if metric["name"] in METRICS and start <= parse_instant(metric["emitDate"]) < end:
            seen[session.get("mediaType") or ""].add(conversation["conversationId"])
    return {media: len(ids) for media, ids in seen.items()}


def offered_from_details(conversations: list[dict], start, end) -> int:
    return sum(
        1
        for _c, _s, metric in metric_emits(conversations)
        if metric["name"] == "nOffered" and start <= parse_instant(metric["emitDate"]) < end
    )


@pytest.mark.timeout(60)
def test_census_and_rows_agree_with_the_days_details(genesys, any_warehouse, staging_root):
    conversations = staged_conversations(stage_day(DAY, staging_root)["staging_path"])
    end = DAY + timedelta(days=1)

    result = run_aggregates()

    assert result["census"] == census_from_details(conversations, DAY, end)
    assert sum(result["census"].values()) > 0
    rows = select_rows(
        any_warehouse, f"SELECT metric, count, _run_id FROM {qualified(any_warehouse, 'conversation_aggregates')}"
    )
    assert len(rows) == result["rows"] > 0 and result["replaced"] == 0
    assert {row["_run_id"] for row in rows} == {RUN_ID}
    offered = sum(row["count"] or 0 for row in rows if row["metric"] == "nOffered")
    assert offered == offered_from_details(conversations, DAY, end) > 0
    # The half-hour queue cells: one request more, stored whole, equal to the records' emit-date cells.
    assert result["api"]["requests"] == 3  # facets, census, queue cells
    stored = select_rows(any_warehouse, f"SELECT * FROM {qualified(any_warehouse, 'queue_interval_aggregates')}")
    assert len(stored) == result["queue_cells"] > 0
    assert cells_from_rows(stored) == cells_from_records(conversations, day_interval(DAY), KPI_METRICS)


@pytest.mark.timeout(60)
def test_a_rerun_replaces_the_partition_only(genesys, sqlite_warehouse):
    first = run_aggregates()
    other = run_aggregates(day_interval(DAY - timedelta(days=1)), "other-partition")

    again = run_aggregates()

    assert again["replaced"] == first["rows"] == again["rows"]
    assert table_count(sqlite_warehouse, "conversation_aggregates") == first["rows"] + other["rows"]
    assert table_count(sqlite_warehouse, "queue_interval_aggregates") == first["queue_cells"] + other["queue_cells"]


@pytest.mark.timeout(60)
def test_an_interval_genesys_refuses_fails_before_writing(genesys, sqlite_warehouse):
    start, end = day_interval(DAY).split("/")
    with pytest.raises(GenesysApiError, match="400"):
        run_aggregates(f"{end}/{start}")  # reversed
    assert genesys.control.stats()["post_analytics_conversations_aggregates_query"] == {"400": 1}
    assert not Path(sqlite_warehouse.removeprefix("sqlite:///")).exists()
