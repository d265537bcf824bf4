"""The org's limits endpoint, read by the official SDK: the values the emulator enforces, in a
LimitsEntityListing the SDK knows every key of, behind the ``limits:organization:view`` role."""

from __future__ import annotations

import pytest
import requests

from tests.support.emulator_api import fetch_token, require_module
from tests.support.sdk_audit import audit, dropped_keys

PureCloud = require_module("PureCloudPlatformClientV2")
PATH = "/api/v2/organizations/limits/namespaces/{}"


def _sdk(emulator):
    client = PureCloud.ApiClient(host=emulator.base_url).get_client_credentials_token(
        "emulator-client", "emulator-secret"
    )
    return client, PureCloud.OrganizationApi(client)


def test_sdk_reads_the_limits_the_emulator_enforces(emulator):
    emulator.control.reset(rate_limit_requests=90, rate_limit_window_seconds=30, job_max_active_per_client=3)
    client, organization = _sdk(emulator)
    rate = organization.get_organizations_limits_namespace("platform.api")
    jobs = organization.get_organizations_limits_namespace("analytics")
    assert audit(rate) == [] and audit(jobs) == []
    # 90 per 30 s is 180 a minute; both values are the emulator's own settings, set above
    assert [(e.namespace, e.key, e.value) for e in rate.entities] == [
        ("platform.api", "client.credentials.token.rate.per.minute", 180)
    ]
    assert [(e.namespace, e.key, e.value) for e in jobs.entities] == [
        ("analytics", "conversation.details.jobs.concurrent.access.max", 3)
    ]
    headers = {"Authorization": f"Bearer {fetch_token(emulator.base_url)}"}
    raw = requests.get(emulator.base_url + PATH.format("analytics"), headers=headers, timeout=30).json()
    assert dropped_keys(raw, jobs, client) == set()


def test_unknown_namespace_is_404_and_the_permission_is_required(emulator):
    emulator.control.reset()
    _, organization = _sdk(emulator)
    with pytest.raises(PureCloud.rest.ApiException) as unknown:
        organization.get_organizations_limits_namespace("webchat")
    assert unknown.value.status == 404
    emulator.control.add_client("no-limits", "s3cret-client", permissions=["analytics:conversationDetail:view"])
    limited = PureCloud.OrganizationApi(
        PureCloud.ApiClient(host=emulator.base_url).get_client_credentials_token("no-limits", "s3cret-client")
    )
    with pytest.raises(PureCloud.rest.ApiException) as forbidden:
        limited.get_organizations_limits_namespace("analytics")
    assert forbidden.value.status == 403 and "limits:organization:view" in forbidden.value.body
