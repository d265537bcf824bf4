"""Paginators for the two paging styles the pipeline uses (job cursors, entity listings), each with loop detection.

A paginator only decides what to ask for next; the hook does the calls. Handing back a page
token we already followed (same cursor, same nextUri, the same page of records again) raises
:class:`PaginationLoopError` instead of looping until the rate limit or the disk gives out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from genesys_cloud.api.exceptions import PaginationLoopError


class CursorPaginator:
    """Async job results: follow ``cursor`` until a page comes without one."""

    def __init__(self) -> None:
        self.cursor: str | None = None
        self.finished = False
        self._seen: set[str] = set()

    def advance(self, response: Mapping[str, Any]) -> None:
        cursor = response.get("cursor")
        if not cursor:
            self.finished = True
            return
        if cursor in self._seen:
            raise PaginationLoopError("job results returned a cursor that was already followed")
        self._seen.add(cursor)
        self.cursor = cursor


class EntityListingPaginator:
    """Lookup lists (users, queues, wrap-up codes): follow ``nextUri`` up to ``pageCount``."""

    def __init__(self, first_params: Mapping[str, Any]) -> None:
        self.params: dict[str, str] = {key: str(value) for key, value in first_params.items()}
        self.finished = False
        self._seen: set[tuple[tuple[str, str], ...]] = {tuple(sorted(self.params.items()))}

    def advance(self, response: Mapping[str, Any]) -> None:
        next_uri = response.get("nextUri")
        page_number, page_count = response.get("pageNumber"), response.get("pageCount")
        if not next_uri or (page_number is not None and page_count is not None and page_number >= page_count):
            self.finished = True
            return
        params = dict(parse_qsl(urlsplit(next_uri).query))
        key = tuple(sorted(params.items()))
        if key in self._seen:
            raise PaginationLoopError(f"entity listing nextUri points back to an earlier page: {next_uri}")
        self._seen.add(key)
        self.params = params
