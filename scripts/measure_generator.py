"""Print the emulator data generator's speed and record sizes (not a test: numbers vary by host).

    .venv/bin/python scripts/measure_generator.py [--per-day 100000] [--records 20000]

Times are CPU seconds of this process (time.process_time), so other work on a shared host
does not distort the single-core figures.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import date, timedelta
from typing import TypeVar

import orjson

from genesys_emulator.world.determinism import day_start_ms
from genesys_emulator.world.generator import DataGenerator

T = TypeVar("T")


def _timed(action: Callable[[], T]) -> tuple[float, T]:
    began = time.process_time()
    result = action()
    return time.process_time() - began, result


def _fresh(seed: int, per_day: int, day: date) -> DataGenerator:
    """A generator with a warm skeleton but empty record caches, so caching cannot flatter."""
    generator = DataGenerator(seed, per_day)
    generator.day_skeleton(day)
    return generator


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-day", type=int, default=100_000, help="conversations per day")
    parser.add_argument("--records", type=int, default=20_000, help="records to build and dump")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    day = date(2024, 5, 1)
    count = min(args.records, args.per_day)

    generator = DataGenerator(args.seed, args.per_day)
    seconds, skeleton = _timed(lambda: generator.day_skeleton(day))
    print(f"day_skeleton: {len(skeleton):,} conversations in {seconds * 1000:.0f} ms")

    cold = _fresh(args.seed, args.per_day, day)
    seconds, sizes = _timed(lambda: [len(orjson.dumps(cold.conversation(day, index))) for index in range(count)])
    print(
        f"conversation() + orjson.dumps: {count / seconds:,.0f} conversations/s single core "
        f"({seconds / count * 1e6:.1f} us each)"
    )
    print(
        f"record JSON size: mean {statistics.mean(sizes) / 1024:.1f} KB, "
        f"median {statistics.median(sizes) / 1024:.1f} KB, max {max(sizes) / 1024:.1f} KB"
    )

    def page() -> bytes:
        parts = [cold.conversation_json(day, index) for index in range(1000)]
        return b'{"conversations":[' + b",".join(parts) + b"]}"

    cold = _fresh(args.seed, args.per_day, day)
    seconds, body = _timed(page)
    print(f"1,000-record page from conversation_json, cold: {seconds * 1000:.1f} ms ({len(body) / 1e6:.1f} MB)")
    seconds, _ = _timed(page)
    print(f"1,000-record page from conversation_json, cached: {seconds * 1000:.1f} ms")

    start = day_start_ms(day) + 10 * 3_600_000
    seconds, found = _timed(lambda: generator.conversations_overlapping(start, start + 3_600_000))
    print(f"conversations_overlapping(1 h): {len(found):,} hits in {seconds * 1000:.1f} ms")
    week_start = day_start_ms(day - timedelta(days=6))
    seconds, found = _timed(lambda: generator.conversations_overlapping(week_start, day_start_ms(day)))
    print(f"conversations_overlapping(6 days, 6 new skeletons): {len(found):,} hits in {seconds:.2f} s")


if __name__ == "__main__":
    main()
