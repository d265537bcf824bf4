"""Run the real Airflow 3 components on the local servers, as docker-compose.yaml deploys them.

``AirflowCluster`` starts api-server, scheduler, dag-processor, triggerer and (for
CeleryExecutor) N ``airflow celery worker`` processes against a fresh PostgreSQL metadata
database and a dedicated Redis database, waits until they are healthy, and on exit stops only
the processes it started and drops what it created. Tests vary only the dags folder, the env
overrides (``AIRFLOW_CONN_*``, staging root) and the backfill parameters::

    config = ClusterConfig(
        dags_folder=ROOT / "dags", executor="CeleryExecutor", celery_workers=2,
        pools={"genesys_api": 4},
        env_overrides={"AIRFLOW_CONN_GENESYS_CLOUD_DEFAULT": ..., "AIRFLOW_CONN_GENESYS_WAREHOUSE": ...,
                       "AIRFLOW_VAR_GENESYS_STAGING_ROOT": str(tmp_path / "staging")},
    )
    with AirflowCluster(config) as cluster:      # or the start_airflow_cluster fixture
        cluster.api.unpause("my_dag")
        cluster.api.create_backfill("my_dag", start, end, max_active_runs=2)
        runs = cluster.api.wait_for_runs("my_dag", expected=3, timeout=600,
                                         health_check=cluster.assert_running)
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path
from types import TracebackType

import requests
from celery import Celery

from genesys_cluster.config import (
    ADMIN_USER,
    AIRFLOW_BIN,
    ClusterConfig,
    ClusterPorts,
    build_cluster_env,
    new_jwt_secret,
    worker_env,
)
from genesys_cluster.local_servers import (
    dedicated_redis_db,
    postgres_sqlalchemy_url,
    redis_url,
    temporary_postgres_database,
)
from genesys_cluster.polling import poll_until
from genesys_cluster.processes import ManagedProcess, stop_all
from genesys_cluster.rest import AirflowRestClient

HEALTHY = "healthy"


class ComponentDied(AssertionError):
    """A component exited while the cluster was in use; the message holds its log tail."""


class AirflowCluster:
    """A context manager owning one local Airflow deployment and everything it created."""

    def __init__(self, config: ClusterConfig, work_dir: Path | None = None) -> None:
        self.config = config
        self._resources = ExitStack()
        self._work_dir = work_dir
        self.home: Path = Path()
        self.env: dict[str, str] = {}
        self.ports: ClusterPorts  # allocated by start(), right before the processes bind them
        self.processes: dict[str, ManagedProcess] = {}
        self.api: AirflowRestClient | None = None

    @property
    def uses_celery(self) -> bool:
        return self.config.executor == "CeleryExecutor"

    @property
    def worker_names(self) -> list[str]:
        """The hostnames Celery workers record on the task instances they run."""
        return [f"worker{index + 1}" for index in range(self.config.celery_workers)] if self.uses_celery else []

    # --- lifecycle ------------------------------------------------------------------------
    def __enter__(self) -> AirflowCluster:
        try:
            self.start()
        except BaseException:
            self._report_logs()
            self.stop()
            raise
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is not None:
            self._report_logs()
        self.stop()

    def start(self) -> None:
        self.home = self._make_home()
        self.ports = ClusterPorts.allocate(len(self.worker_names))
        database = self._resources.enter_context(temporary_postgres_database("airflow_cluster"))
        broker = result_backend = None
        if self.uses_celery:
            broker = redis_url(self._resources.enter_context(dedicated_redis_db()))
            result_backend = "db+" + postgres_sqlalchemy_url(database, driver=None)
        self.env = build_cluster_env(
            self.config,
            home=self.home,
            ports=self.ports,
            metadata_url=postgres_sqlalchemy_url(database),
            jwt_secret=new_jwt_secret(),
            broker_url=broker,
            result_backend=result_backend,
        )
        (self.home / "passwords.json").write_text(json.dumps({ADMIN_USER: self.config.admin_password}))
        self.airflow_cli("db", "migrate", timeout=300)
        for process in self._component_processes():
            self.processes[process.name] = process
            process.start()
        self.api = AirflowRestClient(f"http://127.0.0.1:{self.ports.api}", ADMIN_USER, self.config.admin_password)
        self.wait_until_healthy()
        for pool, slots in self.config.pools.items():
            self.api.set_pool(pool, slots)

    def stop(self) -> None:
        """Stop in dependency order: no new scheduling, then executors, then the API they call."""
        tiers = [
            ["scheduler"],
            [name for name in self.processes if name.startswith("worker")] + ["triggerer", "dag-processor"],
            ["api-server"],
        ]
        for tier in tiers:
            stop_all([self.processes[name] for name in tier if name in self.processes], self.config.stop_timeout)
        if self.api is not None:
            self.api.close()
        self._resources.close()

    def _make_home(self) -> Path:
        if self._work_dir is not None:
            self._work_dir.mkdir(parents=True, exist_ok=True)
            return self._work_dir
        return Path(self._resources.enter_context(tempfile.TemporaryDirectory(prefix="airflow-cluster-")))

    def _component_processes(self) -> list[ManagedProcess]:
        def component(name: str, *args: str, env: dict[str, str] | None = None) -> ManagedProcess:
            return ManagedProcess(
                name, [AIRFLOW_BIN, *args], env or self.env, self.home / "process-logs" / f"{name}.log", cwd=self.home
            )

        processes = [
            component(
                "api-server", "api-server", "--host", "127.0.0.1", "--port", str(self.ports.api), "--workers", "1"
            ),
            component("scheduler", "scheduler"),
            component("dag-processor", "dag-processor"),
            component("triggerer", "triggerer"),
        ]
        for name, log_port in zip(self.worker_names, self.ports.worker_logs, strict=True):
            env = worker_env(self.env, name=name, log_server_port=log_port)
            processes.append(component(name, "celery", "worker", "--celery-hostname", f"{name}@%h", env=env))
        return processes

    # --- health ---------------------------------------------------------------------------
    def assert_running(self) -> None:
        """Raise at once when any component has exited: pass as ``health_check`` to waits."""
        for process in self.processes.values():
            code = process.exit_code()
            if code is not None:
                raise ComponentDied(f"{process.name} exited with {code}; last log lines:\n{process.log_tail()}")

    def wait_until_healthy(self) -> None:
        """API health reports the metadata DB, scheduler, triggerer and dag-processor healthy,
        the scheduler's own health endpoint answers, and every Celery worker answers a ping."""
        timeout = self.config.startup_timeout

        def api_healthy() -> dict | None:
            assert self.api is not None  # set by start(), before the wait
            health = self.api.health()
            statuses = [health[key]["status"] for key in ("metadatabase", "scheduler", "triggerer", "dag_processor")]
            return health if all(status == HEALTHY for status in statuses) else None

        poll_until(api_healthy, timeout=timeout, what="api-server health", health_check=self.assert_running)
        poll_until(self._scheduler_health, timeout=timeout, what="scheduler health", health_check=self.assert_running)
        if self.uses_celery:
            poll_until(
                self._all_workers_answer, timeout=timeout, what="Celery workers", health_check=self.assert_running
            )

    def _scheduler_health(self) -> bool | None:
        response = requests.get(f"http://127.0.0.1:{self.ports.scheduler_health}/health", timeout=5)
        return True if response.status_code == 200 else None

    def _all_workers_answer(self) -> list[str] | None:
        app = Celery(broker=self.env["AIRFLOW__CELERY__BROKER_URL"])
        try:
            replies = app.control.ping(timeout=2.0) or []
        finally:
            app.close()
        answering = sorted(name.split("@")[0] for reply in replies for name in reply)
        return answering if answering == sorted(self.worker_names) else None

    # --- CLI ------------------------------------------------------------------------------
    def airflow_cli(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """Run ``airflow <args>`` with the cluster's environment; raise with its output on failure."""
        result = subprocess.run(
            [AIRFLOW_BIN, *args], env=self.env, cwd=self.home, capture_output=True, text=True, timeout=timeout
        )
        if result.returncode != 0:
            raise AssertionError(
                f"airflow {' '.join(args)} exited {result.returncode}:\n"
                f"{result.stdout[-2000:]}\n{result.stderr[-3000:]}"
            )
        return result

    def clear_failed_tasks(self, dag_id: str, start: datetime, end: datetime) -> subprocess.CompletedProcess[str]:
        """Rerun a failed partition the way an operator does from the CLI."""
        return self.airflow_cli(
            "tasks",
            "clear",
            dag_id,
            "--start-date",
            start.isoformat(),
            "--end-date",
            end.isoformat(),
            "--only-failed",
            "--downstream",
            "--yes",
        )

    # --- diagnostics ----------------------------------------------------------------------
    def logs_report(self, max_lines: int = 40) -> str:
        """The tail of every component's log, for a failure message."""
        return "\n".join(
            f"----- {name} (pid {process.pid}, exit {process.exit_code()}) -----\n{process.log_tail(max_lines)}"
            for name, process in self.processes.items()
        )

    def _report_logs(self) -> None:
        # Printed, not logged: pytest shows captured stdout only for failing tests.
        print(self.logs_report())

    def tasks_run_by_triggerer(self, dag_id: str) -> set[tuple[str, str]]:
        """(run_id, task_id) of every task whose trigger the triggerer ran.

        The API forgets a finished deferral (trigger rows are deleted), but the triggerer leaves
        its own per-task log, ``attempt=N.log.trigger.<triggerer job id>.log``, next to the task's.
        """
        task_logs = self.home / "logs" / f"dag_id={dag_id}"
        return {
            (path.parent.parent.name.removeprefix("run_id="), path.parent.name.removeprefix("task_id="))
            for path in task_logs.glob("run_id=*/task_id=*/attempt=*.log.trigger.*.log")
        }

    def component_log(self, name: str) -> str:
        return self.processes[name].log_path.read_text(errors="replace")
