"""The official SDK reads the users details jobs, users aggregates and presence definitions
with no unknown enum value, no missing required field and no key it does not know."""

from __future__ import annotations

import requests

from tests.support.emulator_api import fetch_token, require_module
from tests.support.sdk_audit import audit, dropped_keys

PureCloud = require_module("PureCloudPlatformClientV2")


def test_sdk_reads_every_users_activity_endpoint(emulator):
    emulator.control.reset(clock="2024-05-04T12:00:00.000Z", conversations_per_day=150)
    client = PureCloud.ApiClient(host=emulator.base_url).get_client_credentials_token(
        "emulator-client", "emulator-secret"
    )
    analytics = PureCloud.AnalyticsApi(client)
    query = PureCloud.AsyncUserDetailsQuery()
    query.interval = "2024-05-03T00:00:00.000Z/2024-05-05T00:00:00.000Z"
    job_id = analytics.post_analytics_users_details_jobs(query).job_id
    assert analytics.get_analytics_users_details_job(job_id).state == "FULFILLED"
    assert analytics.get_analytics_users_details_jobs_availability().data_availability_date
    page = analytics.get_analytics_users_details_job_results(job_id, page_size=25)
    assert audit(page) == [] and len(page.user_details) == 25 and page.cursor
    second = analytics.get_analytics_users_details_job_results(job_id, cursor=page.cursor, page_size=25)
    assert audit(second) == [] and second.cursor is None
    headers = {"Authorization": f"Bearer {fetch_token(emulator.base_url)}"}
    path = f"/api/v2/analytics/users/details/jobs/{job_id}/results"
    raw = requests.get(emulator.base_url + path, params={"pageSize": 25}, headers=headers, timeout=30).json()
    assert dropped_keys(raw, page, client) == set()
    statuses = {r.routing_status for d in page.user_details for r in d.routing_status}
    assert {"IDLE", "INTERACTING", "OFF_QUEUE"} <= statuses
    analytics.delete_analytics_users_details_job(job_id)

    body = PureCloud.UserAggregationQuery()
    body.interval, body.granularity = "2024-05-03T00:00:00.000Z/2024-05-04T00:00:00.000Z", "PT30M"
    body.group_by, body.metrics = ["userId"], ["tAgentRoutingStatus", "tSystemPresence", "tOrganizationPresence"]
    aggregates = analytics.post_analytics_users_aggregates_query(body)
    assert audit(aggregates) == [] and len(aggregates.results) == 50
    assert aggregates.system_to_organization_mappings["ON_QUEUE"]

    definitions = PureCloud.PresenceApi(client).get_presence_definitions()
    assert audit(definitions) == [] and {d.system_presence for d in definitions.entities} >= {"OnQueue", "Meal"}
