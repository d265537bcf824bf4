"""One "worker process" of the shared-budget test: calls Genesys as fast as its client lets it.

Run as ``python budget_worker.py BASE_URL BACKEND STORE_URL WINDOW PER_WINDOW SECONDS``; prints
how many requests it made. The client is built like the hook builds it, except that the
budget's window is shrunk from a minute to WINDOW seconds so the test runs in seconds.
"""

from __future__ import annotations

import sys
import time

from genesys_cloud.api import endpoints
from genesys_cloud.api.client import GenesysClient
from genesys_cloud.api.rate_budget import LocalRateBudget, RateBudget, RedisRateBudget, SqlRateBudget
from genesys_cloud.api.regions import resolve_base_urls
from genesys_cloud.api.settings import GenesysSettings


def budget_for(backend: str, url: str, window: float) -> RateBudget:
    if backend == "redis":
        return RedisRateBudget(url, window_seconds=window)
    if backend == "sql":
        return SqlRateBudget(url, window_seconds=window)
    return LocalRateBudget(window_seconds=window)


def main(base_url: str, backend: str, store_url: str, window: str, per_window: str, seconds: str) -> None:
    settings = GenesysSettings(rate_budget_per_minute=int(per_window), max_attempts=1)
    client = GenesysClient(
        resolve_base_urls(base_url),
        "emulator-client",
        "emulator-secret",
        settings,
        budget=budget_for(backend, store_url, float(window)),
    )
    stop = time.monotonic() + float(seconds)
    sent = 0
    while time.monotonic() < stop:
        try:
            client.request("GET", endpoints.DATA_AVAILABILITY)
        except Exception:  # a 429 is what the unshared control run provokes; the emulator counts it
            pass
        sent += 1
    print(sent)


if __name__ == "__main__":
    main(*sys.argv[1:])
