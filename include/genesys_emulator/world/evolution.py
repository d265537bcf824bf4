"""How a conversation changes after it is first seen: a few event times per conversation.

A living org's record is a pure function of (seed, conversation, org time). Each day gets
numpy columns of event times drawn once (when a long-running conversation ends, when an
email/message thread re-opens and ends again, when its survey and evaluation arrive, when
its wrap-up code is corrected, when it is erased); the record generator builds the *final*
record, and ``record_as_of`` cuts it back to what existed at an instant. So evolving costs
a few comparisons per served record, never a regeneration. ``0`` in a column means "never".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from genesys_emulator.world.determinism import iso_ms
from genesys_emulator.world.skeleton import MAX_DURATION_MS, DaySkeleton

HOUR_S = 3600
DAY_S = 86400
NEVER = 0
OPEN = np.iinfo(np.int64).max  # end of a conversation still open at the instant


@dataclass(frozen=True)
class EvolutionSettings:
    """Shares and delays of late changes (no public figures exist: plausible defaults)."""

    # Conversations the skeleton marks ongoing end this long after their last event.
    ongoing_end_seconds_min: int = 2 * HOUR_S
    ongoing_end_seconds_max: int = 3 * DAY_S
    # Of answered conversations: surveys come back within hours to days; evaluations take
    # days to ~2 weeks.
    survey_share: float = 0.05
    evaluation_share: float = 0.03
    survey_delay_seconds_min: int = HOUR_S
    survey_delay_seconds_max: int = 3 * DAY_S
    evaluation_delay_seconds_min: int = 6 * HOUR_S
    evaluation_delay_seconds_max: int = 14 * DAY_S
    wrapup_correction_share: float = 0.02
    wrapup_correction_delay_seconds_max: int = 3 * DAY_S
    reopen_share: float = 0.06  # of email and message conversations
    reopen_delay_seconds_min: int = DAY_S
    reopen_delay_seconds_max: int = 7 * DAY_S
    erasure_share: float = 0.002
    erasure_delay_seconds_min: int = DAY_S
    erasure_delay_seconds_max: int = 10 * DAY_S

    def __post_init__(self) -> None:
        for name in ("survey_share", "evaluation_share", "wrapup_correction_share", "reopen_share", "erasure_share"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"evolution.{name} must be within 0..1")
        for kind in ("ongoing_end", "survey_delay", "evaluation_delay", "reopen_delay", "erasure_delay"):
            low, high = getattr(self, f"{kind}_seconds_min"), getattr(self, f"{kind}_seconds_max")
            if not 0 < low <= high:
                raise ValueError(f"evolution.{kind}_seconds_min must be > 0 and <= ..._max")

    @property
    def longest_life_ms(self) -> int:
        """Upper bound of start-to-final-end: how far back an overlap query must look."""
        reopened = MAX_DURATION_MS + self.reopen_delay_seconds_max * 1000 + MAX_DURATION_MS
        ongoing = MAX_DURATION_MS + self.ongoing_end_seconds_max * 1000
        return max(reopened, ongoing)


@dataclass(frozen=True)
class DayEvolution:
    """Event-time columns (epoch ms, ``NEVER`` = 0) for one day's conversations, index order."""

    starts: np.ndarray
    first_end: np.ndarray  # conversationEnd before any re-open
    reopen_start: np.ndarray
    reopen_end: np.ndarray
    survey_at: np.ndarray
    evaluation_at: np.ndarray
    wrapup_fixed_at: np.ndarray
    erased_at: np.ndarray
    long_lived: np.ndarray  # indices whose final end is more than MAX_DURATION_MS after start
    settled_at: list[int]  # from then on the record is final: the serving fast path
    rows: list[tuple[int, ...]]  # the event columns per conversation as Python ints (serving)

    def events(self, index: int) -> ConversationEvents:
        return ConversationEvents(*self.rows[index])

    def ends_as_of(self, as_of_ms: int, rows: np.ndarray) -> np.ndarray:
        """conversationEnd at ``as_of_ms`` of the conversations ``rows``; ``OPEN`` while open."""
        first, again, again_end = self.first_end[rows], self.reopen_start[rows], self.reopen_end[rows]
        ended = np.where(as_of_ms >= first, first, OPEN)
        second = np.where(as_of_ms >= again_end, again_end, OPEN)
        return np.where((again != NEVER) & (as_of_ms >= again), second, ended)

    def existing(self, as_of_ms: int, rows: np.ndarray) -> np.ndarray:
        """Which of ``rows`` had started by ``as_of_ms`` and were not erased by then."""
        erased_at = self.erased_at[rows]
        return (self.starts[rows] <= as_of_ms) & ~((erased_at != NEVER) & (as_of_ms >= erased_at))


