"""Airflow 3 public REST API, called the way the UI calls it.

Authentication follows SimpleAuthManager in Airflow 3.3: ``POST /auth/token`` with a JSON body
``{"username", "password"}`` answers 201 ``{"access_token": <JWT>}``, sent as a Bearer token.
The token is never logged or put into an error message.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

import requests

from genesys_cluster.polling import poll_until

TERMINAL_RUN_STATES = frozenset({"success", "failed"})
PAGE_SIZE = 100


class AirflowApiError(AssertionError):
    """A non-2xx answer; carries the status and a truncated body for the test report."""

    def __init__(self, method: str, path: str, status: int, body: str) -> None:
        super().__init__(f"{method} {path} -> {status}: {body[:500]}")
        self.status = status


class AirflowRestClient:
    """Thin client for the endpoints the system tests need; one method per operation."""

    def __init__(self, base_url: str, username: str, password: str, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._credentials = {"username": username, "password": password}
        self._timeout = timeout
        self._session = requests.Session()
        # A connection per call: the api-server (uvicorn) closes idle keep-alive connections
        # after 5 s, and a call sent on one just as it closes dies with a reset.
        self._session.headers["Connection"] = "close"
        self._token: str | None = None

    def close(self) -> None:
        self._session.close()

    # --- plumbing -------------------------------------------------------------------------
    def _fetch_token(self) -> str:
        response = self._session.post(f"{self.base_url}/auth/token", json=self._credentials, timeout=self._timeout)
        if response.status_code != 201:
            raise AirflowApiError("POST", "/auth/token", response.status_code, response.text)
        return response.json()["access_token"]

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        """Every API call goes through here: auth, one token refresh on 401, error mapping."""
        for attempt in range(2):
            if self._token is None:
                self._token = self._fetch_token()
            response = self._session.request(
                method,
                f"{self.base_url}{path}",
                headers={"Authorization": f"Bearer {self._token}"},
                timeout=self._timeout,
                **kwargs,
            )
            if response.status_code == 401 and attempt == 0:
                self._token = None
                continue
            if not response.ok:
                raise AirflowApiError(method, path, response.status_code, response.text)
            return response.json() if response.content else None
        raise AssertionError("unreachable: the loop returns or raises")

    def _paginate(self, path: str, key: str, params: dict[str, Any] | None = None) -> list[dict]:
        items: list[dict] = []
        while True:
            page = self._request("GET", path, params={**(params or {}), "limit": PAGE_SIZE, "offset": len(items)})
            items.extend(page[key])
            if not page[key] or len(items) >= page["total_entries"]:
                return items

    # --- monitoring -----------------------------------------------------------------------
    def health(self) -> dict:
        """``/api/v2/monitor/health`` needs no token: usable before auth works."""
        response = self._session.get(f"{self.base_url}/api/v2/monitor/health", timeout=self._timeout)
        response.raise_for_status()
        return response.json()

    def import_errors(self) -> list[dict]:
        return self._paginate("/api/v2/importErrors", "import_errors")

    # --- DAGs and pools -------------------------------------------------------------------
    def get_dag(self, dag_id: str) -> dict | None:
        try:
            return self._request("GET", f"/api/v2/dags/{dag_id}")
        except AirflowApiError as exc:
            if exc.status == 404:
                return None
            raise

    def set_paused(self, dag_id: str, paused: bool) -> dict:
        return self._request("PATCH", f"/api/v2/dags/{dag_id}", json={"is_paused": paused})

    def unpause(self, dag_id: str) -> dict:
        return self.set_paused(dag_id, False)

    def set_pool(self, name: str, slots: int, description: str = "") -> dict:
        """Create the pool, or resize it when it exists (e.g. ``default_pool``)."""
        body = {"name": name, "slots": slots, "description": description}
        try:
            return self._request("POST", "/api/v2/pools", json=body)
        except AirflowApiError as exc:
            if exc.status != 409:
                raise
            return self._request("PATCH", f"/api/v2/pools/{name}", json=body)

    # --- backfills, runs and task instances -----------------------------------------------
    def create_backfill(
        self,
        dag_id: str,
        from_date: datetime,
        to_date: datetime,
        *,
        max_active_runs: int = 10,
        reprocess_behavior: str = "none",
        run_backwards: bool = False,
        dag_run_conf: dict | None = None,
    ) -> dict:
        """The request body the UI's Backfill dialog posts (dates inclusive, ISO 8601).

        The runs are created at once but only execute while the DAG is unpaused (seen on 3.3.2).
        """
        body = {
            "dag_id": dag_id,
            "from_date": from_date.isoformat(),
            "to_date": to_date.isoformat(),
            "run_backwards": run_backwards,
            "dag_run_conf": dag_run_conf or {},
            "reprocess_behavior": reprocess_behavior,
            "max_active_runs": max_active_runs,
        }
        return self._request("POST", "/api/v2/backfills", json=body)

    def get_backfill(self, backfill_id: int) -> dict:
        return self._request("GET", f"/api/v2/backfills/{backfill_id}")

    def dag_runs(self, dag_id: str, run_type: str | None = None) -> list[dict]:
        """Runs by logical date; ``run_type`` ("backfill", "scheduled", "manual") filters, since
        unpausing a DAG also creates its latest scheduled run next to a backfill's runs."""
        params: dict[str, Any] = {"order_by": "logical_date"}
        if run_type:
            params["run_type"] = [run_type]
        return self._paginate(f"/api/v2/dags/{dag_id}/dagRuns", "dag_runs", params)

    def trigger_run(self, dag_id: str, conf: dict[str, Any], note: str | None = None) -> dict:
        """A manual run as the Trigger form posts it (no logical date: "now")."""
        body: dict[str, Any] = {"logical_date": None, "conf": conf}
        if note is not None:
            body["note"] = note
        return self._request("POST", f"/api/v2/dags/{dag_id}/dagRuns", json=body)

    def clear_run(self, dag_id: str, run_id: str) -> dict:
        """Clear every task of a finished run (the UI's "Clear" on the run): it runs again."""
        return self._request("POST", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/clear", json={"dry_run": False})

    def create_connection(self, connection: dict[str, Any]) -> dict:
        """Store a connection in the metadata DB (what Admin -> Connections lists)."""
        return self._request("POST", "/api/v2/connections", json=connection)

    def task_instances(self, dag_id: str, run_id: str = "~") -> list[dict]:
        """Task instances of one run, or of every run with ``~``; each has ``hostname``."""
        return self._paginate(f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances", "task_instances")

    def xcom_value(self, dag_id: str, run_id: str, task_id: str, key: str = "return_value") -> Any:
        """One XCom of a task instance, deserialized (``deserialize=true``)."""
        entry = self._request(
            "GET",
            f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/xcomEntries/{key}",
            params={"deserialize": "true", "stringify": "false"},
        )
        return entry["value"]

    def wait_for_dag(self, dag_id: str, *, timeout: float, health_check: Callable[[], None] | None = None) -> dict:
        """Wait until the dag-processor has parsed the DAG; fail at once on an import error."""

        def probe() -> dict | None:
            errors = self.import_errors()
            if errors:
                raise AssertionError(f"DAG import errors: {[(e['filename'], e['stack_trace'][-500:]) for e in errors]}")
            return self.get_dag(dag_id)

        return poll_until(probe, timeout=timeout, what=f"DAG {dag_id!r} to be parsed", health_check=health_check)

    def wait_for_runs(
        self,
        dag_id: str,
        *,
        expected: int,
        timeout: float,
        run_type: str | None = "backfill",
        run_ids: Iterable[str] | None = None,
        health_check: Callable[[], None] | None = None,
    ) -> list[dict]:
        """Wait until ``expected`` runs of ``run_type`` (None: any; optionally only ``run_ids``)
        exist and are all success or failed."""
        wanted = set(run_ids) if run_ids is not None else None

        def probe() -> list[dict] | None:
            runs = [r for r in self.dag_runs(dag_id, run_type) if wanted is None or r["dag_run_id"] in wanted]
            done = len(runs) >= expected and all(r["state"] in TERMINAL_RUN_STATES for r in runs)
            return runs if done else None

        return poll_until(
            probe,
            timeout=timeout,
            interval=2.0,
            what=f"{expected} terminal runs of {dag_id!r}",
            health_check=health_check,
        )
