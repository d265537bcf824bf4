"""One long-running Airflow component started by a test, and nothing else.

Each component runs in its own session (process group) so that stopping it also reaches the
children it forks (uvicorn workers, serve-logs, task supervisors) without touching any process
the test did not start. Stopping sends SIGTERM to the component itself first: a SIGTERM to the
whole group can hang the scheduler (its children die before it has shut them down), so the
group only gets SIGKILL, as the last resort and to reap stragglers.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO


@dataclass
class ManagedProcess:
    """A named subprocess whose combined stdout/stderr goes to ``log_path``."""

    name: str
    argv: Sequence[str]
    env: Mapping[str, str]
    log_path: Path
    cwd: Path | None = None
    _popen: subprocess.Popen | None = field(default=None, init=False, repr=False)
    _log_file: IO[bytes] | None = field(default=None, init=False, repr=False)

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log_file = self.log_path.open("ab")
        self._popen = subprocess.Popen(
            list(self.argv),
            env=dict(self.env),
            cwd=self.cwd,
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def pid(self) -> int | None:
        return self._popen.pid if self._popen else None

    def exit_code(self) -> int | None:
        """None while running (or never started), else the exit status."""
        return self._popen.poll() if self._popen else None

    def is_running(self) -> bool:
        return self._popen is not None and self._popen.poll() is None

    def request_stop(self) -> None:
        """Ask the component (not its group) to shut down gracefully."""
        if self.is_running():
            assert self._popen is not None
            self._popen.send_signal(signal.SIGTERM)

    def wait_stopped(self, timeout: float) -> None:
        """Wait for a graceful exit, then SIGKILL whatever is left of the process group."""
        if self._popen is None:
            return
        try:
            self._popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass
        self._kill_group()
        try:
            self._popen.wait(timeout=10)
        finally:
            if self._log_file:
                self._log_file.close()
                self._log_file = None

    def stop(self, timeout: float = 30.0) -> None:
        self.request_stop()
        self.wait_stopped(timeout)

    def _kill_group(self) -> None:
        # The child was started with start_new_session, so its pid is its process group id;
        # the group holds only processes descended from this component.
        assert self._popen is not None  # wait_stopped returns early when it was never started
        try:
            os.killpg(self._popen.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass

    def log_tail(self, max_lines: int = 40) -> str:
        if not self.log_path.exists():
            return ""
        lines = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(lines[-max_lines:])


def stop_all(processes: Sequence[ManagedProcess], timeout: float = 30.0) -> None:
    """Stop components in the given order: ask each in turn, then wait for each."""
    for process in processes:
        process.request_stop()
    deadline = time.monotonic() + timeout
    for process in processes:
        process.wait_stopped(max(1.0, deadline - time.monotonic()))
