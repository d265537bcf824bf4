"""Print what the Genesys hook costs against the emulator (not a test: timings vary by host).

    .venv/bin/python scripts/measure_hook.py [--conversations 10000] [--storm 5] [--retry-after 1]

1. Requests used to extract one window of about N conversations through an async job, versus
   the minimum possible (token + submit + one status check + ceil(N / max page) result pages
   + delete).
2. Wall time of the same extraction with a scripted 429 storm (K consecutive 429s with
   Retry-After R on the results endpoint) versus without.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import tempfile
import time

os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="measure-hook-airflow-"))

from genesys_cloud.api.auth import TOKEN_CACHE
from genesys_cloud.hook import GenesysCloudHook
from genesys_emulator.testing import EmulatorServer

DAY = "2024-05-01T00:00:00.000Z/2024-05-02T00:00:00.000Z"
RESULTS = "get_analytics_conversations_details_job_results"


def extract(base_url: str) -> tuple[GenesysCloudHook, int, float]:
    """One full job extraction with a fresh hook and token; returns (hook, conversations, seconds)."""
    TOKEN_CACHE.clear()
    os.environ["AIRFLOW_CONN_GENESYS_CLOUD_DEFAULT"] = json.dumps(
        {"conn_type": "http", "host": base_url, "login": "emulator-client", "password": "emulator-secret"}
    )
    hook = GenesysCloudHook()
    started = time.perf_counter()
    job_id = hook.submit_details_job({"interval": DAY})
    while not hook.get_details_job(job_id)["state"].is_terminal:
        time.sleep(0.1)
    conversations = sum(page.conversations for page in hook.iter_details_job_pages(job_id))
    hook.delete_details_job(job_id)
    return hook, conversations, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conversations", type=int, default=10_000, help="conversations per emulated day")
    parser.add_argument("--storm", type=int, default=5, help="consecutive 429s in the storm")
    parser.add_argument("--retry-after", type=int, default=1, help="Retry-After seconds of each 429")
    args = parser.parse_args()

    with EmulatorServer() as emulator:
        emulator.control.reset(conversations_per_day=args.conversations)
        extract(emulator.base_url)  # warm the emulator's generator cache so timings compare fairly
        hook, count, clean_seconds = extract(emulator.base_url)
        page = hook.settings.results_page_size
        minimum = 1 + 1 + 1 + math.ceil(count / page) + 1
        print(f"conversations extracted: {count}")
        print(f"requests used: {hook.stats.requests} (token {hook.stats.token_requests}), minimum possible: {minimum}")
        print(f"bytes received: {hook.stats.bytes:,}; clean run wall time: {clean_seconds:.2f} s")

        emulator.control.add_fault(RESULTS, "status", count=args.storm, status=429, retry_after=args.retry_after)
        hook, stormed_count, storm_seconds = extract(emulator.base_url)
        assert stormed_count == count, "a 429 storm must not lose or duplicate conversations"
        print(
            f"429 storm of {args.storm} x Retry-After {args.retry_after} s: wall time {storm_seconds:.2f} s "
            f"(+{storm_seconds - clean_seconds:.2f} s), retries {hook.stats.retries}, "
            f"requests {hook.stats.requests}, conversations {stormed_count} (complete)"
        )


if __name__ == "__main__":
    main()
