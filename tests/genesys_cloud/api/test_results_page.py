"""``scan_results_page``: the paging fields of a results page, and a cut-off page refused."""

from __future__ import annotations

import orjson
import pytest

from genesys_cloud.api.results_page import ResultsPageSummary, scan_results_page
from genesys_cloud.api.retry import IncompleteResponseError, decode_success_body

PAGE = orjson.dumps(
    {
        "conversations": [
            {"conversationId": f"c-{i}", "participants": [{"sessions": [{"metrics": []}]}]} for i in range(3)
        ],
        "cursor": "next-cursor",
        "dataAvailabilityDate": "2024-05-02T03:15:00.000Z",
    }
)


def test_reads_the_paging_fields_as_orjson_would():
    parsed = orjson.loads(PAGE)
    assert scan_results_page(PAGE) == ResultsPageSummary(
        conversations=len(parsed["conversations"]),
        cursor=parsed["cursor"],
        data_availability_date=parsed["dataAvailabilityDate"],
    )


def test_last_page_without_cursor_or_conversations():
    assert scan_results_page(b'{"dataAvailabilityDate": "2024-05-02T03:15:00.000Z"}') == ResultsPageSummary(
        0, None, "2024-05-02T03:15:00.000Z"
    )


@pytest.mark.parametrize("cut", [1, 10, len(PAGE) // 2, len(PAGE) - 1])
def test_a_cut_off_page_is_a_retryable_incomplete_response(cut):
    with pytest.raises(IncompleteResponseError, match="invalid JSON"):
        decode_success_body(200, PAGE[:cut], scan_results_page)


@pytest.mark.parametrize(
    "body", [b'[{"conversationId": "c-1"}]', b'{"cursor": "a", "conversations": [}', b'{"cursor": "\xff\xfe"}']
)
def test_anything_but_a_valid_json_object_is_refused(body):
    with pytest.raises(ValueError):
        scan_results_page(body)


def test_what_simdjson_cannot_hold_is_read_as_the_normalizer_reads_it():
    """An integer of 2^64 is a float to orjson (value_fit then quarantines its record): the page
    pages normally instead of failing (RuntimeError) or being retried as if cut off (ValueError)."""
    page = b'{"conversations": [{"conversationId": "c-1", "x": 18446744073709551616}, {}], "cursor": "n"}'
    assert scan_results_page(page) == ResultsPageSummary(2, "n", None)
    deep = b'{"conversations": [' + b"[" * 1100 + b"]" * 1100 + b"]}"
    with pytest.raises(IncompleteResponseError):  # neither parser reads it: one kind of failure, retried
        decode_success_body(200, deep, scan_results_page)


def test_a_page_holding_its_records_twice_is_refused_not_retried():
    from genesys_cloud.api.results_page import AmbiguousPageError
    from genesys_cloud.api.retry import is_retryable_exception

    page = b'{"conversations": [{"conversationId": "a"}], "conversations": [{"conversationId": "b"}, {}]}'
    with pytest.raises(AmbiguousPageError, match="'conversations' more than once") as caught:
        decode_success_body(200, page, scan_results_page)
    assert not is_retryable_exception(caught.value)
