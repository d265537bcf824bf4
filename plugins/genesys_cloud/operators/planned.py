"""The DAG's ``wait_for_data`` and ``extract`` steps: the generic sensor and details-job operator, fed by the run plan.

Their string arguments (window, partition, staging root) are templates over the plan; their
numeric and boolean knobs (timeout, cache TTL, force) cannot be templated (the constructors
validate types at parse time), so these subclasses set them from the plan when they execute.
That keeps every setting an Airflow Variable instead of code, with nothing read at parse time.
"""
from __future__ import annotations

import time
from typing import Any

from genesys_cloud.operators.details_job import GenesysDetailsJobOperator
from genesys_cloud.operators.run_context import run_plan
from genesys_cloud.sensors import GenesysDataAvailabilitySensor
from genesys_pipeline.staging_retention import purge_expired

STARTED_AT_KEY = "started_at"


class GenesysWaitForDataSensor(GenesysDataAvailabilitySensor):
    """Waits (deferred) for the watermark, polling every ``genesys_poll_interval_seconds`` and giving up
    after the ``genesys_availability_timeout_seconds`` setting."""

    def execute(self, context: Any) -> Any:
        plan = run_plan(context)
        self.timeout = float(plan["availability_timeout_seconds"])
        self.poke_interval = float(plan["poll_interval_seconds"])
        return super().execute(context)


class GenesysExtractOperator(GenesysDetailsJobOperator):
    """Extracts the plan's window with its cache TTL, poll interval and ``force_extract``; reports its duration."""

    def execute(self, context: Any) -> dict[str, Any]:
        plan = run_plan(context)
        self.cache_ttl_seconds = float(plan["cache_ttl_seconds"])
        self.force_extract = bool(plan["force_extract"])
        self.poll_interval = float(plan["poll_interval_seconds"])
        started = time.time()
        context["ti"].xcom_push(key=STARTED_AT_KEY, value=started)  # survives a deferral
        result = _with_duration(super().execute(context), started)
        self._purge_expired_staging(plan)
        return result

    def execute_complete(self, context: Any, event: dict[str, Any], resubmitted: bool = False) -> dict[str, Any]:
        result = super().execute_complete(context, event, resubmitted=resubmitted)
        started = context["ti"].xcom_pull(task_ids=self.task_id, key=STARTED_AT_KEY)
        self._purge_expired_staging(run_plan(context))
        return _with_duration(result, started)

    def _purge_expired_staging(self, plan: dict[str, Any]) -> None:
        """Raw pages hold unhashed PII: drop what the retention rule lets go (this extraction is fresh)."""
        purged = purge_expired(self.staging, int(plan["staging_retention_days"]))
        if purged.extractions or purged.rejects:
            self.log.info("Purged %d expired extractions and %d rejects files from staging",
                          purged.extractions, purged.rejects)


def _with_duration(result: dict[str, Any], started: float | None) -> dict[str, Any]:
    if started is not None:
        result["seconds"] = round(time.time() - started, 3)
    return result
