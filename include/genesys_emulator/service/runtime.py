"""The whole mutable state of one emulator, built from a config; ``reset`` builds a new one.

Routes reach it through ``request.app.state.runtime``, never through a module global, so
two apps in one process (or a reset mid-session) never share state.
"""

from __future__ import annotations

from typing import Any

from genesys_emulator.config import ClientConfig, EmulatorConfig
from genesys_emulator.service.clock import Clock
from genesys_emulator.service.faults import FaultBook
from genesys_emulator.service.filters import record_matches
from genesys_emulator.service.jobs import CursorCodec, JobStore
from genesys_emulator.service.rate_limit import RateLimiter
from genesys_emulator.service.request_log import ClientRequestLog, RequestStats
from genesys_emulator.service.tokens import TokenStore
from genesys_emulator.service.validation import DetailsQuery, parse_instant_ms
from genesys_emulator.service.webhooks import WebhookSink
from genesys_emulator.world.dataset import ConversationKey, Dataset
from genesys_emulator.world.determinism import iso_ms


def dataset_for(config: EmulatorConfig) -> Dataset:
    evolution = None if config.frozen else config.evolution
    return Dataset(config.seed, config.conversations_per_day, config.record_cache_size, evolution)


def _dataset_identity(config: EmulatorConfig) -> tuple:
    return (
        config.seed,
        config.conversations_per_day,
        config.record_cache_size,
        None if config.frozen else config.evolution,
    )


def _org_start(config: EmulatorConfig) -> float | None:
    return None if config.clock is None else parse_instant_ms(config.clock, "clock") / 1000


class EmulatorRuntime:
    """Config plus every piece of state the routes read and mutate."""

    def __init__(self, config: EmulatorConfig, dataset: Dataset | None = None) -> None:
        """``dataset`` may be carried over from a previous runtime with the same seed and
        volume: records are a pure function of those, so only its caches are shared."""
        self.config = config
        self.clock = Clock(_org_start(config))
        self.tokens = TokenStore(self.clock)
        self.limiter = RateLimiter(self.clock, config.rate_limit_window_seconds)
        self.stats = RequestStats()
        self.request_log = ClientRequestLog(self.clock)
        self.faults = FaultBook()
        self.jobs = JobStore(config, self.clock)
        self.cursors = CursorCodec(config.seed)
        same_data = dataset is not None and (
            dataset.seed,
            dataset.conversations_per_day,
            dataset.record_cache_size,
            dataset.evolution,
        ) == _dataset_identity(config)
        self.dataset: Dataset = dataset if dataset is not None and same_data else dataset_for(config)
        self.webhooks = WebhookSink()
        self._sync_calls = 0

    def configure(self, **overrides: Any) -> EmulatorConfig:
        """Change settings while keeping tokens, jobs and faults (unlike a reset)."""
        old, new = self.config, self.config.with_overrides(**overrides)
        self.config = new
        self.jobs.config = new
        if _dataset_identity(old) != _dataset_identity(new):
            self.dataset = dataset_for(new)
            self.cursors = CursorCodec(new.seed)
        if new.clock is not None and new.clock != old.clock:
            self.clock.pin_org(parse_instant_ms(new.clock, "clock") / 1000)
        if old.rate_limit_window_seconds != new.rate_limit_window_seconds:
            self.limiter = RateLimiter(self.clock, new.rate_limit_window_seconds)
        return new

    def org_now_ms(self) -> int:
        return self.clock.org_now_ms()

    def sync_horizon_ms(self) -> int:
        """Newest activity a sync query may see: now, plus simulated live arrivals per call."""
        self._sync_calls += 1
        arrivals = self._sync_calls * self.config.sync_live_arrival_seconds_per_call
        return self.org_now_ms() + int(arrivals * 1000)

    def job_horizon_ms(self) -> int:
        """What a details job snapshots: a living org serves its state now (the watermark only
        promises completeness before it); a frozen org only what ended by the watermark."""
        return self.watermark_ms() if self.config.frozen else self.org_now_ms()

    def watermark_ms(self) -> int:
        """dataAvailabilityDate: a fixed instant if configured, else org now minus the lag."""
        if self.config.watermark:
            return parse_instant_ms(self.config.watermark, "watermark")
        return self.org_now_ms() - self.config.watermark_lag_seconds * 1000

    def watermark_iso(self) -> str:
        return iso_ms(self.watermark_ms())

    def details_keys(
        self, query: DetailsQuery, *, semantics: str, available_until_ms: int, client: ClientConfig | None = None
    ) -> list[ConversationKey]:
        """The conversations a details query or job returns, filtered and ordered; with a
        ``client``, only those in its divisions. ``available_until_ms`` is also the org
        instant whose records the filters see."""
        if query.start_of_day_matching:
            semantics = "overlap"
        keys = self.selected(
            query.start_ms,
            query.end_ms,
            semantics,
            available_until_ms,
            force_start_day=query.start_of_day_matching,
            hide=self.faults.hidden_count(),
        )
        if client is not None:
            keys = self.visible_to(client, keys)
        if query.filters:
            keys = [k for k in keys if record_matches(self.dataset.record(k, available_until_ms), query.filters)]
        keys = self._ordered(keys, query, available_until_ms)
        return keys[: query.limit] if query.limit else keys

    def visible_to(self, client: ClientConfig, keys: list[ConversationKey]) -> list[ConversationKey]:
        """The conversations of ``keys`` in at least one of the client's divisions."""
        if client.divisions == "all":
            return keys
        return [k for k in keys if client.sees_division_of(self.dataset.division_ids(k))]

    def _ordered(self, keys: list[ConversationKey], query: DetailsQuery, as_of_ms: int) -> list[ConversationKey]:
        if query.order == "unordered":
            return keys
        by_end = query.order_by in ("conversationEnd", "segmentEnd")
        if by_end:
            keys = sorted(keys, key=lambda k: self.dataset.end_sort_key(k, as_of_ms))
        return list(reversed(keys)) if query.order == "desc" else keys

    def ground_truth(self, interval_start_ms: int, interval_end_ms: int, semantics: str) -> list[str]:
        """Conversation ids a correct extraction must end up with (ignores scripted hiding):
        the org's state now in a living org, what ended by the watermark in a frozen one."""
        keys = self.selected(interval_start_ms, interval_end_ms, semantics, self.job_horizon_ms())
        return [self.dataset.conversation_id(k) for k in keys]

    def selected(
        self, start_ms: int, end_ms: int, semantics: str, as_of_ms: int, *, force_start_day: bool = False, hide: int = 0
    ) -> list[ConversationKey]:
        """The interval's conversations; overlap selections (fact sheet §11) keep only those
        that started on or after the UTC day of the interval start."""
        keys = self.dataset.matching(start_ms, end_ms, semantics=semantics, available_until_ms=as_of_ms, hide=hide)
        if force_start_day or (semantics == "overlap" and self.config.overlap_from_interval_start_day):
            day_start = start_ms - start_ms % 86_400_000
            keys = [k for k in keys if self.dataset.start_ms(k) >= day_start]
        return keys
