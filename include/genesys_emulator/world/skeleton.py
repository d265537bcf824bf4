"""Per-day conversation skeletons: start, activity end and media type without full records.

The emulator filters, counts and pages on these cheap columns and only builds the full
records it actually serves. A day's skeleton is a pure function of (seed, day), drawn with
one vectorised numpy generator, so 100k conversations take a few tens of milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from genesys_emulator.world.conversation_ids import encode_ids
from genesys_emulator.world.determinism import MS_PER_DAY, day_start_ms

MEDIA_TYPES = ("voice", "callback", "chat", "email", "message")
_MEDIA_SHARE = np.array([0.62, 0.05, 0.10, 0.08, 0.15])
# (median seconds, log-normal sigma) of the whole conversation, per media type.
_DURATION_SHAPE = {
    "voice": (300.0, 0.8),
    "callback": (420.0, 0.8),
    "chat": (600.0, 0.7),
    "email": (1500.0, 1.0),
    "message": (900.0, 0.9),
}
MIN_DURATION_MS = 15_000
# Kept far below a day so overlap queries only ever look back one day.
MAX_DURATION_MS = 4 * 3_600_000
ONGOING_SHARE = 0.005
MIDNIGHT_SPANNING_SHARE = 0.02
# Relative traffic per UTC hour: quiet nights, a morning peak and an afternoon peak.
_HOURLY_TRAFFIC = np.array(
    [
        1,
        1,
        1,
        1,
        1,
        2,
        4,
        8,
        12,
        14,
        14,
        13,
        11,
        12,
        14,
        13,
        11,
        9,
        7,
        5,
        4,
        3,
        2,
        2,
    ],
    dtype=float,
)


@dataclass(frozen=True)
class DaySkeleton:
    """Columns for the conversations starting on ``day``, sorted by start (index order)."""

    day: date
    ids: list[str]
    starts_ms: list[int]
    activity_ends_ms: list[int]  # conversationEnd, or the last event time while ongoing
    media_types: list[str]
    ongoing: list[bool]

    def __len__(self) -> int:
        return len(self.ids)


def _durations_ms(rng: np.random.Generator, media_index: np.ndarray) -> np.ndarray:
    medians = np.array([_DURATION_SHAPE[m][0] for m in MEDIA_TYPES])[media_index]
    sigmas = np.array([_DURATION_SHAPE[m][1] for m in MEDIA_TYPES])[media_index]
    seconds = medians * np.exp(sigmas * rng.standard_normal(len(media_index)))
    return np.clip((seconds * 1000).astype(np.int64), MIN_DURATION_MS, MAX_DURATION_MS)


def _offsets_in_day_ms(rng: np.random.Generator, count: int) -> np.ndarray:
    hours = rng.choice(24, size=count, p=_HOURLY_TRAFFIC / _HOURLY_TRAFFIC.sum())
    return hours * 3_600_000 + rng.integers(0, 3_600_000, size=count)


def build_day_skeleton(seed: int, day: date, count: int) -> DaySkeleton:
    """Draw ``count`` conversations for ``day``; a few deliberately straddle the next midnight."""
    rng = np.random.default_rng([seed, day.toordinal()])
    media_index = rng.choice(len(MEDIA_TYPES), size=count, p=_MEDIA_SHARE)
    durations = _durations_ms(rng, media_index)
    offsets = _offsets_in_day_ms(rng, count)
    spans_midnight = rng.random(count) < MIDNIGHT_SPANNING_SHARE
    # Start before midnight by 5-95 % of the duration, so the end lands on the next day.
    before_midnight = (durations * rng.uniform(0.05, 0.95, size=count)).astype(np.int64)
    offsets = np.where(spans_midnight, MS_PER_DAY - np.maximum(before_midnight, 1), offsets)
    ongoing = rng.random(count) < ONGOING_SHARE

    order = np.argsort(offsets, kind="stable")
    starts = day_start_ms(day) + offsets[order]
    random_high = rng.integers(0, np.iinfo(np.uint64).max, size=count, dtype=np.uint64, endpoint=True)
    return DaySkeleton(
        day=day,
        ids=encode_ids(seed, day, random_high),
        starts_ms=starts.tolist(),
        activity_ends_ms=(starts + durations[order]).tolist(),
        media_types=[MEDIA_TYPES[i] for i in media_index[order].tolist()],
        ongoing=ongoing[order].tolist(),
    )
