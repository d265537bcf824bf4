"""Peak resident memory of the pipeline, measured on a child process of its own.

Two readings of the same child: ``VmHWM`` (its memory's high-water mark, which starts from
zero at ``exec``) reported by the child itself, and ``ru_maxrss`` from ``os.wait4``. The
latter is the classic reading but on Linux it also keeps the high-water mark from before
``exec``, i.e. the size of the benchmark process that forked the child, so it is an upper
bound only; ``peak_rss_mb`` is VmHWM. A PostgreSQL load normalizes in a worker process of its
own (:mod:`genesys_pipeline.normalize.worker`), whose VmHWM :class:`ChildPeaks` samples; the
pipeline's figure is then the sum of both peaks, an upper bound on what the two hold at once.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
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


def _vmhwm_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:  # it ended between the listing and the read
        pass
    return 0


class ChildPeaks:
    """The largest VmHWM any child process of this one reached while inside ``with`` (sampled
    every ``period`` s; VmHWM only grows, so a sample misses at most the last period's growth)."""

    def __init__(self, period: float = 0.02) -> None:
        self.period = period
        self.peak_kb = 0
        self._stop = threading.Event()
        self._sampler = threading.Thread(target=self._sample, name="child-peaks", daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(self.period):
            for task in Path("/proc/self/task").iterdir():
                for pid in (task / "children").read_text().split():
                    self.peak_kb = max(self.peak_kb, _vmhwm_kb(int(pid)))

    @property
    def peak_mb(self) -> float:
        return round(self.peak_kb / 1024, 1)

    def __enter__(self) -> ChildPeaks:
        self._sampler.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._sampler.join()


def run_measured(command: list[str]) -> tuple[dict[str, Any], float]:
    """Run ``command``; return the last JSON line it printed and its ``ru_maxrss`` in MB (Linux: KB units)."""
    child = subprocess.Popen(command, stdout=subprocess.PIPE)
    output = child.stdout.read()
    _pid, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)  # tell Popen it has been reaped
    if child.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited with {child.returncode}")
    return orjson.loads(output.strip().splitlines()[-1]), round(usage.ru_maxrss / 1024, 1)


def ours_peak_rss(base_url: str, interval: str, db_url: str, worker: bool = True) -> dict[str, Any]:
    """One end-to-end ``ours`` run in a fresh interpreter: its result line with both RSS readings."""
    result, ru_maxrss_mb = run_measured(
        [
            sys.executable,
            str(OURS_SCRIPT),
            "--base-url",
            base_url,
            "--interval",
            interval,
            "--db-url",
            db_url,
            "--report-rss",
            *(() if worker else ("--no-worker",)),
        ]
    )
    return {**result, "phase": "ours_rss", "ru_maxrss_mb": ru_maxrss_mb}
