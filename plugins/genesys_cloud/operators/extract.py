"""``extract``: the generic details-job operator, fed by the run plan.

The DAG passes every input as an XComArg of ``validate_window``'s plan, which resolved and
checked each setting once (``genesys_pipeline.settings``): they arrive typed, so nothing here
parses them again. That keeps every setting an Airflow Variable instead of code, with nothing
read at parse time.
After a successful extraction it purges the staged raw pages and rejects older than
``staging_retention_days`` (``genesys_pipeline.staging.retention``).
"""

from __future__ import annotations

import time
from typing import Any

from genesys_cloud.operators.audited import AuditedOperator
from genesys_cloud.operators.details_job import GenesysDetailsJobOperator
from genesys_pipeline.staging.retention import purge_expired

STARTED_AT_KEY = "started_at"


class GenesysExtractOperator(GenesysDetailsJobOperator, AuditedOperator):
    """Extracts the plan's window with its cache TTL, poll interval, results cap and ``force_extract`` (all templated);
    reports its duration and purges expired staging."""

    template_fields = (
        *AuditedOperator.template_fields,
        *GenesysDetailsJobOperator.template_fields,
        "cache_ttl_seconds",
        "force_extract",
        "poll_interval",
        "staging_retention_days",
        "max_job_results",
    )

    def __init__(self, *, staging_retention_days: int = 14, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.staging_retention_days = staging_retention_days

    def execute(self, context: Any) -> dict[str, Any]:
        started = time.time()
        context["ti"].xcom_push(key=STARTED_AT_KEY, value=started)  # survives a deferral
        result = _with_duration(super().execute(context), started)
        self._purge_expired_staging()
        return result

    def execute_complete(self, context: Any, event: dict[str, Any], resubmitted: bool = False) -> dict[str, Any]:
        result = super().execute_complete(context, event, resubmitted=resubmitted)
        ti = context["ti"]  # this try's own push (one map index: the refresh DAG maps extract over days)
        started = ti.xcom_pull(key=STARTED_AT_KEY, map_indexes=ti.map_index)
        self._purge_expired_staging()
        return _with_duration(result, started)

    def _purge_expired_staging(self) -> None:
        """Raw pages hold unhashed PII: drop what the retention rule lets go (this extraction is fresh)."""
        purged = purge_expired(self.staging, self.staging_retention_days)
        if purged.extractions or purged.rejects:
            self.log.info(
                "Purged %d expired extractions and %d rejects files from staging", purged.extractions, purged.rejects
            )


def _with_duration(result: dict[str, Any], started: float | None) -> dict[str, Any]:
    if started is not None:
        result["seconds"] = round(time.time() - started, 3)
    return result
