"""What a local Airflow cluster is made of: its settings and the environment every process shares.

Kept free of process handling so the environment can be checked by fast unit tests. The
environment mirrors the ``x-airflow-common`` block of docker-compose.yaml: one JWT secret, one
execution API URL, one metadata database and one broker for every component.
"""

from __future__ import annotations

import os
import secrets
import socket
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from genesys_cluster.hostname import WORKER_NAME_VARIABLE

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PLUGINS_FOLDER = PROJECT_ROOT / "plugins"
HARNESS_DIR = Path(__file__).resolve().parent
AIRFLOW_BIN = str(Path(sys.executable).with_name("airflow"))
ADMIN_USER = "admin"

Executor = Literal["LocalExecutor", "CeleryExecutor"]


@dataclass(frozen=True)
class ClusterConfig:
    """What a test may vary: DAGs, executor, worker count, extra env (connections, staging)."""

    dags_folder: Path
    executor: Executor = "LocalExecutor"
    celery_workers: int = 2
    celery_worker_concurrency: int = 2
    parallelism: int = 4
    env_overrides: Mapping[str, str] = field(default_factory=dict)
    pools: Mapping[str, int] = field(default_factory=dict)
    admin_password: str = "admin"
    dag_refresh_interval_seconds: int = 5
    startup_timeout: float = 180.0
    stop_timeout: float = 30.0


@dataclass(frozen=True)
class ClusterPorts:
    """Every TCP port a cluster listens on, chosen free so parallel clusters do not collide."""

    api: int
    scheduler_health: int
    triggerer_logs: int
    scheduler_logs: int
    worker_logs: tuple[int, ...]

    @classmethod
    def allocate(cls, workers: int) -> ClusterPorts:
        ports = free_ports(4 + workers)
        return cls(ports[0], ports[1], ports[2], ports[3], tuple(ports[4:]))


def free_ports(count: int) -> list[int]:
    """Ports the OS reports free right now (held open together so they are distinct)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def new_jwt_secret() -> str:
    return secrets.token_urlsafe(64)  # HS512 wants at least 64 bytes of key


def inherited_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The caller's environment without any Airflow setting, so nothing leaks in from pytest."""
    return {key: value for key, value in environ.items() if not key.startswith("AIRFLOW")}


def build_cluster_env(
    config: ClusterConfig,
    *,
    home: Path,
    ports: ClusterPorts,
    metadata_url: str,
    jwt_secret: str,
    broker_url: str | None = None,
    result_backend: str | None = None,
    environ: Mapping[str, str] = os.environ,
) -> dict[str, str]:
    """The environment shared by every component and CLI call of one cluster."""
    env = inherited_environment(environ)
    python_path = [str(HARNESS_DIR)] + ([environ["PYTHONPATH"]] if environ.get("PYTHONPATH") else [])
    env.update(
        {
            "PYTHONPATH": os.pathsep.join(python_path),
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(config.dags_folder),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(PLUGINS_FOLDER),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__EXECUTOR": config.executor,
            "AIRFLOW__CORE__PARALLELISM": str(config.parallelism),
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{ports.api}/execution/",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{ADMIN_USER}:admin",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(home / "passwords.json"),
            "AIRFLOW__CORE__HOSTNAME_CALLABLE": "genesys_cluster.hostname.worker_name",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata_url,
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(ports.api),
            "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{ports.api}",
            "AIRFLOW__API__WORKERS": "1",
            "AIRFLOW__API_AUTH__JWT_SECRET": jwt_secret,
            "AIRFLOW__CORE__TEST_CONNECTION": "Enabled",  # the Connections page's Test button, as in make airflow
            "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "True",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_HOST": "127.0.0.1",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_PORT": str(ports.scheduler_health),
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": str(config.dag_refresh_interval_seconds),
            "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": str(config.dag_refresh_interval_seconds),
            "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES": "1",
            "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(ports.scheduler_logs),
            "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(ports.triggerer_logs),
        }
    )
    if config.executor == "CeleryExecutor":
        if not (broker_url and result_backend):
            raise ValueError("CeleryExecutor needs a broker_url and a result_backend")
        env.update(
            {
                "AIRFLOW__CELERY__BROKER_URL": broker_url,
                "AIRFLOW__CELERY__RESULT_BACKEND": result_backend,
                "AIRFLOW__CELERY__WORKER_CONCURRENCY": str(config.celery_worker_concurrency),
                # One task reserved per free slot: queued partitions spread over all workers.
                "AIRFLOW__CELERY__WORKER_PREFETCH_MULTIPLIER": "1",
            }
        )
    env.update(config.env_overrides)
    return env


def worker_env(cluster_env: Mapping[str, str], *, name: str, log_server_port: int) -> dict[str, str]:
    """One Celery worker's environment: its own name (recorded as the task's hostname) and log port.

    In docker-compose every worker container has its own hostname, so this is only needed
    because the local workers share one machine.
    """
    return {
        **cluster_env,
        WORKER_NAME_VARIABLE: name,
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(log_server_port),
    }
