"""A/B of the warehouse's bulk paths on the same staged conversations: binary vs text COPY.

    .venv/bin/python benchmarks/copy_ab.py --n 30000 --rounds 2 [--bulk copy,copy_text]

Stages N generated conversations once (as the extract step writes them), then per round and
per bulk path (alternating, so drifting machine load hits both alike) runs
``Warehouse.load_extraction`` into a fresh PostgreSQL database and prints one JSON line: wall
seconds, the loader's COPY time (``stage_s``), our process's CPU seconds and the CPU seconds
of the PostgreSQL backend that did the load (from ``/proc``, Linux), which is what binary
COPY is meant to save. The last line is the median of each figure per path. A measurement,
not a test.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from environment import ROOT, emit, scratch_database

sys.path.insert(0, str(ROOT / "scripts"))
from genesys_pipeline.staging.area import Manifest, StagingArea
from genesys_pipeline.warehouse import Warehouse
from measure_load import stage_pages


def backend_cpu_s(pid: int) -> float:
    """User + system CPU seconds of one process (a PostgreSQL backend on this machine)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / 100  # USER_HZ is 100 on Linux


def backend_pid(warehouse: Warehouse) -> int:
    with warehouse.engine.connect() as conn:
        return int(conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())


def load_once(bulk: str, staging: StagingArea, manifest: Manifest) -> dict[str, Any]:
    with scratch_database("copy_ab") as url:
        warehouse = Warehouse.from_url(url, bulk=bulk)
        try:
            warehouse.ensure_schema()
            pid = backend_pid(warehouse)  # the pool hands the load this same connection
            server, load_1m = backend_cpu_s(pid), round(os.getloadavg()[0], 2)
            started, cpu = time.perf_counter(), time.process_time()
            report = warehouse.load_extraction(staging, manifest, "copy-ab")
            seconds, cpu_s = time.perf_counter() - started, time.process_time() - cpu
            server_s = backend_cpu_s(pid) - server
            same_backend = backend_pid(warehouse) == pid
        finally:
            warehouse.dispose()
    return {
        "phase": "copy_ab",
        "bulk": bulk,
        "conversations": report.conversations_loaded,
        "rows": report.rows_loaded,
        "seconds": round(seconds, 3),
        "stage_s": report.timings["stage_s"],
        "merge_s": report.timings["merge_s"],
        "cpu_s": round(cpu_s, 3),
        "server_cpu_s": round(server_s, 2),
        "same_backend": same_backend,
        "load_1m": load_1m,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=30_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--bulk", default="copy,copy_text", help="bulk paths to compare (Warehouse bulk=)")
    args = parser.parse_args()
    paths = args.bulk.split(",")
    lines: dict[str, list[dict[str, Any]]] = {path: [] for path in paths}
    with tempfile.TemporaryDirectory(prefix="genesys-copy-ab-") as scratch:
        staging, manifest = stage_pages(Path(scratch) / "staging", args.n, 1000)
        for round_ in range(args.rounds):
            for path in paths if round_ % 2 == 0 else reversed(paths):
                line = load_once(path, staging, manifest)
                emit(line)
                lines[path].append(line)
    emit(
        {
            "summary": True,
            "n": args.n,
            "rounds": args.rounds,
            **{
                path: {
                    key: statistics.median(line[key] for line in runs)
                    for key in ("seconds", "stage_s", "cpu_s", "server_cpu_s")
                }
                for path, runs in lines.items()
            },
        }
    )


if __name__ == "__main__":
    main()