def _log_uniform_ms(rng: np.random.Generator, low_s: int, high_s: int, count: int) -> np.ndarray:
    return (np.exp(rng.uniform(np.log(low_s), np.log(high_s), size=count)) * 1000).astype(np.int64)


def build_day_evolution(seed: int, skeleton: DaySkeleton, settings: EvolutionSettings) -> DayEvolution:
    """Draw every late event of a day's conversations; a stream apart from the skeleton's,
    so the frozen org's records stay byte-identical."""
    count = len(skeleton)
    rng = np.random.default_rng([seed, skeleton.day.toordinal(), 0xE701])
    starts = np.asarray(skeleton.starts_ms, dtype=np.int64)
    ends = np.asarray(skeleton.activity_ends_ms, dtype=np.int64)
    ongoing = np.asarray(skeleton.ongoing, dtype=bool)
    media = np.asarray(skeleton.media_types)
    s = settings
    later = rng.integers(s.ongoing_end_seconds_min * 1000, s.ongoing_end_seconds_max * 1000 + 1, size=count)
    first_end = np.where(ongoing, ends + later, ends)

    threads = (media == "email") | (media == "message")
    reopens = threads & (rng.random(count) < s.reopen_share)
    reopen_delay = rng.integers(s.reopen_delay_seconds_min * 1000, s.reopen_delay_seconds_max * 1000 + 1, size=count)
    reopen_length = rng.integers(5 * 60_000, 2 * 3_600_000, size=count)
    reopen_start = np.where(reopens, first_end + reopen_delay, NEVER)
    reopen_end = np.where(reopens, reopen_start + reopen_length, NEVER)
    final_end = np.where(reopens, reopen_end, first_end)

    surveyed = rng.random(count) < s.survey_share
    survey_at = np.where(
        surveyed, first_end + _log_uniform_ms(rng, s.survey_delay_seconds_min, s.survey_delay_seconds_max, count), NEVER
    )
    evaluated = rng.random(count) < s.evaluation_share
    evaluation_at = np.where(
        evaluated,
        first_end + _log_uniform_ms(rng, s.evaluation_delay_seconds_min, s.evaluation_delay_seconds_max, count),
        NEVER,
    )
    fixes = rng.random(count) < s.wrapup_correction_share
    fix_delay = rng.integers(60_000, s.wrapup_correction_delay_seconds_max * 1000 + 1, size=count)
    wrapup_fixed_at = np.where(fixes, first_end + fix_delay, NEVER)
    erasures = rng.random(count) < s.erasure_share
    erase_delay = rng.integers(s.erasure_delay_seconds_min * 1000, s.erasure_delay_seconds_max * 1000 + 1, size=count)
    erased_at = np.where(erasures, final_end + erase_delay, NEVER)
    return DayEvolution(
        starts=starts,
        first_end=first_end,
        reopen_start=reopen_start,
        reopen_end=reopen_end,
        survey_at=survey_at,
        evaluation_at=evaluation_at,
        wrapup_fixed_at=wrapup_fixed_at,
        erased_at=erased_at,
        long_lived=np.flatnonzero(final_end - starts > MAX_DURATION_MS),
        settled_at=np.maximum.reduce([final_end, survey_at, evaluation_at, wrapup_fixed_at]).tolist(),
        rows=list(
            zip(
                *(
                    c.tolist()
                    for c in (first_end, reopen_start, reopen_end, survey_at, evaluation_at, wrapup_fixed_at, erased_at)
                ),
                strict=True,
            )
        ),
    )


