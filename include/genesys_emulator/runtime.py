"""The whole mutable state of one emulator, built from a config; ``reset`` builds a new one.

Routes reach it through ``request.app.state.runtime``, never through a module global, so
two apps in one process (or a reset mid-session) never share state.
"""
from __future__ import annotations

from typing import Any

from .config import EmulatorConfig
from .dataset import ConversationKey, Dataset
from .determinism import iso_ms
from .faults import FaultBook
from .filters import record_matches
from .jobs import CursorCodec, JobStore
from .state import Clock, RateLimiter, RequestStats, TokenStore
from .validation import DetailsQuery, parse_instant_ms
from .webhooks import WebhookSink

def dataset_for(config: EmulatorConfig) -> Dataset:
    return Dataset(config.seed, config.conversations_per_day, config.record_cache_size)


_DATASET_SETTINGS = ("seed", "conversations_per_day", "record_cache_size")


class EmulatorRuntime:
    """Config plus every piece of state the routes read and mutate."""

    def __init__(self, config: EmulatorConfig, dataset: Dataset | None = None) -> None:
        """``dataset`` may be carried over from a previous runtime with the same seed and
        volume: records are a pure function of those, so only its caches are shared."""
        self.config = config
        self.clock = Clock()
        self.tokens = TokenStore(self.clock)
        self.limiter = RateLimiter(self.clock, config.rate_limit_window_seconds)
        self.stats = RequestStats()
        self.faults = FaultBook()
        self.jobs = JobStore(config, self.clock)
        self.cursors = CursorCodec(config.seed)
        same_data = dataset is not None and (dataset.seed, dataset.conversations_per_day, dataset.record_cache_size) == (
            config.seed, config.conversations_per_day, config.record_cache_size)
        self.dataset = dataset if same_data else dataset_for(config)
        self.webhooks = WebhookSink()
        self._sync_calls = 0

    def configure(self, **overrides: Any) -> EmulatorConfig:
        """Change settings while keeping tokens, jobs and faults (unlike a reset)."""
        old, new = self.config, self.config.with_overrides(**overrides)
        self.config = new
        self.jobs.config = new
        if any(getattr(old, name) != getattr(new, name) for name in _DATASET_SETTINGS):
            self.dataset = dataset_for(new)
            self.cursors = CursorCodec(new.seed)
        if old.rate_limit_window_seconds != new.rate_limit_window_seconds:
            self.limiter = RateLimiter(self.clock, new.rate_limit_window_seconds)
        return new

    def sync_horizon_ms(self) -> int:
        """Newest activity a sync query may see: now, plus simulated live arrivals per call."""
        self._sync_calls += 1
        arrivals = self._sync_calls * self.config.sync_live_arrival_seconds_per_call
        return self.clock.now_ms() + int(arrivals * 1000)

    def watermark_ms(self) -> int:
        """dataAvailabilityDate: a fixed instant if configured, else now minus the lag."""
        if self.config.watermark:
            return parse_instant_ms(self.config.watermark, "watermark")
        return self.clock.now_ms() - self.config.watermark_lag_seconds * 1000

    def watermark_iso(self) -> str:
        return iso_ms(self.watermark_ms())

    def details_keys(self, query: DetailsQuery, *, semantics: str, available_until_ms: int) -> list[ConversationKey]:
        """The conversations a details query or job returns, filtered and ordered."""
        start_ms = query.start_ms
        if query.start_of_day_matching:
            semantics = "overlap"
        keys = self.dataset.matching(
            start_ms, query.end_ms, semantics=semantics, available_until_ms=available_until_ms,
            hide=self.faults.hidden_count(),
        )
        if query.start_of_day_matching:
            day_start = start_ms - start_ms % 86_400_000
            keys = [k for k in keys if self.dataset.start_ms(k) >= day_start]
        if query.filters:
            keys = [k for k in keys if record_matches(self.dataset.record(k), query.filters)]
        keys = self._ordered(keys, query)
        return keys[: query.limit] if query.limit else keys

    def _ordered(self, keys: list[ConversationKey], query: DetailsQuery) -> list[ConversationKey]:
        if query.order == "unordered":
            return keys
        by_end = query.order_by in ("conversationEnd", "segmentEnd")
        if by_end:
            keys = sorted(keys, key=self.dataset.activity_end_ms)
        return list(reversed(keys)) if query.order == "desc" else keys

    def ground_truth(self, interval_start_ms: int, interval_end_ms: int, semantics: str) -> list[str]:
        """Conversation ids a correct extraction must end up with (ignores scripted hiding)."""
        keys = self.dataset.matching(
            interval_start_ms, interval_end_ms, semantics=semantics, available_until_ms=self.watermark_ms()
        )
        return [self.dataset.conversation_id(k) for k in keys]
