"""Splitting a window under the job results cap and stitching the pieces, deterministic cases.

The oracle for stitching is an independent model of a details job (fact sheet §4.1, §11):
conversations overlapping the interval that started on or after the UTC day of its start."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from genesys_pipeline.plan.result_cap import (
    DEFAULT_MAX_JOB_RESULTS,
    Counter,
    ResultCapError,
    Stitcher,
    hour_aligned_halves,
    hourly_counter,
    split_under_cap,
    stitch_pieces,
)
from genesys_pipeline.plan.window import Window


def uniform_counter(total: int, window: Window) -> Counter:
    """A counter spreading one predicted total evenly over ``window`` (rounded up), a test's
    stand-in for the hourly census."""
    span = (window.end - window.start).total_seconds()

    def count(piece: Window) -> int:
        share = (piece.end - piece.start).total_seconds() / span if span else 1.0
        return math.ceil(total * share)

    return count


D = datetime(2024, 5, 1, tzinfo=UTC)
DAY = Window(D, D + timedelta(days=1))


def at(hours: float) -> datetime:
    return D + timedelta(hours=hours)


def hours(counts: dict[int, int]) -> dict[datetime, int]:
    return {at(h): n for h, n in counts.items()}


def assert_tiles(pieces: list[Window], window: Window) -> None:
    assert pieces[0].start == window.start and pieces[-1].end == window.end
    assert all(a.end == b.start for a, b in zip(pieces, pieces[1:]))
    inner = [p.start for p in pieces[1:]]
    assert all(t.minute == t.second == t.microsecond == 0 for t in inner)  # hour-aligned cuts


def test_a_window_under_the_cap_stays_whole():
    assert split_under_cap(DAY, DEFAULT_MAX_JOB_RESULTS, hourly_counter(hours({h: 10_000 for h in range(24)}))) == [DAY]


def test_an_even_overflow_halves_once():
    pieces = split_under_cap(DAY, 400_000, hourly_counter(hours({h: 30_000 for h in range(24)})))
    assert pieces == [Window(D, at(12)), Window(at(12), at(24))]


def test_a_busy_hour_is_isolated_by_recursive_halving():
    counts = {h: 5_000 for h in range(24)} | {10: 350_000}
    pieces = split_under_cap(DAY, 400_000, hourly_counter(hours(counts)))
    assert pieces == [Window(D, at(6)), Window(at(6), at(12)), Window(at(12), at(24))]
    for piece in pieces:  # independent recount of each piece
        assert sum(n for h, n in counts.items() if piece.start <= at(h) < piece.end) <= 400_000


def test_down_to_single_hours():
    counts = {h: 150_000 for h in range(24)}
    pieces = split_under_cap(DAY, 200_000, hourly_counter(hours(counts)))
    assert len(pieces) == 24 and all(p.end - p.start == timedelta(hours=1) for p in pieces)
    assert_tiles(pieces, DAY)


def test_an_hour_over_the_cap_fails_naming_it_and_the_setting():
    counts = {h: 1_000 for h in range(24)} | {13: 450_000}
    with pytest.raises(
        ResultCapError, match=r"2024-05-01T13:00:00.000Z/2024-05-01T14:00:00.000Z.*genesys_max_job_results"
    ):
        split_under_cap(DAY, 400_000, hourly_counter(hours(counts)))


def test_a_cap_below_one_is_refused():
    with pytest.raises(ValueError, match="genesys_max_job_results"):
        split_under_cap(DAY, 0, uniform_counter(10, DAY))


def test_unaligned_windows_are_cut_on_hour_boundaries():
    window = Window(at(6.5), at(9.25))
    pieces = split_under_cap(window, 100, uniform_counter(250, window))
    assert_tiles(pieces, window)
    assert pieces == [Window(at(6.5), at(7)), Window(at(7), at(8)), Window(at(8), at(9)), Window(at(9), at(9.25))]


@pytest.mark.parametrize(
    "window, halves",
    [
        (Window(D, at(1)), None),
        (Window(at(0.25), at(0.75)), None),
        (Window(at(0.5), at(1.5)), (Window(at(0.5), at(1)), Window(at(1), at(1.5)))),
        (Window(D, at(3)), (Window(D, at(2)), Window(at(2), at(3)))),
    ],
)
def test_hour_aligned_halves(window, halves):
    assert hour_aligned_halves(window) == halves


def test_the_uniform_counter_rounds_up():
    count = uniform_counter(10, DAY)
    assert count(DAY) == 10 and count(Window(D, at(1))) == 1 and count(Window(D, at(12))) == 5


# --- stitching ----------------------------------------------------------------------------


def conversation(cid: str, start: float, end: float | None) -> dict:
    record = {"conversationId": cid, "conversationStart": at(start).strftime("%Y-%m-%dT%H:%M:%S.000Z")}
    if end is not None:
        record["conversationEnd"] = at(end).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return record


ORG = [
    conversation("yesterday-late", -1, 0.5),  # started the day before: no job of this day returns it
    conversation("early", 1, 1.2),
    conversation("spans-cut", 11.5, 13),
    conversation("before-window-still-on", 5, 13),
    conversation("long", 2, 23),
    conversation("ongoing", 20, None),
    conversation("late", 23.9, 24.5),
]


def job(window: Window) -> list[dict]:
    """Independent model of a details job for ``window``."""
    day_start = window.start.replace(hour=0, minute=0, second=0, microsecond=0)

    def parse(text: str | None) -> datetime | None:
        return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None

    return [
        r
        for r in ORG
        if parse(r["conversationStart"]) >= day_start
        and parse(r["conversationStart"]) < window.end
        and (parse(r.get("conversationEnd")) is None or parse(r["conversationEnd"]) > window.start)
    ]


@pytest.mark.parametrize(
    "window, cuts",
    [
        (DAY, [12]),
        (DAY, [6, 12, 18]),
        (DAY, list(range(1, 24))),
        (Window(at(6), at(18)), [12]),
        (Window(at(6), at(18)), [7, 11, 12, 13]),
    ],
)
def test_stitched_pieces_equal_the_whole_window_job_without_duplicates(window, cuts):
    bounds = [window.start, *(at(c) for c in cuts), window.end]
    pieces = [Window(a, b) for a, b in zip(bounds, bounds[1:])]
    stitcher = Stitcher(pieces)
    stitched = [r for i, piece in enumerate(pieces) for r in stitcher.keep(i, job(piece))]
    ids = [r["conversationId"] for r in stitched]
    assert len(ids) == len(set(ids))
    assert sorted(ids) == sorted(r["conversationId"] for r in job(window))


def test_a_repeated_id_is_dropped_defensively():
    pieces = [Window(D, at(12)), Window(at(12), at(24))]
    stitcher = Stitcher(pieces)
    first = stitcher.keep(0, [conversation("a", 1, 2), conversation("a", 1, 3)])
    assert [r["conversationEnd"] for r in first] == ["2024-05-01T02:00:00.000Z"]
    assert stitcher.keep(1, [conversation("b", 13, 14)]) and stitcher.dropped_repeated == 1


def test_records_without_a_start_are_passed_on_for_the_normalizer_to_reject():
    stitcher = Stitcher([DAY])
    assert stitcher.keep(0, [{"conversationId": "no-start"}, {"conversationStart": "2024-05-01T01:00:00.000Z"}])


def test_replacing_a_piece_needs_halves_that_tile_it():
    stitcher = Stitcher([DAY])
    with pytest.raises(ValueError, match="do not tile"):
        stitcher.replace(0, [Window(D, at(12)), Window(at(13), at(24))])
    stitcher.replace(0, [Window(D, at(12)), Window(at(12), at(24))])
    assert stitcher.pieces == [Window(D, at(12)), Window(at(12), at(24))]


# --- orchestration: pieces read through a capped job model ---------------------------------


class CapHit(Exception):
    """The model's "pagination may not exceed N results"."""


