"""`make airflow`: Airflow 3 standalone on http://127.0.0.1:8080 (admin / admin) against a local emulator.

For clicking through the product: trigger or backfill ``genesys_conversations_daily`` from the
UI (Trigger -> Backfill), watch deferred tasks in the triggerer, rerun failed days. State lives
in ``.airflow/`` (SQLite metadata, warehouse ``.airflow/warehouse.db``, staging). Connections and
Variables are stored in the metadata DB (Admin -> Connections / Variables, editable, with a Test
button for the Genesys connection; see metadata_settings.py). Ctrl-C stops
Airflow and the emulator. ``--smoke`` starts everything, waits until the API server answers
its health check, and stops again (used to check the command works).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import time

import requests

from local_env import AIRFLOW, ROOT, EmulatorProcess, airflow_env, create_api_pool, free_port, migrate_metadata_db
from metadata_settings import store_in_metadata_db

HOME = ROOT / ".airflow"
DEFAULT_API_PORT = 8080
DEV_USER, DEV_PASSWORD = "admin", "admin"


def standalone_env(emulator_url: str, api_port: int) -> dict[str, str]:
    env = airflow_env(HOME, emulator_url, HOME / "warehouse.db", HOME / "staging")
    passwords = HOME / "simple_auth_manager_passwords.json"
    passwords.parent.mkdir(parents=True, exist_ok=True)
    passwords.write_text(json.dumps({DEV_USER: DEV_PASSWORD}))
    env.update(
        {
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(api_port),
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{api_port}/execution/",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{DEV_USER}:admin",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords),
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "30",
            "AIRFLOW__CORE__TEST_CONNECTION": "Enabled",  # the Connections page's Test button
        }
    )
    return env


def wait_healthy(process: subprocess.Popen, api_port: int, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"airflow standalone exited with code {process.returncode}")
        try:
            if requests.get(f"http://127.0.0.1:{api_port}/api/v2/monitor/health", timeout=2).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(1)
    raise RuntimeError(f"the API server did not become healthy within {timeout:.0f} s")


def stop(process: subprocess.Popen) -> None:
    """SIGINT first, which standalone handles cleanly; then the whole process group we started.

    Standalone runs in its own session, so the group is exactly its components; a scheduler
    that hangs on shutdown (or outlives its parent) is terminated, then killed.
    """
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            pass
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if not _group_alive(process.pid):
            break
        os.killpg(process.pid, sig)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and _group_alive(process.pid):
            time.sleep(0.5)
    process.wait()


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> int:
    # Ctrl-C, and SIGTERM from a supervisor, both stop cleanly (a shell may start us with SIGINT ignored).
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true", help="start, wait for health, stop")
    parser.add_argument("--port", type=int, default=DEFAULT_API_PORT, help="API server / UI port")
    args = parser.parse_args()
    HOME.mkdir(parents=True, exist_ok=True)
    with EmulatorProcess(free_port(), log_path=HOME / "emulator.log") as emulator:
        env = standalone_env(emulator.base_url, args.port)
        migrate_metadata_db(env)
        store_in_metadata_db(env, HOME)  # visible and editable in Admin -> Connections / Variables
        create_api_pool(env)
        # The child keeps its own copy of the log's descriptor; ours is closed once it has started.
        with open(HOME / "standalone.log", "ab") if args.smoke else contextlib.nullcontext() as log:
            process = subprocess.Popen(
                [AIRFLOW, "standalone"],
                env=env,
                cwd=ROOT,
                start_new_session=True,
                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
                stdout=log,
                stderr=subprocess.STDOUT if args.smoke else None,
            )
        try:
            wait_healthy(process, args.port)
            print(f"\nAirflow UI: http://127.0.0.1:{args.port}  (user {DEV_USER} / password {DEV_PASSWORD})")
            print(f"Genesys emulator: {emulator.base_url}; warehouse: {HOME / 'warehouse.db'}")
            print("Unpause genesys_conversations_daily, then Trigger -> Backfill a few past days. Ctrl-C stops.\n")
            if not args.smoke:
                process.wait()
        except KeyboardInterrupt:
            pass
        finally:
            stop(process)
    return 0


if __name__ == "__main__":
    sys.exit(main())
