"""Hook + funnel behaviour against requests_mock: auth, retries, error mapping, endpoint methods."""

from __future__ import annotations

from itertools import islice

import pytest
import requests
import requests_mock as rm

from genesys_cloud.api.auth import TokenCache
from genesys_cloud.api.exceptions import (
    GenesysApiError,
    GenesysAuthError,
    GenesysPermissionError,
    GenesysRateLimitExceeded,
    GenesysTransientError,
    PaginationLoopError,
)
from genesys_cloud.api.job_state import JobState
from tests.genesys_cloud.genesys_responses import (
    AVAILABILITY_URL,
    JOBS_URL,
    TOKEN_URL,
    conversations,
    error_body,
    token_ok,
)

AVAILABLE = {"json": {"dataAvailabilityDate": "2024-05-02T03:15:00.000Z"}}
# Loop-shaped tests take at most this many pages, so a broken loop guard fails instead of spinning.
MAX_PAGES = 10
# pytest-timeout backstop for the whole module: every test here is milliseconds of requests_mock.
pytestmark = pytest.mark.timeout(30)


def test_token_sent_as_basic_auth_form_and_cached(hook):
    with rm.Mocker() as m:
        m.post(TOKEN_URL, **token_ok())
        m.get(AVAILABILITY_URL, **AVAILABLE)
        hook.get_data_availability()
        hook.get_data_availability()
        token_calls = [r for r in m.request_history if r.url == TOKEN_URL]
        assert len(token_calls) == 1
        assert token_calls[0].headers["Authorization"].startswith("Basic ")
        assert token_calls[0].text == "grant_type=client_credentials"
        assert m.request_history[-1].headers["Authorization"] == "Bearer tok-aaaaaaaa"


def test_token_renewed_shortly_before_expiry(hook):
    now = [1000.0]
    hook.client.token_cache = TokenCache(clock=lambda: now[0])
    with rm.Mocker() as m:
        m.post(TOKEN_URL, [token_ok("tok-first-1", expires_in=600), token_ok("tok-second", expires_in=600)])
        assert hook.get_token() == "tok-first-1"
        now[0] += 600 - 61  # 61 s left: still served from the cache
        assert hook.get_token() == "tok-first-1"
        now[0] += 2  # 59 s left: inside the 60 s safety margin
        assert hook.get_token() == "tok-second"


def test_401_gets_one_new_token_and_one_retry(hook):
    with rm.Mocker() as m:
        m.post(TOKEN_URL, [token_ok("tok-expired"), token_ok("tok-renewed")])
        m.get(AVAILABILITY_URL, [error_body(401, "bad.credentials", "Invalid login credentials."), AVAILABLE])
        assert hook.get_data_availability().year == 2024
        assert m.request_history[-1].headers["Authorization"] == "Bearer tok-renewed"
        assert hook.stats.token_requests == 2


def test_second_401_fails_instead_of_looping(hook):
    with rm.Mocker() as m:
        m.post(TOKEN_URL, **token_ok())
        m.get(AVAILABILITY_URL, **error_body(401, "bad.credentials", "Invalid login credentials."))
        with pytest.raises(GenesysAuthError, match="freshly issued token"):
            hook.get_data_availability()
        assert m.call_count == 4  # token, 401, token, 401


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (401, {"error": "invalid_client", "description": "authentication failed"}),
        (400, {"error": "invalid_client", "description": "client not found"}),
    ],
)
def test_bad_credentials_fail_fast_with_oauth_text(hook, status, body):
    with rm.Mocker() as m:
        m.post(TOKEN_URL, status_code=status, json=body)
        with pytest.raises(GenesysAuthError, match=f"HTTP {status}.*invalid_client: {body['description']}"):
            hook.get_token()
        assert m.call_count == 1


def test_403_names_the_missing_permission(hook):
    permission = "analytics:conversationDetail:view"
    with rm.Mocker() as m:
        m.post(TOKEN_URL, **token_ok())
        m.get(
            AVAILABILITY_URL,
            **error_body(
                403,
                "missing.any.permissions",
                f"You must have at least one of the following permissions assigned: {permission}",
                messageParams={"permissions": permission},
            ),
        )
        with pytest.raises(GenesysPermissionError, match=f"missing permission\\(s\\): {permission}") as caught:
            hook.check_permissions()
        assert caught.value.correlation_id == "corr-403"
        assert m.call_count == 2  # never retried
        ok, message = hook.test_connection()
        assert not ok and permission in message


