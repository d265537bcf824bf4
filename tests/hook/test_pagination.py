"""The three paginators, including loop detection."""
from __future__ import annotations

import pytest

from genesys_cloud.api.exceptions import PaginationLoopError
from genesys_cloud.api.pagination import CursorPaginator, EntityListingPaginator, PageNumberPaginator
from genesys_responses import conversations


def test_page_number_stops_on_short_page():
    paginator = PageNumberPaginator(page_size=2)
    assert paginator.body({"interval": "i"}) == {"interval": "i", "paging": {"pageSize": 2, "pageNumber": 1}}
    paginator.advance({"conversations": conversations(0, 2)})
    assert not paginator.finished and paginator.page_number == 2
    paginator.advance({"conversations": conversations(2, 1)})
    assert paginator.finished


@pytest.mark.parametrize("last_page", [{"totalHits": 2}, {"conversations": []}], ids=["key-missing", "empty-list"])
def test_page_number_stops_on_empty_page_either_shape(last_page):
    paginator = PageNumberPaginator(page_size=2)
    paginator.advance({"conversations": conversations(0, 2)})
    assert paginator.advance(last_page) == []
    assert paginator.finished


def test_page_number_dedupes_records_shifted_by_live_data():
    paginator = PageNumberPaginator(page_size=3)
    first = paginator.advance({"conversations": conversations(0, 3)})
    second = paginator.advance({"conversations": conversations(2, 3)})
    assert [c["conversationId"] for c in first + second] == [f"c-{i:05d}" for i in range(5)]
    assert paginator.duplicates == 1


def test_page_number_detects_a_repeated_page():
    paginator = PageNumberPaginator(page_size=2)
    paginator.advance({"conversations": conversations(0, 2)})
    with pytest.raises(PaginationLoopError):
        paginator.advance({"conversations": conversations(0, 2)})


def test_cursor_follows_until_absent_and_detects_loops():
    paginator = CursorPaginator()
    paginator.advance({"cursor": "a"})
    paginator.advance({"cursor": "b"})
    assert paginator.cursor == "b" and not paginator.finished
    with pytest.raises(PaginationLoopError):
        paginator.advance({"cursor": "a"})
    done = CursorPaginator()
    done.advance({"conversations": []})
    assert done.finished


def test_entity_listing_follows_next_uri_up_to_page_count():
    paginator = EntityListingPaginator({"pageSize": 25, "pageNumber": 1})
    paginator.advance({"pageNumber": 1, "pageCount": 2, "nextUri": "/api/v2/routing/queues?pageSize=25&pageNumber=2"})
    assert paginator.params == {"pageSize": "25", "pageNumber": "2"}
    paginator.advance({"pageNumber": 2, "pageCount": 2, "nextUri": "/api/v2/routing/queues?pageSize=25&pageNumber=3"})
    assert paginator.finished


def test_entity_listing_without_next_uri_is_finished():
    paginator = EntityListingPaginator({"pageSize": 25, "pageNumber": 1})
    paginator.advance({"entities": [], "pageNumber": 1})
    assert paginator.finished


def test_entity_listing_detects_next_uri_pointing_back():
    paginator = EntityListingPaginator({"pageSize": 25, "pageNumber": 1})
    with pytest.raises(PaginationLoopError):
        paginator.advance({"pageNumber": 1, "pageCount": 3, "nextUri": "/api/v2/users?pageNumber=1&pageSize=25"})