def capped_reader(cap: int, page_size: int = 2):
    """Reads a piece like the emulator does: pages of ``job(piece)`` up to ``cap`` results, then
    the cap error on the next page. Records which pieces were read."""
    read: list[Window] = []

    def read_piece(piece: Window):
        read.append(piece)
        records = job(piece)
        offset = 0
        while offset < len(records):
            if offset >= cap:
                raise CapHit(f"pagination may not exceed {cap} results")
            following = min(offset + page_size, cap)  # the page stops at the cap; its cursor then fails
            yield [dict(r) for r in records[offset:following]]
            offset = following

    return read_piece, read


def run_stitch(pieces, cap, **kwargs):
    read_piece, read = capped_reader(cap, **kwargs)
    written: list[dict] = []
    outcome = stitch_pieces(pieces, read_piece, written.extend, lambda error: isinstance(error, CapHit))
    return outcome, [r["conversationId"] for r in written], read


@pytest.mark.parametrize("cap", [3, 4, 100])  # 2 is infeasible: hour 11 overlaps 3
def test_pieces_read_under_a_cap_stitch_to_the_whole_window_job(cap):
    pieces = [Window(D, at(12)), Window(at(12), at(24))]
    outcome, ids, read = run_stitch(pieces, cap)
    assert len(ids) == len(set(ids))
    assert sorted(ids) == sorted(r["conversationId"] for r in job(DAY))
    assert all(len(job(piece)) <= cap for piece in outcome.pieces)  # every piece staged was read whole
    assert outcome.jobs == len(read) == len(outcome.pieces) + outcome.resplits


def test_an_underpredicted_piece_is_halved_and_its_written_records_not_repeated():
    # The day job holds 6 conversations: with cap 3 it stops after 3, which are written; [0, 12) holds 4.
    outcome, ids, read = run_stitch([DAY], cap=3, page_size=1)
    assert outcome.resplits > 0 and read[0] == DAY and read[1] == Window(D, at(12))
    assert len(ids) == len(set(ids))
    assert sorted(ids) == sorted(r["conversationId"] for r in job(DAY))
    assert outcome.dropped_repeated > 0  # the first copies came from the abandoned reads


def test_one_hour_over_the_cap_fails_naming_it():
    crowded = [Window(at(11), at(12))]  # "long", "before-window-still-on" and "spans-cut" overlap it
    with pytest.raises(ResultCapError, match=r"2024-05-01T11:00:00.000Z/2024-05-01T12:00:00.000Z"):
        run_stitch(crowded, cap=1)


def test_other_errors_are_not_split():
    def read_piece(piece):
        raise OSError("connection reset")
        yield  # a generator, like the real reader

    with pytest.raises(OSError):
        stitch_pieces([DAY], read_piece, lambda records: None, lambda error: isinstance(error, CapHit))
