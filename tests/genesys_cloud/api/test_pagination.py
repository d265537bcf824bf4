"""The paginators, including loop detection."""

from __future__ import annotations

import pytest

from genesys_cloud.api.exceptions import PaginationLoopError
from genesys_cloud.api.pagination import CursorPaginator, EntityListingPaginator


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
