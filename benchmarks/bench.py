"""``make bench``: the pipeline against the floor and the usual baseline, on the same generated day.

    .venv/bin/python benchmarks/bench.py --n 100000 [--skip-rss] [--skip-baseline] [--overlap]

Starts the emulator (its own process, free port, ``--conversations-per-day N``), then on the
same job window measures: ours (hook -> staging -> normalize -> COPY load, end to end and per
stage), the floor (bare requests + orjson + tight loop + COPY), the baseline (SDK + pandas
``json_normalize`` + ``to_sql`` on at most ``--baseline-n`` conversations) and the peak RSS of
ours in a process of its own at each of ``--rss-sizes``; ``--overlap`` adds an experiment that
fetches while it normalizes and loads (``overlap.py``). Every phase loads into a fresh
PostgreSQL database on 127.0.0.1:5432 that is dropped afterwards. Prints one JSON object per
line, each with the 1-minute load average when it started (the machine is shared); the last
line is the summary. A measurement, not a test: nothing here asserts a speed.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from baseline import run_baseline
from environment import bench_emulator, bench_interval, emit, min_api_requests, scratch_database
from floor import run_floor
from genesys_emulator.control_client import EmulatorControl
from ours import run_ours
from overlap import run_overlapped
from rss import ours_peak_rss


def load_1m() -> float:
    return round(os.getloadavg()[0], 2)


def measured(phase: Callable[..., dict[str, Any]], *args: Any, **kwargs: Any) -> dict[str, Any]:
    """Run one phase, print its line with the load it started under, and return the line."""
    started_load = load_1m()
    result = {**phase(*args, **kwargs), "load_1m": started_load}
    emit(result)
    return result


def run_in_database(label: str, phase: Callable[..., dict[str, Any]], *args: Any, **kwargs: Any) -> dict[str, Any]:
    with scratch_database(label) as db_url:
        return measured(phase, *args, db_url=db_url, **kwargs)


def in_workdir(phase: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    """The phase with a scratch directory (its staging root) as ``workdir``, removed afterwards."""

    def run(*args: Any, **kwargs: Any) -> dict[str, Any]:
        with tempfile.TemporaryDirectory(prefix="genesys-bench-") as workdir:
            return phase(*args, workdir=Path(workdir), **kwargs)

    return run


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    return round(numerator / denominator, 3) if numerator and denominator else None


def summary(truth: int, ours: dict, floor: dict, baseline: dict | None, rss: dict[int, float]) -> dict[str, Any]:
    sizes = sorted(rss)
    return {
        "summary": True,
        "conversations": truth,
        "ours_conv_per_s": ours["conv_per_s"],
        "floor_conv_per_s": floor["conv_per_s"],
        "ratio_to_floor": ratio(ours["conv_per_s"], floor["conv_per_s"]),
        "baseline_conv_per_s": baseline["conv_per_s"] if baseline else None,
        "speedup_vs_baseline": ratio(ours["conv_per_s"], baseline["conv_per_s"]) if baseline else None,
        "peak_rss_mb_small": rss[sizes[0]] if sizes else None,
        "peak_rss_mb_large": rss[sizes[-1]] if sizes else None,
        "api_requests": ours["api_requests"],
        "min_api_requests": min_api_requests(truth),
        "tables_match_ground_truth": ours["table_conversations"] == truth == floor["table_conversations"],
        "load_1m": load_1m(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="conversations per day in the emulator")
    parser.add_argument("--skip-rss", action="store_true", help="skip the peak-RSS runs")
    parser.add_argument("--skip-baseline", action="store_true", help="skip the SDK + pandas baseline")
    parser.add_argument("--baseline-n", type=int, default=10_000, help="cap on the baseline's conversations")
    parser.add_argument("--rss-sizes", default="20000,200000", help="conversations per day of the peak-RSS runs")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--overlap", action="store_true", help="also time fetch overlapped with normalize+load")
    parser.add_argument(
        "--no-worker",
        action="store_true",
        help="ours normalizes in its own process (prefetch thread), not a worker process: the A/B",
    )
    args = parser.parse_args()

    interval = bench_interval()
    emit({"phase": "environment", "n": args.n, "interval": interval, "cpus": os.cpu_count(), "load_1m": load_1m()})
    with bench_emulator(args.n, interval, args.seed) as emulator:
        base_url = emulator.base_url
        control = EmulatorControl(base_url)
        truth = control.ground_truth(interval)["count"]
        emit({"phase": "ground_truth", "conversations": truth})
        ours = run_in_database("ours", in_workdir(run_ours), base_url, interval, worker=not args.no_worker)
        if args.overlap:
            run_in_database("overlap", in_workdir(run_overlapped), base_url, interval)
        floor = run_in_database("floor", run_floor, base_url, interval)
        baseline = None
        if not args.skip_baseline:
            baseline = run_in_database("baseline", run_baseline, base_url, interval, limit=min(args.n, args.baseline_n))
        rss: dict[int, float] = {}
        if not args.skip_rss:
            for size in (int(value) for value in args.rss_sizes.split(",")):
                control.reset(conversations_per_day=size)
                rss[size] = run_in_database("rss", ours_peak_rss, base_url, interval, worker=not args.no_worker)[
                    "peak_rss_mb"
                ]
    emit(summary(truth, ours, floor, baseline, rss))


if __name__ == "__main__":
    main()
