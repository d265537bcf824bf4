"""Fast checks of the harness's building blocks: shared env, process-group stopping, polling."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from genesys_cluster import hostname as cluster_hostname
from genesys_cluster.config import ClusterConfig, ClusterPorts, build_cluster_env, free_ports, worker_env
from genesys_cluster.processes import ManagedProcess, stop_all
from genesys_cluster.polling import WaitTimeout, poll_until

PORTS = ClusterPorts(api=18080, scheduler_health=18974, triggerer_logs=18794, scheduler_logs=18793, worker_logs=(18801, 18802))


def cluster_env(tmp_path: Path, **config) -> dict[str, str]:
    return build_cluster_env(
        ClusterConfig(dags_folder=tmp_path / "dags", **config),
        home=tmp_path / "home",
        ports=PORTS,
        metadata_url="postgresql+psycopg2://postgres@127.0.0.1:5432/airflow_cluster_x",
        jwt_secret="jwt-secret",
        broker_url="redis://127.0.0.1:6379/9",
        result_backend="db+postgresql://postgres@127.0.0.1:5432/airflow_cluster_x",
        environ={"PATH": "/usr/bin", "AIRFLOW_HOME": "/leaked", "AIRFLOW__CORE__EXECUTOR": "Leaked", "AIRFLOW_CONN_X": "y"},
    )


def test_env_drops_the_callers_airflow_settings_and_points_everything_at_one_cluster(tmp_path):
    env = cluster_env(tmp_path, env_overrides={"AIRFLOW_CONN_GENESYS_WAREHOUSE": "sqlite:///w.db"})
    assert env["AIRFLOW_HOME"] == str(tmp_path / "home") and "AIRFLOW_CONN_X" not in env
    assert env["PATH"] == "/usr/bin"
    assert env["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor"
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://127.0.0.1:18080/execution/"
    assert env["AIRFLOW__API__PORT"] == "18080"
    assert env["AIRFLOW_CONN_GENESYS_WAREHOUSE"] == "sqlite:///w.db"
    assert "AIRFLOW__CELERY__BROKER_URL" not in env


def test_celery_env_and_distinct_worker_identities(tmp_path):
    env = cluster_env(tmp_path, executor="CeleryExecutor", celery_worker_concurrency=3)
    assert env["AIRFLOW__CELERY__BROKER_URL"] == "redis://127.0.0.1:6379/9"
    assert env["AIRFLOW__CELERY__WORKER_CONCURRENCY"] == "3"
    first, second = (worker_env(env, name=f"worker{i}", log_server_port=p) for i, p in enumerate(PORTS.worker_logs, 1))
    assert first[cluster_hostname.WORKER_NAME_VARIABLE] != second[cluster_hostname.WORKER_NAME_VARIABLE]
    assert first["AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT"] != second["AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT"]
    assert first["AIRFLOW__API_AUTH__JWT_SECRET"] == second["AIRFLOW__API_AUTH__JWT_SECRET"] == "jwt-secret"


def test_celery_without_a_broker_is_refused(tmp_path):
    with pytest.raises(ValueError, match="broker"):
        build_cluster_env(
            ClusterConfig(dags_folder=tmp_path, executor="CeleryExecutor"),
            home=tmp_path, ports=PORTS, metadata_url="sqlite://", jwt_secret="s", environ={},
        )


def test_free_ports_are_distinct():
    ports = free_ports(6)
    assert len(set(ports)) == 6


def test_hostname_callable_reports_the_worker_name(monkeypatch):
    monkeypatch.setenv(cluster_hostname.WORKER_NAME_VARIABLE, "worker7")
    assert cluster_hostname.worker_name() == "worker7"


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_stop_reaches_children_and_kills_what_ignores_sigterm(tmp_path):
    # The parent ignores SIGTERM and leaves a child behind: both must be gone after stop.
    script = "import signal, subprocess, sys, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); " \
             "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)']); " \
             "print(child.pid, flush=True); time.sleep(120)"
    process = ManagedProcess("stubborn", [sys.executable, "-c", script], dict(os.environ), tmp_path / "stubborn.log")
    process.start()
    child_pid = poll_until(lambda: (process.log_path.read_text().strip() or None), timeout=60, what="child pid", interval=0.1)
    stop_all([process], timeout=1.0)
    assert process.exit_code() is not None and not process.is_running()
    # SIGKILL to the group is delivered asynchronously: the orphaned child dies a moment later.
    poll_until(lambda: not process_alive(int(child_pid)) or _is_zombie(int(child_pid)) or None,
               timeout=10, what="the child to die", interval=0.05)


def _is_zombie(pid: int) -> bool:
    status = Path(f"/proc/{pid}/status")
    return status.exists() and "State:\tZ" in status.read_text()


def test_poll_until_surfaces_a_dead_component_at_once():
    def dead() -> None:
        raise AssertionError("scheduler exited with 1")

    with pytest.raises(AssertionError, match="scheduler exited"):
        poll_until(lambda: None, timeout=60, what="never", health_check=dead)


def test_poll_until_times_out_with_what_it_waited_for():
    with pytest.raises(WaitTimeout, match="the impossible"):
        poll_until(lambda: None, timeout=0.2, interval=0.05, what="the impossible")
