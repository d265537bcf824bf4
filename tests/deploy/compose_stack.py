"""Drive the real docker-compose stack for tests/deploy/test_compose_stack.py (and nothing else).

The engine (deploy/engine.sh: started only when none runs, stopped only if we started it), the
stand-in images (deploy/build-standins.sh), one compose project of the users' docker-compose.yaml
plus deploy/compose.standin.yaml plus this suite's compose.stack-test.yaml, and reads of the
stack's PostgreSQL and Redis through ``docker compose exec`` (nothing of theirs is published).
Every command has a timeout, so a wedged engine fails the test instead of hanging CI.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support.paths import ROOT

DEPLOY = ROOT / "deploy"
COMPOSE_FILES = (
    ROOT / "docker-compose.yaml",
    DEPLOY / "compose.standin.yaml",
    Path(__file__).with_name("compose.stack-test.yaml"),
)
ADMIN = "admin"


def run(args: list[str], *, timeout: float, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(args, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    if check and result.returncode != 0:
        raise AssertionError(
            f"{' '.join(args[:6])} ... exited {result.returncode}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )
    return result


def engine_unavailable_reason() -> str | None:
    """Why no engine can run here (the test then skips, or fails under CI=true), else None."""
    if shutil.which("docker") is None:
        return "no docker client (deploy/install-docker.sh installs docker.io and Compose v2)"
    if run(["docker", "compose", "version"], timeout=30, check=False).returncode != 0:
        return "no Compose v2 plugin (deploy/install-docker.sh)"
    if run(["docker", "info"], timeout=30, check=False).returncode == 0:
        return None
    if shutil.which("dockerd") is None or os.geteuid() != 0:
        return "no running Docker engine and none can be started here (dockerd as root)"
    return None


@contextmanager
def docker_engine() -> Iterator[None]:
    """An engine for the block: ours (stopped afterwards) when none runs, else the one running."""
    started = run([str(DEPLOY / "engine.sh"), "start"], timeout=120).stdout.startswith("started")
    try:
        yield
    finally:
        if started:
            run([str(DEPLOY / "engine.sh"), "stop"], timeout=60, check=False)


def write_env_file(path: Path) -> dict[str, str]:
    """A filled-in .env (fresh secrets) with this test's capacity; returns it."""
    from cryptography.fernet import Fernet

    env = {
        "POSTGRES_PASSWORD": secrets.token_urlsafe(24),
        "AIRFLOW_FERNET_KEY": Fernet.generate_key().decode(),
        "AIRFLOW_JWT_SECRET": secrets.token_urlsafe(64),
        "AIRFLOW_ADMIN_PASSWORD": secrets.token_urlsafe(16),
        "WAREHOUSE_DB_PASSWORD": secrets.token_urlsafe(24),
        "AIRFLOW_WORKER_CONCURRENCY": "2",
        "AIRFLOW_PARALLELISM": "8",
    }
    path.write_text("".join(f"{key}={value}\n" for key, value in env.items()))
    path.chmod(0o600)
    return env


@dataclass
class ComposeStack:
    project: str
    env_file: Path
    admin_password: str = field(repr=False)  # never in a test report
    timings: dict[str, float] = field(default_factory=dict)

    def compose(self, *args: str, timeout: float = 300, check: bool = True) -> subprocess.CompletedProcess[str]:
        files = [arg for path in COMPOSE_FILES for arg in ("-f", str(path))]
        command = ["docker", "compose", "-p", self.project, "--project-directory", str(ROOT)]
        command += ["--env-file", str(self.env_file), "--env-file", str(ROOT / "emulator.env"), *files]
        return run([*command, "--profile", "emulator", *args], timeout=timeout, check=check)

    def up(self, *, timeout: float) -> float:
        """``up --wait`` with two workers; seconds until every service was healthy."""
        started = time.monotonic()
        self.compose("up", "-d", "--wait", "--scale", "airflow-worker=2", timeout=timeout)
        return time.monotonic() - started

    def containers(self) -> list[dict]:
        out = self.compose("ps", "-a", "--format", "json", timeout=60).stdout
        text = out.strip()
        if text.startswith("["):
            return json.loads(text)
        return [json.loads(line) for line in text.splitlines() if line.strip()]

    def container_ids(self, service: str) -> list[str]:
        return self.compose("ps", "-q", service, timeout=60).stdout.split()

    def address(self, service: str, port: int) -> tuple[str, int]:
        [container] = self.container_ids(service)
        ip = run(
            ["docker", "inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}", container],
            timeout=30,
        ).stdout.split()[0]
        return ip, port

    def hostnames(self, service: str) -> dict[str, str]:
        """Container hostname (what task instances record) -> container id."""
        return {
            run(["docker", "inspect", "-f", "{{.Config.Hostname}}", cid], timeout=30).stdout.strip(): cid
            for cid in self.container_ids(service)
        }

    def sql(self, query: str) -> list[list[str]]:
        """Rows of ``query`` in the stack's warehouse, read inside its container."""
        out = self.compose(
            "exec",
            "-T",
            "warehouse-postgres",
            "psql",
            "-U",
            "genesys",
            "-d",
            "warehouse",
            "-At",
            "-F",
            "\t",
            "-v",
            "ON_ERROR_STOP=1",
            "-c",
            query,
            timeout=120,
        ).stdout
        return [line.split("\t") for line in out.splitlines() if line]

    def redis_keys(self, db: int) -> list[str]:
        out = self.compose("exec", "-T", "redis", "redis-cli", "-n", str(db), "--scan", timeout=60).stdout
        return sorted(out.split())

    def staged_files(self) -> list[str]:
        out = self.compose(
            "exec", "-T", "airflow-scheduler", "find", "/opt/airflow/staging", "-type", "f", timeout=60
        ).stdout
        return sorted(out.split())

    def down(self, *, volumes: bool) -> None:
        self.compose(
            "down", *(["-v"] if volumes else []), "--remove-orphans", "--timeout", "30", timeout=300, check=not volumes
        )


def skip_or_fail(reason: str) -> None:
    """Under CI=true a missing engine is a failure, never a skip (tests/README.md)."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"compose stack test cannot run under CI: {reason}")
    pytest.skip(reason)
