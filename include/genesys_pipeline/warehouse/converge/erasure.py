"""Erasure by complete re-extraction: a conversation its day no longer returns is deleted.

Genesys honours erasure requests by making a conversation disappear from every endpoint; there
is no deletion feed. A details job for ``[D, D+1)`` returns the conversations that overlap the
day and started on or after D's UTC day (fact sheet §11), i.e. exactly those started on D, so a
*complete* re-extraction of D tells the warehouse which of D's stored conversations
(``conversation_date = D``) still exist. Deleting on an incomplete answer would destroy good
data, so erasure needs a :class:`CompleteExtraction`, which only :meth:`CompleteExtraction.of`
builds, from a complete manifest of an unfiltered query, for whole days before the data
watermark, and only when the caller asserts it read every division. Deleted ids reach the
audit only as HMAC-SHA256 digests under a salt: the audit proves what was erased without
keeping it.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from genesys_pipeline.normalize.normalizer import format_timestamp
from genesys_pipeline.plan.window import Window, parse_instant
from genesys_pipeline.staging.area import Manifest
from genesys_pipeline.tables import EXTRACTED_AT
from genesys_pipeline.warehouse.write.merge import ConversationTables, Progress, placeholders

# Query keys that do not narrow which conversations a job returns. Anything else (filters,
# ``limit``, a key we do not know) might, so it makes the extraction unusable for erasure.
_NON_NARROWING_KEYS = frozenset({"interval", "order", "orderBy", "pageSize", "startOfDayIntervalMatching"})


class IncompleteExtractionError(ValueError):
    """The extraction cannot prove which conversations no longer exist."""


@dataclass(frozen=True)
class CompleteExtraction:
    """Whole UTC days an extraction returned completely: the only input erasure accepts."""

    days: tuple[date, ...]
    extracted_at: str  # only conversations the warehouse knows from an earlier read can be erased
    source: str  # the extraction it vouches for: see describes()
    _token: object = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self._token is not _BUILT_BY_OF:
            raise IncompleteExtractionError("build a CompleteExtraction with CompleteExtraction.of(...)")

    @classmethod
    def of(cls, manifest: Manifest, *, all_divisions_read: bool, data_available_until: datetime) -> CompleteExtraction:
        """The whole days of ``manifest``'s interval that ended by ``data_available_until``.

        ``all_divisions_read`` must be literally True: the caller checked that the client reads
        every division the erasure could touch (a scoped client silently gets a subset).
        """
        where = f"extraction {manifest.partition}/{manifest.query_hash}"
        if all_divisions_read is not True:
            raise IncompleteExtractionError(
                f"{where}: all_divisions_read must be True to erase (got {all_divisions_read!r})"
            )
        if not manifest.complete or not manifest.extracted_at:
            raise IncompleteExtractionError(f"{where} is not complete")
        narrowing = sorted(set(manifest.query) - _NON_NARROWING_KEYS)
        if narrowing:
            raise IncompleteExtractionError(
                f"{where}: query keys {narrowing} may narrow the result; allowed: {sorted(_NON_NARROWING_KEYS)}"
            )
        if "interval" not in manifest.query:
            raise IncompleteExtractionError(f"{where}: query has no interval")
        watermark = parse_instant(data_available_until, "data_available_until")
        days = tuple(day for day in whole_days(manifest.query["interval"]) if _day_end(day) <= watermark)
        if not days:
            raise IncompleteExtractionError(
                f"{where}: interval {manifest.query['interval']} holds no whole UTC day ending by the watermark"
            )
        return cls(days, format_timestamp(manifest.extracted_at), _source(manifest), _BUILT_BY_OF)

    def describes(self, manifest: Manifest) -> bool:
        """Whether this is the completeness of ``manifest`` (not of another extraction)."""
        return self.source == _source(manifest)


_BUILT_BY_OF = object()


def _source(manifest: Manifest) -> str:
    return f"{manifest.partition}/{manifest.query_hash}@{manifest.extracted_at}"


def whole_days(interval: str) -> list[date]:
    """The UTC days ``[D, D+1)`` inside a Genesys ``start/end`` interval."""
    window = Window.from_interval(interval)
    start, end = window.start, window.end
    day = start.date() if start == _midnight(start) else start.date() + timedelta(days=1)
    days = []
    while _day_end(day) <= end:
        days.append(day)
        day += timedelta(days=1)
    return days


def _midnight(moment: datetime) -> datetime:
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def _day_end(day: date) -> datetime:
    return parse_instant(day.isoformat(), "day") + timedelta(days=1)


@dataclass
class Erasure:
    """What erasure deleted: per day, how many conversations, and their ids as salted digests."""

    conversations: int = 0
    by_day: dict[str, int] = field(default_factory=dict)
    hashed_ids: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)


def salted_id(conversation_id: str, salt: str) -> str:
    """HMAC-SHA256 of an id: comparable across audits with the same salt, not reversible."""
    return hmac.new(salt.encode(), conversation_id.encode(), hashlib.sha256).hexdigest()


def stored_on_day(tables: ConversationTables, day: date, read_before: str) -> set[str]:
    """Ids of the stored conversations that started on ``day`` (UTC) and were last read from
    Genesys before ``read_before``: a later read saw them, so an earlier extraction's silence
    about them proves nothing (a replayed staged extraction)."""
    quote = tables.conn.dialect.identifier_preparer.quote_identifier
    bind = placeholders(tables.conn, 1)
    result = tables.conn.exec_driver_sql(
        f"SELECT {quote('conversation_id')} FROM {tables.target('conversations')} "
        f"WHERE {quote('conversation_date')} = {bind} AND {quote(EXTRACTED_AT)} < {bind}",
        (day.isoformat(), read_before),
    )
    return set(result.scalars())


def erase_not_returned(
    tables: ConversationTables,
    complete: CompleteExtraction,
    returned: Collection[str],
    salt: str,
    progress: Progress | None = None,
) -> Erasure:
    """Delete, from every conversation table, the conversations of ``complete.days`` that the
    extraction did not return. Runs on the caller's transaction (the load's)."""
    if not isinstance(complete, CompleteExtraction):
        raise IncompleteExtractionError(f"erasure needs a CompleteExtraction, got {type(complete).__name__}")
    if not salt:
        raise ValueError("erasure_salt: must be a non-empty string (deleted ids are kept only as salted hashes)")
    tables.locks.acquire(complete.days)  # held already by a load of these days: then a no-op
    returned_set = set(returned)
    erasure = Erasure()
    gone: set[str] = set()
    for day in complete.days:
        missing = stored_on_day(tables, day, complete.extracted_at) - returned_set
        erasure.by_day[day.isoformat()] = len(missing)
        gone |= missing
    erasure.rows = tables.delete(gone, progress or (lambda _event: None))
    erasure.conversations = len(gone)
    erasure.hashed_ids = sorted(salted_id(cid, salt) for cid in gone)
    return erasure
