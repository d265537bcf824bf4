"""Peak resident memory of the pipeline, measured on a child process of its own.

Two readings of the same child: ``VmHWM`` (its memory's high-water mark, which starts from
zero at ``exec``) reported by the child itself, and ``ru_maxrss`` from ``os.wait4``. The
latter is the classic reading but on Linux it also keeps the high-water mark from before
``exec``, i.e. the size of the benchmark process that forked the child, so it is an upper
bound only; ``peak_rss_mb`` is VmHWM.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson

OURS_SCRIPT = Path(__file__).with_name("ours.py")


def own_peak_rss_mb() -> float:
    """This process's peak resident set since exec (Linux /proc), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    raise RuntimeError("no VmHWM in /proc/self/status (the RSS measurement needs Linux)")


def run_measured(command: list[str]) -> tuple[dict[str, Any], float]:
    """Run ``command``; return the last JSON line it printed and its ``ru_maxrss`` in MB (Linux: KB units)."""
    child = subprocess.Popen(command, stdout=subprocess.PIPE)
    output = child.stdout.read()
    _pid, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)  # tell Popen it has been reaped
    if child.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited with {child.returncode}")
    return orjson.loads(output.strip().splitlines()[-1]), round(usage.ru_maxrss / 1024, 1)


def ours_peak_rss(base_url: str, interval: str, db_url: str) -> dict[str, Any]:
    """One end-to-end ``ours`` run in a fresh interpreter: its result line with both RSS readings."""
    result, ru_maxrss_mb = run_measured([sys.executable, str(OURS_SCRIPT), "--base-url", base_url,
                                         "--interval", interval, "--db-url", db_url, "--report-rss"])
    return {**result, "phase": "ours_rss", "ru_maxrss_mb": ru_maxrss_mb}
