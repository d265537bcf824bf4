"""What tests count: requests per operation and status, and each client's request times."""

from __future__ import annotations

import threading
from collections import Counter, deque

from genesys_emulator.service.clock import Clock


class RequestStats:
    """Request counts per operation name and HTTP status, for tests to assert retries."""

    def __init__(self) -> None:
        self._counts: Counter[tuple[str, int]] = Counter()
        self._lock = threading.Lock()

    def record(self, operation: str, status: int) -> None:
        with self._lock:
            self._counts[(operation, status)] += 1

    def snapshot(self) -> dict[str, dict[str, int]]:
        result: dict[str, dict[str, int]] = {}
        with self._lock:
            for (operation, status), count in sorted(self._counts.items()):
                result.setdefault(operation, {})[str(status)] = count
        return result


class ClientRequestLog:
    """When each OAuth client's API requests arrived (service time), so a test can count them per
    rolling minute across every token and process of that client. Bounded per client."""

    def __init__(self, clock: Clock, max_per_client: int = 100_000) -> None:
        self._clock = clock
        self._max = max_per_client
        self._times: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def record(self, client_id: str) -> None:
        now = self._clock.now()
        with self._lock:
            self._times.setdefault(client_id, deque(maxlen=self._max)).append(now)

    def times(self, client_id: str) -> list[float]:
        with self._lock:
            return list(self._times.get(client_id, ()))
