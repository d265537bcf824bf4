"""The emulator's aggregates at the queue report's grain, read through the official SDK and judged by
an oracle recomputed from the details records the SDK read (tests/support/kpi_oracle.py), not by
the emulator's own aggregation code."""

from __future__ import annotations

from collections import defaultdict

import pytest

from genesys_pipeline.report.kpi_aggregates import KPI_METRICS, kpi_query
from tests.support.emulator_api import JOBS, ApiClient, require_module
from tests.support.kpi_oracle import cells_from_records, cells_from_response, half_hour, session_queue
from tests.support.sdk_audit import audit

PureCloud = require_module("PureCloudPlatformClientV2")
from PureCloudPlatformClientV2.rest import ApiException  # noqa: E402

WINDOW = "2024-05-01T08:00:00.000Z/2024-05-01T12:00:00.000Z"  # a busy morning, 8 half hours


@pytest.fixture()
def analytics(emulator):
    client = PureCloud.ApiClient(host=emulator.base_url).get_client_credentials_token(
        "emulator-client", "emulator-secret"
    )
    return client, PureCloud.AnalyticsApi(client)


def served_records(emulator, interval: str) -> list[dict]:
    """Every record of the interval's details job, as served over HTTP (cursor pages)."""
    api = ApiClient(emulator.base_url)
    job_id = api.post(JOBS, json={"interval": interval}).json()["jobId"]
    records, params = [], {"pageSize": 1000}
    for _ in range(100):
        page = api.get(f"{JOBS}/{job_id}/results", params=params).json()
        records += page.get("conversations") or []
        if not page.get("cursor"):
            return records
        params["cursor"] = page["cursor"]
    raise AssertionError("job results did not end within 100 pages")


def sdk_cells(client, analytics, body: dict) -> dict:
    query = PureCloud.ConversationAggregationQuery()
    query.interval, query.granularity = body["interval"], body["granularity"]
    query.group_by, query.metrics = body["groupBy"], body["metrics"]
    response = analytics.post_analytics_conversations_aggregates_query(query)
    assert audit(response) == []
    return cells_from_response(client.sanitize_for_serialization(response))


def in_sdk_metric_enum(name: str) -> bool:
    """The SDK's aggregate metric enum (``ConversationAggregationView.target``): outside it, a value
    is replaced by ``outdated_sdk_version``."""
    view = PureCloud.ConversationAggregationView()
    view.target = name
    return view.target == name


def test_every_kpi_metric_is_in_the_sdk_enum():
    assert not in_sdk_metric_enum("nNotAMetric")
    assert [name for name in KPI_METRICS if not in_sdk_metric_enum(name)] == []


def test_half_hour_cells_equal_the_records_by_emit_date(emulator, analytics):
    client, api = analytics
    records = served_records(emulator, WINDOW)
    served = sdk_cells(client, api, kpi_query(WINDOW))
    expected = cells_from_records(records, WINDOW, KPI_METRICS)
    assert len(expected) > 300
    assert served == expected
    # The day exercises the rules, or the equality above would prove little.
    by_start = cells_from_records(records, WINDOW, KPI_METRICS, bucket_by="conversationStart")
    assert sum(by_start.get(k) != v for k, v in expected.items()) > 30  # emit date != conversation start
    queues_of = defaultdict(set)
    for record in records:
        for participant in record["participants"]:
            for session in participant["sessions"]:
                if participant["purpose"] == "acd":
                    queues_of[record["conversationId"]].add(session_queue(session))
    assert any(len(queues) > 1 for queues in queues_of.values())  # transferred between queues
    intervals = {k[0] for k in expected}
    assert intervals == {half_hour(f"2024-05-01T{h:02d}:{m:02d}:00Z") for h in range(8, 12) for m in (0, 30)}


def test_a_group_cap_refuses_an_answer_with_too_many_groups(emulator, analytics):
    client, api = analytics
    emulator.control.configure(aggregates_max_groups=3)
    with pytest.raises(ApiException) as refused:
        sdk_cells(client, api, kpi_query(WINDOW))
    assert refused.value.status == 400 and "more than 3" in refused.value.body
    emulator.control.configure(aggregates_max_groups=1000)
    assert sdk_cells(client, api, kpi_query(WINDOW))
