"""Measure the emulator's async-results throughput over real HTTP (conversations/s).

Usage: .venv/bin/python scripts/measure_emulator.py [--conversations-per-day 5000] [--page-size 1000]

Starts the emulator CLI as its own process (as ``make emulator`` does) and pages one UTC day
with requests, three ways: cold with background prefetch (the default), cold without it, and
warm (every record already serialized). A fresh seed per cold pass keeps caches empty.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import orjson
import requests

from genesys_emulator.control_client import EmulatorControl

JOBS = "/api/v2/analytics/conversations/details/jobs"


def page_through(session: requests.Session, base_url: str, job_id: str, page_size: int) -> tuple[int, list[float]]:
    """Conversations served and each page's HTTP time (request sent until body received;
    the client's JSON parsing is excluded so the number describes the emulator)."""
    count, page_seconds, params = 0, [], {"pageSize": page_size}
    while True:
        started = time.perf_counter()
        response = session.get(f"{base_url}{JOBS}/{job_id}/results", params=params, timeout=120)
        page_seconds.append(time.perf_counter() - started)
        response.raise_for_status()
        body = orjson.loads(response.content)
        count += len(body["conversations"])
        if "cursor" not in body:
            return count, page_seconds
        params = {"pageSize": page_size, "cursor": body["cursor"]}


def start_emulator(port: int, seed: int, per_day: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "genesys_emulator",
            "--port",
            str(port),
            "--seed",
            str(seed),
            "--conversations-per-day",
            str(per_day),
            "--log-level",
            "warning",
        ],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{port}/_emulator/clock", timeout=1)
            return process
        except requests.ConnectionError:
            time.sleep(0.1)
    process.terminate()
    raise SystemExit("emulator did not start")


def measure(base_url: str, interval: str, page_size: int, label: str) -> None:
    session = requests.Session()
    token = session.post(
        f"{base_url}/oauth/token",
        auth=("emulator-client", "emulator-secret"),
        data={"grant_type": "client_credentials"},
        timeout=10,
    ).json()["access_token"]
    session.headers["Authorization"] = f"Bearer {token}"
    job_id = session.post(f"{base_url}{JOBS}", json={"interval": interval}, timeout=120).json()["jobId"]
    count, pages = page_through(session, base_url, job_id, page_size)
    elapsed = sum(pages)
    print(
        f"{label:<28} {count} conversations, {len(pages)} pages of {page_size}: {count / elapsed:>8,.0f} "
        f"conversations/s, median page {statistics.median(pages) * 1000:6.1f} ms, max {max(pages) * 1000:6.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--conversations-per-day", type=int, default=5000)
    parser.add_argument("--page-size", type=int, default=1000)
    args = parser.parse_args()
    day = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=2)
    interval = f"{day:%Y-%m-%dT%H:%M:%SZ}/{day + timedelta(days=1):%Y-%m-%dT%H:%M:%SZ}"
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = start_emulator(port, args.seed, args.conversations_per_day)
    base_url = f"http://127.0.0.1:{port}"
    control = EmulatorControl(base_url)
    try:
        measure(base_url, interval, args.page_size, "cold, prefetch on")
        control.reset(seed=args.seed + 1, results_prefetch=False)
        measure(base_url, interval, args.page_size, "cold, prefetch off")
        measure(base_url, interval, args.page_size, "warm (records cached)")
    finally:
        process.terminate()
        process.wait(timeout=10)


if __name__ == "__main__":
    main()
