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
from datetime import date

from .generator import DEFAULT_RECORD_CACHE_SIZE, DataGenerator, without_attributes

ConversationKey = tuple[date, int]


class Dataset:
    """Generated conversations plus the rules for which of them an endpoint may serve."""

    def __init__(self, seed: int, conversations_per_day: int, record_cache_size: int = DEFAULT_RECORD_CACHE_SIZE) -> None:
        self.seed = seed
        self.conversations_per_day = conversations_per_day
        self.record_cache_size = record_cache_size
        self.generator = DataGenerator(seed, conversations_per_day, record_cache_size)
        self._prefetcher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="emulator-prefetch")
        self._prefetching = threading.Event()

    def _skeleton(self, day: date):
        return self.generator.day_skeleton(day)

    def start_ms(self, key: ConversationKey) -> int:
        return self._skeleton(key[0]).starts_ms[key[1]]

    def activity_end_ms(self, key: ConversationKey) -> int:
        return self._skeleton(key[0]).activity_ends_ms[key[1]]

    def conversation_id(self, key: ConversationKey) -> str:
        return self._skeleton(key[0]).ids[key[1]]

    def record(self, key: ConversationKey) -> dict:
        """The full record, WITH participant attributes (async results' shape)."""
        return self.generator.conversation(*key)

    def record_without_attributes(self, key: ConversationKey) -> dict:
        """The sync/multi-get shape: participants carry no ``attributes`` map."""
        return without_attributes(self.record(key))

    def record_bytes(self, key: ConversationKey) -> bytes:
        """Pre-serialized full record, joined as-is into async result pages."""
        return self.generator.conversation_json(*key)

    def prefetch(self, keys: list[ConversationKey]) -> None:
        """Serialize ``keys`` on a background thread while the client digests the current page,
        so the next page comes from cache. Records are pure, so a race only costs duplicate
        work; at most one batch runs at a time so a slow client cannot pile up work."""
        if keys and not self._prefetching.is_set():
            self._prefetching.set()
            self._prefetcher.submit(self._warm, list(keys))

    def warm(self, keys: list[ConversationKey]) -> None:
        """Serialize ``keys`` now, so later requests for them are served from the cache."""
        for key in keys:
            self.record_bytes(key)

    def _warm(self, keys: list[ConversationKey]) -> None:
        try:
            self.warm(keys)
        finally:
            self._prefetching.clear()

    def matching(
        self, start_ms: int, end_ms: int, *, semantics: str, available_until_ms: int, hide: int = 0
    ) -> list[ConversationKey]:
        """Conversations an endpoint may serve for an interval, in conversationStart order.

        ``semantics`` is "overlap" (activity during the interval, async jobs) or "start"
        (conversationStart inside it, sync default). Only conversations whose recorded
        activity ended by ``available_until_ms`` are served; ``hide`` drops that many more,
        chosen deterministically, to simulate data the API silently loses.
        """
        if semantics == "overlap":
            keys = self.generator.conversations_overlapping(start_ms, end_ms)
        else:
            keys = self.generator.conversations_starting(start_ms, end_ms)
        visible = [k for k in keys if self.activity_end_ms(k) <= available_until_ms]
        if hide <= 0 or not visible:
            return visible
        hidden = set(sorted(visible, key=self._hide_rank)[:hide])
        return [k for k in visible if k not in hidden]

    def _hide_rank(self, key: ConversationKey) -> bytes:
        return hashlib.blake2b(f"{self.seed}:hide:{self.conversation_id(key)}".encode(), digest_size=8).digest()

    def locate(self, conversation_id: str) -> ConversationKey | None:
        """(day, index) of a conversation id: ids encode them, so no scan is needed."""
        return self.generator.locate(conversation_id)
