"""What the emulated org "has": generated conversations seen through availability rules.

One place decides which conversations a details endpoint or the ground truth may see
(interval semantics, the availability watermark, scripted hiding), so the control plane's
ground truth and the API can never disagree by accident. Result pages join the
generator's cached, pre-serialized records; a background thread warms the next page.
"""

from __future__ import annotations

import hashlib
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from functools import cached_property

import numpy as np
import orjson

from genesys_emulator.world.agent_timeline import AgentActivity
from genesys_emulator.world.determinism import day_of_ms
from genesys_emulator.world.evolution import EvolutionSettings
from genesys_emulator.world.generator import DEFAULT_RECORD_CACHE_SIZE, DataGenerator, without_attributes
from genesys_emulator.world.skeleton import MAX_DURATION_MS

ConversationKey = tuple[date, int]


class Dataset:
    """Generated conversations plus the rules for which of them an endpoint may serve."""

    def __init__(
        self,
        seed: int,
        conversations_per_day: int,
        record_cache_size: int = DEFAULT_RECORD_CACHE_SIZE,
        evolution: EvolutionSettings | None = None,
    ) -> None:
        """``evolution`` None is a frozen org; otherwise records change with the org clock and
        every ``as_of_ms`` below is the org instant whose state is served."""
        self.seed = seed
        self.conversations_per_day = conversations_per_day
        self.record_cache_size = record_cache_size
        self.evolution = evolution
        self.generator = DataGenerator(seed, conversations_per_day, record_cache_size, evolution)
        self._prefetcher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="emulator-prefetch")
        self._prefetching = threading.Event()

    @property
    def living(self) -> bool:
        return self.evolution is not None

    @cached_property
    def agent_activity(self) -> AgentActivity:
        """Every user's presence and routing-status timelines, from these conversations."""
        return AgentActivity(self.generator)

    def _skeleton(self, day: date):
        return self.generator.day_skeleton(day)

    def start_ms(self, key: ConversationKey) -> int:
        return self._skeleton(key[0]).starts_ms[key[1]]

    def activity_end_ms(self, key: ConversationKey) -> int:
        return self._skeleton(key[0]).activity_ends_ms[key[1]]

    def end_sort_key(self, key: ConversationKey, as_of_ms: int) -> float:
        """Order by conversationEnd at an org instant, open conversations last (frozen: the
        recorded activity end)."""
        if not self.living:
            return self.activity_end_ms(key)
        end = self.generator.day_evolution(key[0]).events(key[1]).end_as_of(as_of_ms)
        return float("inf") if end is None else end

    def division_ids(self, key: ConversationKey) -> list[str]:
        """A conversation's divisionIds (fixed at its start, so any state's record will do)."""
        return orjson.loads(self.record_bytes(key))["divisionIds"]

    def exists_as_of(self, key: ConversationKey, as_of_ms: int) -> bool:
        """Living org: started by then and not erased; frozen: activity ended by then."""
        if not self.living:
            return self.activity_end_ms(key) <= as_of_ms
        rows = np.array([key[1]])
        return bool(self.generator.day_evolution(key[0]).existing(as_of_ms, rows)[0])

    def conversation_id(self, key: ConversationKey) -> str:
        return self._skeleton(key[0]).ids[key[1]]

    def record(self, key: ConversationKey, as_of_ms: int | None = None) -> dict:
        """The full record, WITH participant attributes (async results' shape)."""
        return self.generator.conversation(*key, as_of_ms)

    def record_without_attributes(self, key: ConversationKey, as_of_ms: int | None = None) -> dict:
        """The sync/multi-get shape: participants carry no ``attributes`` map."""
        return without_attributes(self.record(key, as_of_ms))

    def record_bytes(self, key: ConversationKey, as_of_ms: int | None = None) -> bytes:
        """Pre-serialized full record, joined as-is into async result pages."""
        return self.generator.conversation_json(*key, as_of_ms)

    def prefetch(self, keys: list[ConversationKey], as_of_ms: int | None = None) -> None:
        """Serialize ``keys`` on a background thread while the client digests the current page,
        so the next page comes from cache. Records are pure, so a race only costs duplicate
        work; at most one batch runs at a time so a slow client cannot pile up work."""
        if keys and not self._prefetching.is_set():
            self._prefetching.set()
            self._prefetcher.submit(self._warm, list(keys), as_of_ms)

    def warm(self, keys: list[ConversationKey], as_of_ms: int | None = None) -> None:
        """Serialize ``keys`` now, so later requests for them are served from the cache."""
        for key in keys:
            self.record_bytes(key, as_of_ms)

    def _warm(self, keys: list[ConversationKey], as_of_ms: int | None) -> None:
        try:
            self.warm(keys, as_of_ms)
        finally:
            self._prefetching.clear()

    def matching(
        self, start_ms: int, end_ms: int, *, semantics: str, available_until_ms: int, hide: int = 0
    ) -> list[ConversationKey]:
        """Conversations an endpoint may serve for an interval, in conversationStart order.

        ``semantics`` is "overlap" (activity during the interval, async jobs) or "start"
        (conversationStart inside it, sync default). Frozen org: only conversations whose
        recorded activity ended by ``available_until_ms`` are served. Living org: the state
        at org instant ``available_until_ms``: every conversation started by then and not
        erased, open ones included (an open conversation overlaps everything after its
        start). ``hide`` drops that many more, chosen deterministically, to simulate data
        the API silently loses.
        """
        if self.living:
            visible = self._living_matching(start_ms, end_ms, semantics, available_until_ms)
        else:
            if semantics == "overlap":
                keys = self.generator.conversations_overlapping(start_ms, end_ms)
            else:
                keys = self.generator.conversations_starting(start_ms, end_ms)
            visible = [k for k in keys if self.activity_end_ms(k) <= available_until_ms]
        if hide <= 0 or not visible:
            return visible
        hidden = set(sorted(visible, key=self._hide_rank)[:hide])
        return [k for k in visible if k not in hidden]

    def _living_matching(self, start_ms: int, end_ms: int, semantics: str, as_of_ms: int) -> list[ConversationKey]:
        """Vectorised per day: candidates by start, then existence and end as of the instant.
        Conversations that started long before the interval are only the day's long-lived
        ones (ongoing or re-opened), so the look-back costs little."""
        assert self.evolution is not None
        overlap = semantics == "overlap"
        first_day = day_of_ms(start_ms - self.evolution.longest_life_ms if overlap else start_ms)
        last_day = day_of_ms(min(end_ms, as_of_ms + 1) - 1) if end_ms > start_ms else first_day
        found: list[ConversationKey] = []
        day = first_day
        while day <= last_day:
            evolution = self.generator.day_evolution(day)
            starts = evolution.starts
            stop = int(np.searchsorted(starts, end_ms, side="left"))
            if overlap:
                short = int(np.searchsorted(starts, start_ms - MAX_DURATION_MS, side="left"))
                long_lived = evolution.long_lived
                rows = np.concatenate([long_lived[long_lived < short], np.arange(short, stop)])
            else:
                rows = np.arange(int(np.searchsorted(starts, start_ms, side="left")), stop)
            keep = evolution.existing(as_of_ms, rows)
            if overlap:
                ends = evolution.ends_as_of(as_of_ms, rows)
                keep &= ends >= start_ms  # OPEN is the largest instant
            found.extend((day, i) for i in rows[keep].tolist())
            day += timedelta(days=1)
        return found

    def _hide_rank(self, key: ConversationKey) -> bytes:
        return hashlib.blake2b(f"{self.seed}:hide:{self.conversation_id(key)}".encode(), digest_size=8).digest()

    def locate(self, conversation_id: str) -> ConversationKey | None:
        """(day, index) of a conversation id: ids encode them, so no scan is needed."""
        return self.generator.locate(conversation_id)
