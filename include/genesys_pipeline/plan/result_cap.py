"""Keeping a details job under the results cap: split the window into hour-aligned pieces, then
stitch their results back into exactly what one job for the whole window would have returned.

Job results stop being pageable past a cap ("pagination may not exceed 400000 results", fact
sheet §11; setting ``genesys_max_job_results``). When the aggregates predict more than that for
a window, or the results call answers the cap error, the extraction runs one job per piece:
:func:`split_under_cap` halves the window at hour boundaries until every piece is predicted to
fit, down to one hour, and fails naming the hour when even that is too much.

A job returns the conversations that *overlap* its interval (started on or after the start's
UTC day), so a conversation running from 03:10 to 05:00 comes back from the 03:00, 04:00 and
05:00 pieces. :class:`Stitcher` keeps each conversation only from the piece it started in (the
first piece also owns what started before the window, as the whole-window job would return
it) and drops any repeated id defensively.

:func:`stitch_pieces` runs the pieces in order through one stitcher. The aggregates behind the
prediction count by metric emit time, not by the overlap a job serves, so a piece can still hit
the cap: that piece is halved in place and read again, its already-written records then being
repeats the stitcher drops. The result is exactly the whole-window job's set of conversations.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any

from genesys_pipeline.plan.window import Window

HOUR = timedelta(hours=1)
DEFAULT_MAX_JOB_RESULTS = 400_000

Counter = Callable[[Window], int]


class ResultCapError(RuntimeError):
    """One hour of data is predicted to exceed the results cap: no split can help."""


def _hour_floor(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def hour_aligned_halves(window: Window) -> tuple[Window, Window] | None:
    """``window`` cut at the hour boundary nearest its middle; None when no hour boundary lies
    strictly inside it (it is one hour or less)."""
    first_inside = _hour_floor(window.start) + HOUR
    last_inside = _hour_floor(window.end - timedelta(microseconds=1))
    if first_inside > last_inside:
        return None
    middle = window.start + (window.end - window.start) / 2
    cut = min(max(_hour_floor(middle + HOUR / 2), first_inside), last_inside)  # nearest boundary
    return Window(window.start, cut), Window(cut, window.end)


def split_under_cap(window: Window, cap: int, count: Counter) -> list[Window]:
    """Pieces of ``window``, in order, each predicted by ``count`` to return at most ``cap``."""
    if cap < 1:
        raise ValueError(f"genesys_max_job_results: must be >= 1, got {cap}")
    pieces: list[Window] = []
    pending = [window]
    while pending:  # depth-first, left to right; ends: every split shortens a piece by an hour or more
        piece = pending.pop()
        predicted = count(piece)
        if predicted <= cap:
            pieces.append(piece)
            continue
        halves = hour_aligned_halves(piece)
        if halves is None:
            raise ResultCapError(
                f"{piece.interval} is predicted to return {predicted} conversations, over "
                f"genesys_max_job_results ({cap}), and one hour cannot be split further; raise the setting "
                "if the org's cap is higher"
            )
        pending.extend(reversed(halves))
    return pieces


def hourly_counter(counts: Mapping[datetime, int]) -> Counter:
    """A counter from per-hour counts (aggregates with ``granularity=PT1H``, keyed by hour start):
    a piece's prediction is the sum of the hours it touches, a conservative over-estimate."""
    by_hour = {_hour_floor(hour): n for hour, n in counts.items()}

    def count(piece: Window) -> int:
        hour, total = _hour_floor(piece.start), 0
        while hour < piece.end:
            total += by_hour.get(hour, 0)
            hour += HOUR
        return total

    return count


class Stitcher:
    """Joins the results of consecutive pieces of one window without duplicates."""

    def __init__(self, pieces: Sequence[Window]) -> None:
        if not pieces:
            raise ValueError("nothing to stitch: no pieces")
        self.pieces = list(pieces)
        self._seen: set[str] = set()
        self.dropped_other_piece = 0
        self.dropped_repeated = 0

    def replace(self, piece_index: int, halves: Sequence[Window]) -> None:
        """Piece ``piece_index`` becomes ``halves`` (which tile it): ownership of everything
        else is unchanged, and the first half inherits what started before the window."""
        piece = self.pieces[piece_index]
        contiguous = all(a.end == b.start for a, b in pairwise(halves))
        if not halves or halves[0].start != piece.start or halves[-1].end != piece.end or not contiguous:
            raise ValueError(f"{[h.interval for h in halves]} do not tile {piece.interval}")
        self.pieces[piece_index : piece_index + 1] = list(halves)

    def keep(self, piece_index: int, records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        """The records of one page of piece ``piece_index`` that belong to it, first copy only."""
        piece = self.pieces[piece_index]
        owns_earlier = piece_index == 0
        kept = []
        for record in records:
            start = _start_of(record)
            if start is not None and (start >= piece.end or (start < piece.start and not owns_earlier)):
                self.dropped_other_piece += 1
                continue
            cid = record.get("conversationId")
            if isinstance(cid, str):
                if cid in self._seen:
                    self.dropped_repeated += 1
                    continue
                self._seen.add(cid)
            kept.append(record)  # records without an id or start go on to the normalizer's rejects
        return kept


def _start_of(record: dict[str, Any]) -> datetime | None:
    value = record.get("conversationStart")
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else None


PieceReader = Callable[[Window], Iterator[list[dict[str, Any]]]]


@dataclass(frozen=True)
class StitchedExtraction:
    pieces: list[Window]  # the pieces whose results make up the extraction, in order
    jobs: int  # piece jobs read, including those abandoned at the cap and split again
    resplits: int
    dropped_other_piece: int
    dropped_repeated: int


def stitch_pieces(
    pieces: Sequence[Window],
    read_piece: PieceReader,
    write: Callable[[list[dict[str, Any]]], None],
    is_cap_error: Callable[[BaseException], bool],
) -> StitchedExtraction:
    """Read each piece's result pages (``read_piece``: one job, its pages' records), pass what
    the piece owns to ``write``; a piece that answers the cap error is halved and read again."""
    stitcher = Stitcher(pieces)
    index = jobs = resplits = 0
    while index < len(stitcher.pieces):
        piece = stitcher.pieces[index]
        jobs += 1
        try:
            for records in read_piece(piece):
                kept = stitcher.keep(index, records)
                if kept:
                    write(kept)
        except Exception as error:
            if not is_cap_error(error):
                raise
            halves = hour_aligned_halves(piece)
            if halves is None:
                raise ResultCapError(
                    f"{piece.interval} alone returns more conversations than the job results cap, and one "
                    "hour cannot be split further"
                ) from error
            stitcher.replace(index, halves)
            resplits += 1
            continue
        index += 1
    return StitchedExtraction(stitcher.pieces, jobs, resplits, stitcher.dropped_other_piece, stitcher.dropped_repeated)
