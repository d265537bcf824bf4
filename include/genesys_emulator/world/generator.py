"""Deterministic conversation data for the emulator: the one entry point the HTTP app uses.

A conversation is addressed as (day, index) within the conversations starting that UTC day,
in start order. Everything about it is a pure function of (seed, day, index), so the emulator
can serve any page of any interval without storing records.
"""

from __future__ import annotations

import dataclasses
import threading
from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Iterator
from datetime import date, timedelta
from functools import lru_cache

import orjson

from genesys_emulator.world.conversation_ids import decode_id
from genesys_emulator.world.determinism import day_of_ms
from genesys_emulator.world.evolution import DayEvolution, EvolutionSettings, build_day_evolution, record_as_of
from genesys_emulator.world.records import ConversationAssembler, ConversationSlot
from genesys_emulator.world.reference_data import ReferenceData, build_reference_data
from genesys_emulator.world.skeleton import MAX_DURATION_MS, DaySkeleton, build_day_skeleton

ConversationKey = tuple[date, int]  # (UTC start day, index in that day's start order)
CacheKey = tuple[date, int] | tuple[date, int, int]  # plus the version of an earlier state
# Bound skeleton memory by conversations, not days: ~200 bytes each, so at most ~200 MB.
_CACHED_CONVERSATIONS = 1_000_000
# Serialized records (~4 KB each, ~80 MB by default): repeat requests decode instead of
# rebuilding (~10 us vs ~60 us). Bytes rather than dicts: they hand every caller its own dict,
# and retaining thousands of dicts slowed fresh builds by a third. A scan of more records than
# the cache holds misses every time (LRU), so benchmarks size it to the day.
DEFAULT_RECORD_CACHE_SIZE = 20_000
# Event columns of a living org's days (~80 bytes a conversation): overlap queries look back
# over a re-open's whole life, about eight days.
_CACHED_EVOLUTION_DAYS = 12


class _BytesLru:
    """A thread-safe bounded LRU of encoded records (the emulator serves from a thread pool)."""

    def __init__(self, maxsize: int) -> None:
        self._items: OrderedDict[CacheKey, bytes] = OrderedDict()
        self._maxsize = maxsize
        self._lock = threading.Lock()

    def get(self, key: CacheKey) -> bytes | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: CacheKey, value: bytes) -> None:
        with self._lock:
            self._items[key] = value
            if len(self._items) > self._maxsize:
                self._items.popitem(last=False)


