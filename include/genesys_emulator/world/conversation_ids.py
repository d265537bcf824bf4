"""Conversation ids that look like random UUIDv4 but can be traced back to (day, index).

The single and multi GET endpoints receive bare ids; without this the emulator would have
to scan every day it might serve. The low 64 bits carry (day ordinal, index), masked with a
hash of the random high 64 bits and the seed, so ids still look random and differ per seed.
"""

from __future__ import annotations

import hashlib
from datetime import date

import numpy as np

_INDEX_BITS = 32
_PAYLOAD_MASK = (1 << 52) - 1  # 20 bits of day ordinal (until year 2870) + 32 bits of index
_VERSION_CLEAR, _VERSION_SET = np.uint64(~0xF000 & (2**64 - 1)), np.uint64(0x4000)
_VARIANT_CLEAR, _VARIANT_SET = np.uint64(~(0x3 << 62) & (2**64 - 1)), np.uint64(0x2 << 62)


def _seed_key(seed: int) -> np.uint64:
    digest = hashlib.blake2b(f"{seed}:conversation-ids".encode(), digest_size=8).digest()
    return np.uint64(int.from_bytes(digest))


def _mask(high: np.ndarray, seed: int) -> np.ndarray:
    """splitmix64 finaliser of (high XOR seed key): a cheap vectorised bit scrambler."""
    z = high ^ _seed_key(seed)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def encode_ids(seed: int, day: date, random_high: np.ndarray) -> list[str]:
    """UUID strings for indexes 0..n-1 of ``day``; ``random_high`` holds n random uint64."""
    high = random_high & _VERSION_CLEAR | _VERSION_SET
    payload = (np.uint64(day.toordinal()) << np.uint64(_INDEX_BITS)) | np.arange(len(high), dtype=np.uint64)
    low = (payload ^ _mask(high, seed)) & _VARIANT_CLEAR | _VARIANT_SET
    pairs = np.empty((len(high), 2), dtype=">u8")
    pairs[:, 0], pairs[:, 1] = high, low
    h = pairs.tobytes().hex()
    return [
        f"{h[o : o + 8]}-{h[o + 8 : o + 12]}-{h[o + 12 : o + 16]}-{h[o + 16 : o + 20]}-{h[o + 20 : o + 32]}"
        for o in range(0, len(h), 32)
    ]


def decode_id(seed: int, conversation_id: str) -> tuple[date, int] | None:
    """The (day, index) an id was minted for, or None if it cannot be one of ours. The caller
    must still compare against the day's real id: any UUID decodes to *some* pair."""
    try:
        bits = int(conversation_id.replace("-", ""), 16)
    except ValueError:
        return None
    if len(conversation_id) != 36 or bits >> 128:
        return None
    high = np.array([bits >> 64], dtype=np.uint64)
    payload = int((np.uint64(bits & (2**64 - 1)) ^ _mask(high, seed))[0]) & _PAYLOAD_MASK
    ordinal, index = payload >> _INDEX_BITS, payload & ((1 << _INDEX_BITS) - 1)
    if ordinal < 1:
        return None
    return date.fromordinal(ordinal), index