@dataclass(frozen=True)
class ConversationEvents:
    """One conversation's event times (epoch ms, ``NEVER`` = 0)."""

    first_end: int
    reopen_start: int
    reopen_end: int
    survey_at: int
    evaluation_at: int
    wrapup_fixed_at: int
    erased_at: int

    @property
    def final_end(self) -> int:
        return self.reopen_end or self.first_end

    @property
    def reopen(self) -> tuple[int, int] | None:
        return (self.reopen_start, self.reopen_end) if self.reopen_start else None

    def end_as_of(self, as_of_ms: int) -> int | None:
        if self.reopen_start and as_of_ms >= self.reopen_start:
            return self.reopen_end if as_of_ms >= self.reopen_end else None
        return self.first_end if as_of_ms >= self.first_end else None

    def version(self, as_of_ms: int) -> int | None:
        """Which settled state the record is in at ``as_of_ms`` (the number of events passed),
        or None while it is in progress and changes continuously (never cached)."""
        if self.end_as_of(as_of_ms) is None:
            return None
        times = (
            self.first_end,
            self.reopen_start,
            self.reopen_end,
            self.survey_at,
            self.evaluation_at,
            self.wrapup_fixed_at,
        )
        return sum(1 for t in times if t and t <= as_of_ms)

    def final_version(self) -> int:
        version = self.version(max(self.final_end, self.survey_at, self.evaluation_at, self.wrapup_fixed_at))
        assert version is not None  # by its final end every conversation has ended
        return version


_OPEN_SEGMENT_DROPS = ("segmentEnd", "disconnectType", "wrapUpCode", "wrapUpNote")


def _session_as_of(session: dict, cutoff: str) -> dict | None:
    """The session with only what had happened by ``cutoff`` (ISO text compares exactly)."""
    segments = []
    for segment in session["segments"]:
        if segment["segmentStart"] > cutoff:
            continue
        if segment.get("segmentEnd", "") > cutoff:
            segment = {k: v for k, v in segment.items() if k not in _OPEN_SEGMENT_DROPS}
        segments.append(segment)
    if not segments:
        return None
    cut = dict(session, segments=segments)
    for name, stamp in (("metrics", "emitDate"), ("mediaEndpointStats", "eventTime")):
        if name in cut:
            kept = [item for item in cut[name] if item.get(stamp, "") <= cutoff]
            if kept:
                cut[name] = kept
            else:
                del cut[name]
    return cut


def _original_wrapup(record: dict, wrapup_code_ids: list[str]) -> None:
    """Before the correction, the last wrap-up carried the code next to the corrected one."""
    for participant in reversed(record["participants"]):
        for session in participant["sessions"]:
            for segment in session["segments"]:
                code = segment.get("wrapUpCode")
                if code in wrapup_code_ids:
                    original = wrapup_code_ids[(wrapup_code_ids.index(code) + 1) % len(wrapup_code_ids)]
                    segment["wrapUpCode"] = original
                    return


def record_as_of(final: dict, events: ConversationEvents, as_of_ms: int, wrapup_code_ids: list[str]) -> dict:
    """The record as the org had it at ``as_of_ms``, cut from the final record (a new dict;
    ``final`` is not changed)."""
    record = dict(final)
    end = events.end_as_of(as_of_ms)
    if end is None:
        for name in ("conversationEnd", "mediaStatsMinConversationMos", "mediaStatsMinConversationRFactor"):
            record.pop(name, None)
    else:
        record["conversationEnd"] = iso_ms(end)
    if as_of_ms < events.survey_at:
        record.pop("surveys", None)
    if as_of_ms < events.evaluation_at:
        record.pop("evaluations", None)
    if as_of_ms < events.final_end:
        cutoff = iso_ms(as_of_ms)
        participants = []
        for participant in final["participants"]:
            sessions = [s for s in (_session_as_of(s, cutoff) for s in participant["sessions"]) if s]
            if sessions:
                participants.append(dict(participant, sessions=sessions))
        record["participants"] = participants
    if events.wrapup_fixed_at and as_of_ms < events.wrapup_fixed_at:
        record["participants"] = [
            dict(p, sessions=[dict(s, segments=[dict(g) for g in s["segments"]]) for s in p["sessions"]])
            for p in record["participants"]
        ]
        _original_wrapup(record, wrapup_code_ids)
    return record