@pytest.mark.parametrize("status", [400, 404, 413])
def test_client_errors_are_not_retried(hook, status):
    with rm.Mocker() as m:
        m.post(TOKEN_URL, **token_ok())
        m.post(JOBS_URL, **error_body(status, "bad.request", "nope"))
        with pytest.raises(GenesysApiError) as caught:
            hook.submit_details_job({"interval": "x"})
        assert caught.value.status == status and caught.value.code == "bad.request"
        assert m.call_count == 2


def test_429_honours_retry_after_then_succeeds(hook, sleeps):
    with rm.Mocker() as m:
        m.post(TOKEN_URL, **token_ok())
        throttled = {**error_body(429, "too.many.requests", "Retry the request in [2] seconds")}
        throttled["headers"] = {**throttled["headers"], "Retry-After": "2"}
        m.post(JOBS_URL, [throttled, throttled, {"status_code": 202, "json": {"jobId": "job-1"}}])
        assert hook.submit_details_job({"interval": "x"}) == "job-1"
    assert sleeps == [2.0, 2.0]
    assert hook.stats.throttled == 2 and hook.stats.retries == 2
    assert hook.stats.failed_correlation_ids == ["corr-429", "corr-429"]


def test_retry_after_above_cap_fails_clearly_without_sleeping(hook, sleeps):
    with rm.Mocker() as m:
        m.post(TOKEN_URL, **token_ok())
        throttled = error_body(429, "too.many.requests", "daily limit")
        throttled["headers"]["Retry-After"] = "7200"
        m.post(JOBS_URL, **throttled)
        with pytest.raises(GenesysRateLimitExceeded, match="7200 s.*300 s cap"):
            hook.submit_details_job({"interval": "x"})
    assert sleeps == []


def test_503_honours_retry_after_like_429(hook, sleeps):
    with rm.Mocker() as m:
        m.post(TOKEN_URL, **token_ok())
        unavailable = error_body(503, "service.unavailable", "down for maintenance")
        unavailable["headers"]["Retry-After"] = "7"
        m.get(AVAILABILITY_URL, [unavailable, AVAILABLE])
        assert hook.get_data_availability().year == 2024
    assert sleeps == [7.0]  # the server's word, not a jittered backoff of about a second


def test_year_long_ratelimit_reset_waits_at_most_the_cap(hook, sleeps):
    exhausted = {"inin-ratelimit-allowed": "300", "inin-ratelimit-count": "300", "inin-ratelimit-reset": "31536000"}
    with rm.Mocker() as m:
        m.post(TOKEN_URL, **token_ok())
        m.get(AVAILABILITY_URL, [{**AVAILABLE, "headers": exhausted}, AVAILABLE])
        hook.get_data_availability()
        hook.get_data_availability()
    assert sleeps and sum(sleeps) <= hook.settings.max_retry_after_seconds


def test_503_burst_retried_with_backoff_and_budget_is_bounded(hook, sleeps):
    with rm.Mocker() as m:
        m.post(TOKEN_URL, **token_ok())
        m.get(AVAILABILITY_URL, **error_body(503, "service.unavailable", "down"))
        with pytest.raises(GenesysTransientError, match="HTTP 503.*corr-503"):
            hook.get_data_availability()
        assert m.call_count == 1 + hook.settings.max_attempts
    base = hook.settings.backoff_base_seconds
    ceilings = [base * 2**n for n in range(hook.settings.max_attempts - 1)]
    assert len(sleeps) == len(ceilings)
    assert all(c / 2 <= s <= c for s, c in zip(sleeps, ceilings))  # exponential, jittered


@pytest.mark.parametrize(
    "failure",
    [
        {"exc": requests.ConnectionError("reset by peer")},
        {"exc": requests.exceptions.ChunkedEncodingError("IncompleteRead")},
        {"exc": requests.Timeout("read timed out")},
        {"status_code": 200, "text": '{"dataAvailabilityDate": "2024-05-02T0'},
    ],
    ids=["connection-reset", "chunked-encoding", "timeout", "truncated-json"],
)
def test_transport_failures_are_retried(hook, sleeps, failure):
    with rm.Mocker() as m:
        m.post(TOKEN_URL, **token_ok())
        m.get(AVAILABILITY_URL, [failure, AVAILABLE])
        assert hook.get_data_availability().isoformat() == "2024-05-02T03:15:00+00:00"
    assert len(sleeps) == 1


