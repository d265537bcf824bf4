"""Conversation id -> rank of the copy emitted, for every conversation of one extraction, compactly.

The normalizer must remember every conversation it emitted (a later page may repeat one), the
one thing in a load that grows with the day. A dict of 128-bit int keys to int ranks costs
about 128 bytes a conversation (the key object 44, the value 32, the entry and its index the
rest): 26 MB at 200,000 conversations, which was most of the peak-RSS growth from 20,000 to
200,000. Here the same pairs sit in three flat arrays of 64-bit slots, open addressing with
linear probing, at most 3/4 full: 32 to 64 bytes a conversation, and no object per entry.

Keys are uniformly distributed digests (BLAKE2b), so their low bits index the table directly.
"""

from __future__ import annotations

from array import array

_EMPTY = -1  # ranks are >= 0
_LOW = (1 << 64) - 1
_FIRST_CAPACITY = 1 << 12


class IdRanks:
    """A map of 128-bit int keys to non-negative int ranks (< 2**63): ``get`` and ``put`` only."""

    def __init__(self) -> None:
        self._size = 0
        self._allocate(_FIRST_CAPACITY)
        self._last: tuple[int, int] = (-1, 0)  # (key, slot) of the last look-up: put follows get

    def __len__(self) -> int:
        return self._size

    def get(self, key: int) -> int | None:
        slot = self._slot(key)
        rank = self._ranks[slot]
        return None if rank == _EMPTY else rank

    def put(self, key: int, rank: int) -> None:
        if rank < 0:
            raise ValueError(f"rank must be >= 0, got {rank}")
        slot = self._slot(key)
        if self._ranks[slot] == _EMPTY:
            self._high[slot], self._low[slot] = key >> 64, key & _LOW
            self._size += 1
        self._ranks[slot] = rank
        if self._size * 4 > self._mask * 3:
            self._grow()

    def _slot(self, key: int) -> int:
        """The key's slot, or the empty slot where it belongs."""
        last_key, last_slot = self._last
        if key == last_key:
            return last_slot
        high, low = key >> 64, key & _LOW
        mask, ranks, highs, lows = self._mask, self._ranks, self._high, self._low
        slot = low & mask
        while ranks[slot] != _EMPTY and (lows[slot] != low or highs[slot] != high):
            slot = (slot + 1) & mask
        self._last = (key, slot)
        return slot

    def _allocate(self, capacity: int) -> None:
        self._last = (-1, 0)
        self._mask = capacity - 1
        self._high = array("Q", bytes(8 * capacity))
        self._low = array("Q", bytes(8 * capacity))
        self._ranks = array("q", [_EMPTY]) * capacity

    def _grow(self) -> None:
        entries = zip(self._high, self._low, self._ranks, strict=True)  # the old arrays, until the loop ends
        self._allocate(2 * (self._mask + 1))
        self._size = 0
        for high, low, rank in entries:
            if rank != _EMPTY:
                self.put(high << 64 | low, rank)
