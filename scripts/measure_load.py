"""Measure normalize and load throughput on emulator-generated data; prints JSON lines.

    .venv/bin/python scripts/measure_load.py --n 50000

Stages N generated conversations as raw result pages (as the extract step would), then
times, on the same staged pages: read+parse alone (the floor of any normalizer), normalize
alone, and the full ``Warehouse.load_extraction`` (read -> normalize -> load, one
transaction) into a fresh SQLite file and a fresh PostgreSQL database. The last line is a
summary. In-process stages also report CPU seconds, which stay meaningful when other work
shares the cores. A measurement, not a test: nothing here asserts a speed.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from genesys_emulator.world.generator import DataGenerator
from genesys_pipeline.normalize.normalizer import Normalizer
from genesys_pipeline.staging.area import Manifest, StagingArea
from genesys_pipeline.warehouse import Warehouse

FIRST_DAY = date(2024, 5, 1)
PER_DAY = 10_000


def emit(line: dict[str, Any]) -> None:
    print(orjson.dumps(line).decode(), flush=True)


def rate(count: int, seconds: float) -> float:
    return round(count / seconds, 1) if seconds > 0 else 0.0


def generated_records(n: int) -> Iterator[dict]:
    generator = DataGenerator(seed=42, conversations_per_day=min(n, PER_DAY))
    for number in range(n):
        day, index = divmod(number, generator.conversations_per_day)
        yield generator.conversation(FIRST_DAY + timedelta(days=day), index)


def stage_pages(root: Path, n: int, page_size: int) -> tuple[StagingArea, Manifest]:
    staging = StagingArea(root)
    writer = staging.open_writer("bench", {"n": n, "pageSize": page_size})
    page: list[dict] = []
    for record in generated_records(n):
        page.append(record)
        if len(page) == page_size:
            writer.write_page(orjson.dumps({"conversations": page, "cursor": "next"}), len(page))
            page = []
    if page:
        writer.write_page(orjson.dumps({"conversations": page}), len(page))
    return staging, writer.commit(datetime.now(UTC))


def measure_parse(staging: StagingArea, manifest: Manifest) -> dict[str, Any]:
    started, cpu = time.perf_counter(), time.process_time()
    for raw in staging.iter_pages(manifest):
        orjson.loads(raw)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {
        "stage": "read+parse",
        "seconds": round(seconds, 3),
        "cpu_s": round(cpu, 3),
        "conv_per_s": rate(manifest.record_count, seconds),
        "conv_per_cpu_s": rate(manifest.record_count, cpu),
    }


def measure_normalize(staging: StagingArea, manifest: Manifest) -> dict[str, Any]:
    normalizer = Normalizer(manifest.extracted_at, "measure")
    rows = 0
    started, cpu = time.perf_counter(), time.process_time()
    for batch in normalizer.normalize_pages(staging.iter_pages(manifest)):
        rows += sum(map(len, batch.rows.values()))
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {
        "stage": "read+parse+normalize",
        "seconds": round(seconds, 3),
        "cpu_s": round(cpu, 3),
        "rows": rows,
        "conv_per_s": rate(manifest.record_count, seconds),
        "rows_per_s": rate(rows, seconds),
        "conv_per_cpu_s": rate(manifest.record_count, cpu),
    }


def measure_load(label: str, url: str, staging: StagingArea, manifest: Manifest, bulk: str = "auto") -> dict[str, Any]:
    warehouse = Warehouse.from_url(url, bulk=bulk)
    warehouse.ensure_schema()
    started = time.perf_counter()
    report = warehouse.load_extraction(staging, manifest, "measure")
    seconds = time.perf_counter() - started
    warehouse.dispose()
    return {
        "stage": f"load_extraction:{label}",
        "seconds": round(seconds, 3),
        "rows": report.rows_loaded,
        "conversations": report.conversations_loaded,
        "conv_per_s": rate(report.conversations_loaded, seconds),
        "rows_per_s": rate(report.rows_loaded, seconds),
        "timings": report.timings,
    }


class ScratchDatabase:
    """A throwaway PostgreSQL database on the given server, dropped on exit."""

    def __init__(self, server_dsn: str) -> None:
        self.server_dsn = server_dsn
        self.name = f"genesys_measure_{uuid.uuid4().hex[:10]}"

    def __enter__(self) -> str:
        import psycopg

        with psycopg.connect(self.server_dsn, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.name}"')
        return f"postgresql+psycopg://{self.server_dsn.split('//', 1)[1].rsplit('/', 1)[0]}/{self.name}"

    def __exit__(self, *exc: object) -> None:
        import psycopg

        with psycopg.connect(self.server_dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=50_000, help="conversations to generate")
    parser.add_argument("--page-size", type=int, default=1000)
    parser.add_argument(
        "--postgres",
        default="postgresql://postgres@127.0.0.1:5432/postgres",
        help="server to create a scratch database on; '' to skip PostgreSQL",
    )
    parser.add_argument("--generic", action="store_true", help="also time the executemany path on PostgreSQL")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="genesys-measure-") as scratch:
        started = time.perf_counter()
        staging, manifest = stage_pages(Path(scratch) / "staging", args.n, args.page_size)
        raw_bytes = sum(page.bytes for page in manifest.pages)
        emit(
            {
                "stage": "generate+stage",
                "conversations": args.n,
                "pages": manifest.page_count,
                "bytes_per_conv": round(raw_bytes / max(args.n, 1)),
                "seconds": round(time.perf_counter() - started, 3),
            }
        )
        results = {"parse": measure_parse(staging, manifest), "normalize": measure_normalize(staging, manifest)}
        emit(results["parse"])
        emit(results["normalize"])
        results["sqlite"] = measure_load("sqlite", f"sqlite:///{Path(scratch) / 'warehouse.db'}", staging, manifest)
        emit(results["sqlite"])
        if args.postgres:
            paths = ["copy"] + (["executemany"] if args.generic else [])
            for bulk in paths:
                with ScratchDatabase(args.postgres) as url:
                    results[f"postgres_{bulk}"] = measure_load(f"postgresql:{bulk}", url, staging, manifest, bulk)
                emit(results[f"postgres_{bulk}"])
    emit(
        {
            "summary": True,
            "conversations": args.n,
            "rows_per_conv": round(results["normalize"]["rows"] / max(args.n, 1), 1),
            "parse_conv_per_s": results["parse"]["conv_per_s"],
            "normalize_conv_per_s": results["normalize"]["conv_per_s"],
            "normalize_conv_per_cpu_s": results["normalize"]["conv_per_cpu_s"],
            "sqlite_load_conv_per_s": results["sqlite"]["conv_per_s"],
            "postgres_load_conv_per_s": results.get("postgres_copy", {}).get("conv_per_s"),
            "postgres_generic_load_conv_per_s": results.get("postgres_executemany", {}).get("conv_per_s"),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        }
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
