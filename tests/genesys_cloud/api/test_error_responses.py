"""Failed Genesys responses as domain errors: the results cap's "pagination may not exceed N results"
recognised precisely."""

from __future__ import annotations

import orjson
import pytest

from genesys_cloud.api.error_responses import api_error, results_cap_of
from genesys_cloud.api.exceptions import GenesysTransientError

RESULTS_PATH = "/api/v2/analytics/conversations/details/jobs/j-1/results"


def error_of(status: int, message: str) -> Exception:
    body = orjson.dumps({"status": status, "code": "bad.request", "message": message})
    return api_error(status, {}, body, "GET", RESULTS_PATH)


@pytest.mark.parametrize(
    "status, message, cap",
    [
        (400, "pagination may not exceed 400000 results", 400_000),
        (400, "Pagination may not exceed 700 results.", 700),
        (400, "The cursor is invalid or does not belong to this job", None),
        (400, "pagination may not exceed some results", None),
        (404, "pagination may not exceed 400000 results", None),
        (500, "pagination may not exceed 400000 results", None),
    ],
)
def test_the_cap_error_is_recognised_precisely(status, message, cap):
    assert results_cap_of(error_of(status, message)) == cap


def test_errors_that_are_not_api_answers_are_not_the_cap():
    assert results_cap_of(GenesysTransientError("pagination may not exceed 5 results")) is None
    assert results_cap_of(ValueError("pagination may not exceed 5 results")) is None
