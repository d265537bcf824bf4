"""The official Genesys SDK (PureCloudPlatformClientV2) drives the emulator: every response
must deserialize with no ``outdated_sdk_version`` enum, no missing required field, and no key
the SDK does not know."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pytest
import requests

from tests.support.emulator_api import DETAILS, JOBS, fetch_token, hour_interval, require_module
from tests.support.sdk_audit import audit, dropped_keys

PureCloud = require_module("PureCloudPlatformClientV2")
from PureCloudPlatformClientV2.rest import ApiException  # noqa: E402


def sdk_client(base_url: str) -> PureCloud.ApiClient:
    return PureCloud.ApiClient(host=base_url).get_client_credentials_token("emulator-client", "emulator-secret")


def raw(base_url: str, method: str, path: str, **kwargs):
    headers = {"Authorization": f"Bearer {fetch_token(base_url)}"}
    return requests.request(method, base_url + path, headers=headers, timeout=30, **kwargs).json()


def assert_faithful(model, raw_json, client) -> None:
    assert audit(model) == []
    assert dropped_keys(raw_json, model, client) == set()


@pytest.fixture()
def sdk(emulator):
    return sdk_client(emulator.base_url)


def test_login_sets_a_token(sdk):
    assert sdk.access_token


def test_gateway_configuration_with_path_prefixes(emulator):
    emulator.control.reset(login_path_prefix="/login", api_path_prefix="/api")
    client = PureCloud.ApiClient()
    client.set_gateway("127.0.0.1", "http", int(emulator.base_url.rsplit(":", 1)[1]), "login", "api")
    client.get_client_credentials_token("emulator-client", "emulator-secret")
    assert PureCloud.UsersApi(client).get_users().entities
    assert emulator.control.stats()["post_token"] == {"200": 1}


def test_bad_secret_raises(emulator):
    with pytest.raises(ApiException) as error:
        PureCloud.ApiClient(host=emulator.base_url).get_client_credentials_token("emulator-client", "wrong")
    assert error.value.status == 401 and "invalid_client" in error.value.body


def test_sync_query_pages(emulator, sdk):
    analytics = PureCloud.AnalyticsApi(sdk)
    interval = hour_interval()
    seen, page = [], 1
    while True:
        query = PureCloud.ConversationQuery()
        query.interval = interval
        query.paging = PureCloud.PagingSpec()
        query.paging.page_size, query.paging.page_number = 100, page
        response = analytics.post_analytics_conversations_details_query(query)
        if not response.conversations:
            break
        raw_page = raw(
            emulator.base_url,
            "POST",
            DETAILS + "/query",
            json={"interval": interval, "paging": {"pageSize": 100, "pageNumber": page}},
        )
        assert_faithful(response, raw_page, sdk)
        seen += [c.conversation_id for c in response.conversations]
        page += 1
    assert len(seen) == len(set(seen)) == emulator.control.ground_truth(interval, semantics="start")["count"]


def test_job_submit_poll_results_and_delete(emulator, sdk):
    emulator.control.configure(job_progression="polls", job_progression_polls=1)
    analytics = PureCloud.AnalyticsApi(sdk)
    availability = analytics.get_analytics_conversations_details_jobs_availability()
    assert audit(availability) == [] and availability.data_availability_date is not None
    body = PureCloud.AsyncConversationQuery()
    body.interval = hour_interval()
    body.order = "asc"
    job = analytics.post_analytics_conversations_details_jobs(body)
    states = []
    for _ in range(5):
        status = analytics.get_analytics_conversations_details_job(job.job_id)
        assert audit(status) == []
        states.append(status.state)
        if status.state == "FULFILLED":
            break
    assert states == ["QUEUED", "FULFILLED"]
    first = analytics.get_analytics_conversations_details_job_results(job.job_id, page_size=50)
    raw_first = raw(emulator.base_url, "GET", f"{JOBS}/{job.job_id}/results", params={"pageSize": 50})
    assert_faithful(first, raw_first, sdk)
    assert first.cursor and any(p.attributes for c in first.conversations for p in c.participants)
    analytics.delete_analytics_conversations_details_job(job.job_id)
    with pytest.raises(ApiException) as gone:
        analytics.get_analytics_conversations_details_job_results(job.job_id)
    assert gone.value.status == 404


def test_get_by_id_and_multi_get(emulator, sdk):
    analytics = PureCloud.AnalyticsApi(sdk)
    ids = [
        c["conversationId"]
        for c in raw(emulator.base_url, "POST", DETAILS + "/query", json={"interval": hour_interval()})[
            "conversations"
        ][:2]
    ]
    single = analytics.get_analytics_conversation_details(ids[0])
    assert audit(single) == [] and single.conversation_id == ids[0]
    multi = analytics.get_analytics_conversations_details(id=ids)
    assert [c.conversation_id for c in multi.conversations] == ids


def test_aggregates(emulator, sdk):
    query = PureCloud.ConversationAggregationQuery()
    query.interval = hour_interval(hours=6)
    query.granularity = "PT1H"
    query.group_by = ["queueId", "mediaType"]
    query.metrics = ["nOffered", "tHandle", "tTalk", "tAcd"]
    response = PureCloud.AnalyticsApi(sdk).post_analytics_conversations_aggregates_query(query)
    assert response.results and audit(response) == []
    raw_json = raw(
        emulator.base_url,
        "POST",
        "/api/v2/analytics/conversations/aggregates/query",
        json={"interval": query.interval, "granularity": "PT1H", "groupBy": query.group_by, "metrics": query.metrics},
    )
    assert dropped_keys(raw_json, response, sdk) == set()


@pytest.mark.parametrize(
    "call, path, params",
    [
        (
            lambda s: PureCloud.UsersApi(s).get_users(page_size=100, state="any"),
            "/api/v2/users",
            {"pageSize": 100, "state": "any"},
        ),
        (
            lambda s: PureCloud.RoutingApi(s).get_routing_queues(page_size=100),
            "/api/v2/routing/queues",
            {"pageSize": 100},
        ),
        (
            lambda s: PureCloud.RoutingApi(s).get_routing_wrapupcodes(page_size=100),
            "/api/v2/routing/wrapupcodes",
            {"pageSize": 100},
        ),
        (
            lambda s: PureCloud.AuthorizationApi(s).get_authorization_divisions(page_size=100),
            "/api/v2/authorization/divisions",
            {"pageSize": 100},
        ),
        (
            lambda s: PureCloud.AuthorizationApi(s).get_authorization_divisionspermitted_paged_me(
                "analytics:conversationDetail:view", page_size=100
            ),
            "/api/v2/authorization/divisionspermitted/paged/me",
            {"permission": "analytics:conversationDetail:view", "pageSize": 100},
        ),
    ],
)
def test_lookups(emulator, sdk, call, path, params):
    listing = call(sdk)
    assert listing.entities and listing.total == len(listing.entities)
    assert_faithful(listing, raw(emulator.base_url, "GET", path, params=params), sdk)


def test_divisions_permitted_to_a_limited_client(emulator, sdk):
    authorization = PureCloud.AuthorizationApi(sdk)
    every = authorization.get_authorization_divisions().entities
    assert len(every) >= 2 and sum(d.home_division for d in every) == 1
    emulator.control.add_client("retail-only", "s3cret", divisions=[every[1].id])
    limited = PureCloud.ApiClient(host=emulator.base_url).get_client_credentials_token("retail-only", "s3cret")
    permitted = PureCloud.AuthorizationApi(limited).get_authorization_divisionspermitted_paged_me(
        "analytics:conversationDetail:view"
    )
    assert [d.id for d in permitted.entities] == [every[1].id] and permitted.all_divs_permitted is False
    assert audit(permitted) == []
    assert (
        authorization.get_authorization_divisionspermitted_paged_me(
            "analytics:conversationDetail:view"
        ).all_divs_permitted
        is True
    )
    emulator.control.add_client("lookups-only", "s3cret", permissions=["routing:queue:view"])
    lookups = PureCloud.ApiClient(host=emulator.base_url).get_client_credentials_token("lookups-only", "s3cret")
    none = PureCloud.AuthorizationApi(lookups).get_authorization_divisionspermitted_paged_me(
        "analytics:conversationDetail:view"
    )
    assert none.entities == [] and none.all_divs_permitted is False


def test_living_org_partial_records_and_late_feedback_deserialize(emulator, sdk):
    """Open conversations (no conversationEnd, open segments) and late evaluations/surveys."""
    emulator.control.set_clock("2024-05-01T12:00:00.000Z")
    analytics = PureCloud.AnalyticsApi(sdk)
    query = PureCloud.AsyncConversationQuery()
    query.interval = "2024-04-30T00:00:00.000Z/2024-05-01T12:00:00.000Z"
    job = analytics.post_analytics_conversations_details_jobs(query)
    results = analytics.get_analytics_conversations_details_job_results(job.job_id, page_size=1000)
    assert audit(results) == []
    cursor, conversations = results.cursor, list(results.conversations)
    for _ in range(10):  # bounded: the interval holds about 3000 conversations
        if not cursor:
            break
        page = analytics.get_analytics_conversations_details_job_results(job.job_id, page_size=1000, cursor=cursor)
        assert audit(page) == []
        cursor, conversations = page.cursor, conversations + page.conversations
    assert not cursor
    assert any(c.conversation_end is None for c in conversations)
    assert any(c.evaluations for c in conversations) and any(c.surveys for c in conversations)


def test_error_raises_api_exception_with_error_body(emulator, sdk):
    emulator.control.add_fault("get_users", "status", status=503)
    with pytest.raises(ApiException) as error:
        PureCloud.UsersApi(sdk).get_users()
    assert error.value.status == 503 and "service.unavailable" in error.value.body


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture()
def cli_emulator():
    """The acceptance set-up verbatim: the CLI with seed 7 and 5000 conversations per day."""
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "genesys_emulator",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--seed",
            "7",
            "--conversations-per-day",
            "5000",
            "--log-level",
            "warning",
        ],
        stdout=subprocess.DEVNULL,
        cwd=os.path.expanduser("~"),
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(base_url + "/_emulator/clock", timeout=1)
                break
            except requests.ConnectionError:
                assert process.poll() is None and time.monotonic() < deadline, "emulator CLI did not start"
                time.sleep(0.1)
        yield base_url
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_acceptance_seed7_day_paged_with_sdk_matches_ground_truth(cli_emulator):
    from genesys_emulator.testing import EmulatorControl

    interval = hour_interval(hours=24, hour=0)
    analytics = PureCloud.AnalyticsApi(sdk_client(cli_emulator))
    body = PureCloud.AsyncConversationQuery()
    body.interval = interval
    job_id = analytics.post_analytics_conversations_details_jobs(body).job_id
    assert analytics.get_analytics_conversations_details_job(job_id).state == "FULFILLED"
    ids, cursor = [], None
    while True:
        kwargs = {"page_size": 1000, **({"cursor": cursor} if cursor else {})}
        page = analytics.get_analytics_conversations_details_job_results(job_id, **kwargs)
        ids += [c.conversation_id for c in page.conversations]
        cursor = page.cursor
        if not cursor:
            break
    truth = EmulatorControl(cli_emulator).ground_truth(interval)
    # Overlap limited to conversations started that UTC day (§11): the day's 5000 less erasures.
    assert len(ids) == len(set(ids)) == truth["count"] > 5000 - 50
    assert set(ids) == set(truth["conversation_ids"])
