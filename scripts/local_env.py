"""What the local demo and the local Airflow share: an emulator subprocess and the Airflow environment.

Connections and settings are plain environment variables (``AIRFLOW_CONN_*`` JSON,
``AIRFLOW_VAR_*``), the same contract a real deployment uses, and the scripts never print a
secret. ``make demo`` uses them as they are; ``make airflow`` moves them into its metadata DB
so the UI shows them (metadata_settings.py).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
AIRFLOW = str(Path(PYTHON).with_name("airflow"))
EMULATOR_CLIENT_ID = "emulator-client"
EMULATOR_CLIENT_SECRET = "emulator-secret"
EMULATOR_WEBHOOK_SECRET = "emulator-webhook-secret"
API_POOL = "genesys_api"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class EmulatorProcess:
    """``python -m genesys_emulator`` on a port of its own, stopped on exit (only the process we started)."""

    def __init__(
        self,
        port: int,
        conversations_per_day: int = 2000,
        seed: int = 42,
        log_path: Path | None = None,
        record_cache_size: int | None = None,
    ) -> None:
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}"
        self._args = [
            PYTHON,
            "-m",
            "genesys_emulator",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--seed",
            str(seed),
            "--conversations-per-day",
            str(conversations_per_day),
        ]
        if record_cache_size is not None:
            self._args += ["--record-cache", str(record_cache_size)]
        self._log_path = log_path
        self._process: subprocess.Popen | None = None
        self._log = None

    def __enter__(self) -> EmulatorProcess:
        self._log = open(self._log_path, "ab") if self._log_path else None
        self._process = subprocess.Popen(
            self._args, stdout=self._log or subprocess.DEVNULL, stderr=subprocess.STDOUT, cwd=ROOT
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"the emulator exited with code {self._process.returncode} (log: {self._log_path})")
            try:
                requests.get(f"{self.base_url}/_emulator/clock", timeout=1).raise_for_status()
                return self
            except requests.RequestException:
                time.sleep(0.2)
        self.__exit__(None, None, None)
        raise RuntimeError("the emulator did not answer within 60 s")

    def __exit__(self, *exc: object) -> None:
        if self._process and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        if self._log:
            self._log.close()

    def control(self, method: str, path: str, **kwargs) -> dict | list:
        response = requests.request(method, f"{self.base_url}/_emulator/{path}", timeout=60, **kwargs)
        response.raise_for_status()
        return response.json()


def airflow_env(home: Path, emulator_url: str, warehouse_path: Path, staging_root: Path) -> dict[str, str]:
    """Environment for ``airflow`` commands: SQLite metadata in ``home``, this project's DAGs and plugins."""
    env = dict(os.environ)
    env.update(
        {
            # airflow standalone launches its components as `airflow` from PATH: make it this venv's.
            "PATH": os.pathsep.join([str(Path(AIRFLOW).parent), env.get("PATH", "")]),
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__PARALLELISM": "4",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
            "AIRFLOW_CONN_GENESYS_CLOUD_DEFAULT": json.dumps(
                {
                    "conn_type": "http",
                    "host": emulator_url,
                    "login": EMULATOR_CLIENT_ID,
                    "password": EMULATOR_CLIENT_SECRET,
                }
            ),
            "AIRFLOW_CONN_GENESYS_WAREHOUSE": json.dumps({"conn_type": "sqlite", "host": str(warehouse_path)}),
            "AIRFLOW_CONN_GENESYS_SYNC_WEBHOOK": json.dumps(
                {
                    "conn_type": "http",
                    "host": f"{emulator_url}/_emulator/webhooks",
                    "password": EMULATOR_WEBHOOK_SECRET,
                }
            ),
            "AIRFLOW_VAR_GENESYS_STAGING_ROOT": str(staging_root),
            "AIRFLOW_VAR_GENESYS_POLL_INTERVAL_SECONDS": "1",
        }
    )
    return env


def migrate_metadata_db(env: dict[str, str]) -> None:
    """Create or upgrade the metadata DB (a few seconds; quick when it is current)."""
    Path(env["AIRFLOW_HOME"]).mkdir(parents=True, exist_ok=True)
    run_airflow(env, "db", "migrate")


def create_api_pool(env: dict[str, str]) -> None:
    """The pool bounding concurrent Genesys API work; the scheduler will not run tasks of a missing pool
    (``airflow dags test`` ignores pools, so the demo skips this)."""
    run_airflow(env, "pools", "set", API_POOL, "4", "Concurrent Genesys API work (extract, waits, auth)")


def run_airflow(env: dict[str, str], *args: str, log_path: Path | None = None) -> None:
    """Run an ``airflow`` command quietly; on failure show the tail of its output and raise."""
    result = subprocess.run([AIRFLOW, *args], env=env, cwd=ROOT, capture_output=True, text=True)
    if log_path is not None:
        log_path.write_text(result.stdout + result.stderr)
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).splitlines()[-40:])
        raise RuntimeError(f"`airflow {' '.join(args)}` failed with exit code {result.returncode}:\n{tail}")
