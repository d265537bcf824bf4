"""``[core] hostname_callable`` for local Celery workers: each reports its own worker name."""

from __future__ import annotations

from genesys_cluster import hostname as cluster_hostname


def test_hostname_callable_reports_the_worker_name(monkeypatch):
    monkeypatch.setenv(cluster_hostname.WORKER_NAME_VARIABLE, "worker7")
    assert cluster_hostname.worker_name() == "worker7"
