"""Fixtures for tests that drive real Airflow components through ``AirflowCluster``.

``start_airflow_cluster(config)`` starts a cluster that is stopped when the test ends. When
the test fails, every component's log tail is added to its failure report.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack

import pytest

from genesys_cluster.cluster import AirflowCluster
from genesys_cluster.config import ClusterConfig


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Attach component logs while the processes (and their logs) still exist."""
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed:
        for index, cluster in enumerate(getattr(item, "airflow_clusters", [])):
            report.sections.append((f"Airflow cluster {index} component logs", cluster.logs_report()))


@pytest.fixture()
def start_airflow_cluster(request, postgres_server_url) -> Iterator[Callable[[ClusterConfig], AirflowCluster]]:
    clusters: list[AirflowCluster] = []
    request.node.airflow_clusters = clusters
    with ExitStack() as stack:

        def start(config: ClusterConfig) -> AirflowCluster:
            if config.executor == "CeleryExecutor":
                request.getfixturevalue("redis_server")  # skip, or fail under CI, without Redis
            cluster = stack.enter_context(AirflowCluster(config))
            clusters.append(cluster)
            return cluster

        yield start
