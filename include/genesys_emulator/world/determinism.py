"""Deterministic building blocks for generated data: ids, per-record RNGs and wire timestamps.

Every random choice the generator makes is keyed by a string such as ``"42:2024-05-01:17"``
so a record never depends on what was generated before it or in which order.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable
from datetime import date
from functools import lru_cache

MS_PER_DAY = 86_400_000
IdSource = Callable[[], str]  # mints the next id of the record being built
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def stable_uuid(key: str) -> str:
    """A version-4-shaped UUID string that is a pure function of ``key``."""
    return uuid_from_int(int.from_bytes(hashlib.blake2b(key.encode(), digest_size=16).digest()))


_VERSION_MASK = ~(0xF << 76 | 0x3 << 62)
_VERSION_BITS = 0x4 << 76 | 0x2 << 62


def uuid_from_int(bits128: int) -> str:
    """Format 128 random bits as a UUID with version 4 and RFC 4122 variant bits set."""
    h = (bits128 & _VERSION_MASK | _VERSION_BITS).to_bytes(16).hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def keyed_rng(key: str) -> random.Random:
    """A private RNG for one record, so records are independent of generation order."""
    return random.Random(key)


def day_start_ms(day: date) -> int:
    """Epoch milliseconds of 00:00:00.000 UTC on ``day``."""
    return (day.toordinal() - _EPOCH_ORDINAL) * MS_PER_DAY


def day_of_ms(epoch_ms: int) -> date:
    """The UTC calendar day containing ``epoch_ms``."""
    return date.fromordinal(epoch_ms // MS_PER_DAY + _EPOCH_ORDINAL)


@lru_cache(maxsize=4096)
def _date_prefix(day_number: int) -> str:
    return date.fromordinal(day_number + _EPOCH_ORDINAL).isoformat() + "T"


@lru_cache(maxsize=1 << 16)
def _minute_prefix(minute_number: int) -> str:
    day_number, minute_of_day = divmod(minute_number, 1440)
    return f"{_date_prefix(day_number)}{minute_of_day // 60:02d}:{minute_of_day % 60:02d}:"


# "SS.mmmZ" for every millisecond of a minute (60k short strings, ~4 MB, built once).
_SECOND_SUFFIX = tuple(f"{ms // 1000:02d}.{ms % 1000:03d}Z" for ms in range(60_000))


@lru_cache(maxsize=256)
def iso_ms(epoch_ms: int) -> str:
    """Genesys wire format ``2024-05-01T10:00:00.000Z``. Table-driven and memoised because
    records hold dozens of timestamps (each phase boundary is a segment end, the next
    segment's start and a metric's emitDate) and formatting dominated generation time."""
    minute_number, ms_of_minute = divmod(epoch_ms, 60_000)
    return _minute_prefix(minute_number) + _SECOND_SUFFIX[ms_of_minute]