class DataGenerator:
    """Seeded source of conversations and lookup entities for one emulated organisation.

    With ``evolution`` (a living org) records are built in their final state and served as
    of an instant; without it (frozen) each record is fixed when generated.
    """

    def __init__(
        self,
        seed: int = 42,
        conversations_per_day: int = 2000,
        record_cache_size: int = DEFAULT_RECORD_CACHE_SIZE,
        evolution: EvolutionSettings | None = None,
    ) -> None:
        if seed < 0 or conversations_per_day < 0:
            raise ValueError("seed and conversations_per_day must not be negative")
        self.seed = seed
        self.conversations_per_day = conversations_per_day
        self.evolution = evolution
        self._reference = build_reference_data(seed)
        self._assembler = ConversationAssembler(seed, self._reference)
        self._wrapup_code_ids = [code["id"] for code in self._reference.wrapup_codes]
        cached_days = max(4, _CACHED_CONVERSATIONS // max(conversations_per_day, 1))
        # Per-instance caches, so generators with different seeds never share entries.
        self._skeleton = lru_cache(maxsize=cached_days)(self._build_skeleton)
        self._evolution = lru_cache(maxsize=_CACHED_EVOLUTION_DAYS)(self._build_evolution)
        self._encoded = _BytesLru(record_cache_size)

    @property
    def living(self) -> bool:
        return self.evolution is not None

    def day_evolution(self, day: date) -> DayEvolution:
        """Event-time columns of ``day``'s conversations (living org only); cached."""
        return self._evolution(day)

    def _build_evolution(self, day: date) -> DayEvolution:
        assert self.evolution is not None, "a frozen org has no evolution"
        return build_day_evolution(self.seed, self.day_skeleton(day), self.evolution)

    def reference_data(self) -> ReferenceData:
        return self._reference

    def day_skeleton(self, day: date) -> DaySkeleton:
        """Start, activity end, media and id columns of the conversations starting on ``day``,
        sorted by start; cached, so treat the lists as read-only."""
        return self._skeleton(day)

    def _build_skeleton(self, day: date) -> DaySkeleton:
        return build_day_skeleton(self.seed, day, self.conversations_per_day)

    def conversation(self, day: date, index: int, as_of_ms: int | None = None) -> dict:
        """The full record (async-job shape, with participant attributes) as of ``as_of_ms``
        (living org; None = final state). Every call returns a new dict the caller may change."""
        return orjson.loads(self.conversation_json(day, index, as_of_ms))

    def conversation_json(self, day: date, index: int, as_of_ms: int | None = None) -> bytes:
        """The record as orjson bytes, cached per settled state: async result pages join these
        as they are. Records still changing at ``as_of_ms`` (in progress) are cut anew."""
        if as_of_ms is None or not self.living:
            return self._final_json(day, index)
        evolution = self.day_evolution(day)
        if as_of_ms >= evolution.settled_at[index]:
            return self._final_json(day, index)
        events = evolution.events(index)
        version = events.version(as_of_ms)
        if version == events.final_version():
            return self._final_json(day, index)
        key = (day, index, version) if version is not None else None
        encoded = self._encoded.get(key) if key else None
        if encoded is None:
            final = orjson.loads(self._final_json(day, index))
            encoded = orjson.dumps(record_as_of(final, events, as_of_ms, self._wrapup_code_ids))
            if key:
                self._encoded.put(key, encoded)
        return encoded

    def _final_json(self, day: date, index: int) -> bytes:
        encoded = self._encoded.get((day, index))
        if encoded is None:
            encoded = orjson.dumps(self._build(day, index))
            self._encoded.put((day, index), encoded)
        return encoded

    def locate(self, conversation_id: str) -> ConversationKey | None:
        """(day, index) of a conversation id this generator produced, else None; for the
        single and multi GET endpoints, which only receive ids."""
        decoded = decode_id(self.seed, conversation_id)
        if decoded is None or decoded[1] >= self.conversations_per_day:
            return None
        day, index = decoded
        return decoded if self.day_skeleton(day).ids[index] == conversation_id.lower() else None

    def _build(self, day: date, index: int) -> dict:
        if not 0 <= index < self.conversations_per_day:
            raise IndexError(f"conversation index {index} out of range for {day}")
        skeleton = self.day_skeleton(day)
        slot = ConversationSlot(
            day=day,
            index=index,
            conversation_id=skeleton.ids[index],
            start_ms=skeleton.starts_ms[index],
            activity_end_ms=skeleton.activity_ends_ms[index],
            media_type=skeleton.media_types[index],
            ongoing=skeleton.ongoing[index],
        )
        if self.living:
            events = self.day_evolution(day).events(index)
            slot = dataclasses.replace(
                slot,
                activity_end_ms=events.first_end,
                ongoing=False,
                reopen=events.reopen,
                survey_at_ms=events.survey_at,
                evaluation_at_ms=events.evaluation_at,
            )
        return self._assembler.build(slot)

    def conversations_starting(self, start_ms: int, end_ms: int) -> list[ConversationKey]:
        """(day, index) of conversations whose conversationStart is in [start_ms, end_ms)."""
        found: list[ConversationKey] = []
        for day, skeleton in self._days(start_ms, end_ms):
            first = bisect_left(skeleton.starts_ms, start_ms)
            stop = bisect_left(skeleton.starts_ms, end_ms)
            found.extend((day, index) for index in range(first, stop))
        return found

    def conversations_overlapping(self, start_ms: int, end_ms: int) -> list[ConversationKey]:
        """(day, index) of conversations whose [start, activity_end] meets [start_ms, end_ms),
        ordered by conversationStart. Only conversations that started before ``start_ms`` (at
        most MAX_DURATION_MS earlier) need their end checked."""
        found: list[ConversationKey] = []
        for day, skeleton in self._days(start_ms - MAX_DURATION_MS, end_ms):
            starts, ends = skeleton.starts_ms, skeleton.activity_ends_ms
            first = bisect_left(starts, start_ms - MAX_DURATION_MS)
            inside = bisect_left(starts, start_ms)
            stop = bisect_left(starts, end_ms)
            found.extend((day, i) for i in range(first, inside) if ends[i] >= start_ms)
            found.extend((day, i) for i in range(inside, stop))
        return found

    def _days(self, start_ms: int, end_ms: int) -> Iterator[tuple[date, DaySkeleton]]:
        """Skeletons of every UTC day that [start_ms, end_ms) touches, in order."""
        if end_ms <= start_ms:
            return
        day, last = day_of_ms(start_ms), day_of_ms(end_ms - 1)
        while day <= last:
            yield day, self.day_skeleton(day)
            day += timedelta(days=1)


def without_attributes(conversation: dict) -> dict:
    """AnalyticsConversationWithoutAttributes: the sync query and single/multi get omit
    participant data. Shallow copies only, so the cached full record stays intact."""
    if not any("attributes" in p for p in conversation["participants"]):
        return conversation
    stripped = dict(conversation)
    stripped["participants"] = [
        {k: v for k, v in p.items() if k != "attributes"} if "attributes" in p else p
        for p in conversation["participants"]
    ]
    return stripped
