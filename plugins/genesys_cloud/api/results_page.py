"""What cursor paging needs from a details-job results page, read without building Python objects.

A results page holds up to 1,000 conversations (about 4 MB of JSON) and goes to staging byte
for byte; paging needs only its cursor and conversation count. ``orjson.loads`` would build and
then free about 14 MB of Python objects per page (75 ms, two thirds of the extract's CPU).
simdjson parses into its own buffer: it still validates the whole document, UTF-8 included,
so a cut-off or corrupt body is caught here and retried, and reads the fields in about 4 ms.

What simdjson cannot hold (an integer of 2^64 or more, nesting past 1,024 levels) it refuses with
a ``ValueError`` or a ``RuntimeError``; such a page is read again with orjson (which the
normalizer uses: a huge integer becomes a float, and value_fit quarantines its record), so
the outcome never depends on which parser met it first, and what neither can read is one
``ValueError`` (retried like a cut-off body). A page holding its records key twice is refused
outright (:class:`AmbiguousPageError`, not retried): paging would count one list and the
load (orjson keeps the last) use the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import orjson
import simdjson

from genesys_cloud.api.exceptions import GenesysError


class AmbiguousPageError(GenesysError):
    """A results page holds its records key more than once; retrying gets the same page."""


@dataclass(frozen=True)
class ResultsPageSummary:
    conversations: int
    cursor: str | None
    data_availability_date: str | None


EMPTY_PAGE = ResultsPageSummary(0, None, None)


def scan_results_page(content: bytes, records_key: str = "conversations") -> ResultsPageSummary:
    """Validate a results page and read its paging fields; ``ValueError`` if it is not a JSON object.
    ``records_key``: where the page holds its records (``userDetails`` for users details jobs);
    their count is reported as ``conversations`` whatever the dataset."""
    try:
        document: Any = simdjson.Parser().parse(content)  # a fresh parser: no proxy outlives this call
    except (ValueError, RuntimeError):
        document = orjson.loads(content)  # a ValueError here too: the page is unreadable
        if not isinstance(document, dict):
            raise ValueError(f"a results page must be a JSON object, got {type(document).__name__}") from None
        records = document.get(records_key)
        return _summary(document, records if isinstance(records, list) else None)
    if not isinstance(document, simdjson.Object):
        raise ValueError(f"a results page must be a JSON object, got {type(document).__name__}")
    if sum(key == records_key for key in document) > 1:  # iterating an Object yields every key, duplicates too
        raise AmbiguousPageError(f"a results page holds {records_key!r} more than once")
    conversations = document.get(records_key)
    return _summary(document, conversations if isinstance(conversations, simdjson.Array) else None)


def _summary(document: Any, records: Any) -> ResultsPageSummary:
    """The paging fields of a parsed page (a simdjson Object or a dict); ``records`` its records list, if any."""
    return ResultsPageSummary(
        conversations=len(records) if records is not None else 0,
        # strings on the wire (simdjson types a value by what it parsed; passed on as it is)
        cursor=cast("str | None", document.get("cursor")),
        data_availability_date=cast("str | None", document.get("dataAvailabilityDate")),
    )