def test_job_lifecycle(hook):
    results = f"{JOBS_URL}/job-1/results"
    with rm.Mocker() as m:
        m.post(TOKEN_URL, **token_ok())
        m.post(JOBS_URL, status_code=202, json={"jobId": "job-1"})
        m.get(
            f"{JOBS_URL}/job-1", [{"status_code": 202, "json": {"state": "PENDING"}}, {"json": {"state": "FULFILLED"}}]
        )
        m.get(
            results,
            [
                {
                    "json": {
                        "conversations": conversations(0, 2),
                        "cursor": "cur-1",
                        "dataAvailabilityDate": "2024-05-02T00:00:00Z",
                    }
                },
                {"json": {"conversations": conversations(2, 1), "dataAvailabilityDate": "2024-05-02T00:00:00Z"}},
            ],
        )
        m.delete(f"{JOBS_URL}/job-1", status_code=204)
        job_id = hook.submit_details_job({"interval": "x"})
        assert hook.get_details_job(job_id)["state"] is JobState.PENDING
        assert hook.get_details_job(job_id)["state"] is JobState.FULFILLED
        pages = list(hook.iter_details_job_pages(job_id, page_size=2))
        hook.delete_details_job(job_id)
        result_queries = [r.qs for r in m.request_history if r.path.endswith("/results")]
    assert [(p.conversations, p.cursor) for p in pages] == [(2, "cur-1"), (1, None)]
    assert result_queries == [{"pagesize": ["2"]}, {"pagesize": ["2"], "cursor": ["cur-1"]}]
    assert b"c-00002" in pages[1].raw


def test_delete_tolerates_a_job_that_is_already_gone(hook):
    with rm.Mocker() as m:
        m.post(TOKEN_URL, **token_ok())
        m.delete(f"{JOBS_URL}/gone", **error_body(404, "not.found", "The requested resource was not found."))
        hook.delete_details_job("gone")


def test_results_page_size_over_maximum_is_refused(hook):
    with pytest.raises(ValueError, match=r"page_size must be an integer in \[1, 1000\]"):
        next(hook.iter_details_job_pages("job-1", page_size=5000))


def test_users_follow_next_uri_with_state_any(hook):
    users = "http://127.0.0.1:9/api/v2/users"
    with rm.Mocker() as m:
        m.post(TOKEN_URL, **token_ok())
        m.get(
            users,
            [
                {
                    "json": {
                        "entities": [{"id": "u1"}],
                        "pageNumber": 1,
                        "pageCount": 2,
                        "nextUri": "/api/v2/users?pageSize=100&pageNumber=2&state=any",
                    }
                },
                {"json": {"entities": [{"id": "u2"}], "pageNumber": 2, "pageCount": 2}},
            ],
        )
        assert [u["id"] for u in hook.iter_users()] == ["u1", "u2"]
        assert m.request_history[1].qs["state"] == ["any"]


def test_test_connection_reports_success_with_the_watermark(hook):
    with rm.Mocker() as m:
        m.post(TOKEN_URL, **token_ok())
        m.get(AVAILABILITY_URL, **AVAILABLE)
        ok, message = hook.test_connection()
    assert ok and "available up to 2024-05-02T03:15:00+00:00" in message


def test_aggregates_query_posts_the_body(hook):
    url = "http://127.0.0.1:9/api/v2/analytics/conversations/aggregates/query"
    with rm.Mocker() as m:
        m.post(TOKEN_URL, **token_ok())
        m.post(url, json={"results": [{"group": {"queueId": "q1"}, "data": []}]})
        body = {
            "interval": "2024-05-01T00:00:00Z/2024-05-02T00:00:00Z",
            "metrics": ["nOffered"],
            "groupBy": ["queueId"],
        }
        assert hook.query_conversation_aggregates(body)["results"][0]["group"] == {"queueId": "q1"}
        assert m.last_request.json() == body


def test_cursor_loop_from_the_server_is_an_error(hook):
    results = f"{JOBS_URL}/job-1/results"
    with rm.Mocker() as m:
        m.post(TOKEN_URL, **token_ok())
        m.get(results, json={"conversations": conversations(0, 1), "cursor": "same"})
        with pytest.raises(PaginationLoopError):
            list(islice(hook.iter_details_job_pages("job-1"), MAX_PAGES))
        assert m.call_count == 3  # token, first page, the repeat: then stop
