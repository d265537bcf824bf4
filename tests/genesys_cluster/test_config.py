"""What a local Airflow cluster is made of: the environment every process shares, per-worker identities, free ports."""

from __future__ import annotations

from pathlib import Path

import pytest

from genesys_cluster import hostname as cluster_hostname
from genesys_cluster.config import ClusterConfig, ClusterPorts, build_cluster_env, free_ports, worker_env

PORTS = ClusterPorts(
    api=18080, scheduler_health=18974, triggerer_logs=18794, scheduler_logs=18793, worker_logs=(18801, 18802)
)


def cluster_env(tmp_path: Path, **config) -> dict[str, str]:
    return build_cluster_env(
        ClusterConfig(dags_folder=tmp_path / "dags", **config),
        home=tmp_path / "home",
        ports=PORTS,
        metadata_url="postgresql+psycopg2://postgres@127.0.0.1:5432/airflow_cluster_x",
        jwt_secret="jwt-secret",
        broker_url="redis://127.0.0.1:6379/9",
        result_backend="db+postgresql://postgres@127.0.0.1:5432/airflow_cluster_x",
        environ={
            "PATH": "/usr/bin",
            "AIRFLOW_HOME": "/leaked",
            "AIRFLOW__CORE__EXECUTOR": "Leaked",
            "AIRFLOW_CONN_X": "y",
        },
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
            home=tmp_path,
            ports=PORTS,
            metadata_url="sqlite://",
            jwt_secret="s",
            environ={},
        )


def test_free_ports_are_distinct():
    ports = free_ports(6)
    assert len(set(ports)) == 6
