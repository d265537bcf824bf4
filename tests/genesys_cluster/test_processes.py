"""One Airflow component process: stopping reaches its children and kills what ignores SIGTERM."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from genesys_cluster.polling import poll_until
from genesys_cluster.processes import ManagedProcess, stop_all


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_stop_reaches_children_and_kills_what_ignores_sigterm(tmp_path):
    # The parent ignores SIGTERM and leaves a child behind: both must be gone after stop.
    script = (
        "import signal, subprocess, sys, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)']); "
        "print(child.pid, flush=True); time.sleep(120)"
    )
    process = ManagedProcess("stubborn", [sys.executable, "-c", script], dict(os.environ), tmp_path / "stubborn.log")
    process.start()
    child_pid = poll_until(
        lambda: process.log_path.read_text().strip() or None, timeout=60, what="child pid", interval=0.1
    )
    stop_all([process], timeout=1.0)
    assert process.exit_code() is not None and not process.is_running()
    # SIGKILL to the group is delivered asynchronously: the orphaned child dies a moment later.
    poll_until(
        lambda: not process_alive(int(child_pid)) or _is_zombie(int(child_pid)) or None,
        timeout=10,
        what="the child to die",
        interval=0.05,
    )


def _is_zombie(pid: int) -> bool:
    status = Path(f"/proc/{pid}/status")
    return status.exists() and "State:\tZ" in status.read_text()
