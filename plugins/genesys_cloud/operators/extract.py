"""``extract``: the generic details-job operator, fed by the run plan.

The DAG passes every input as a template (an XComArg of ``validate_window``'s plan, rendered at
run time). The generic operator takes its numeric and boolean knobs (cache TTL, force, poll
interval) as plain values, so this subclass accepts them as templated fields and coerces them
when it executes. That keeps every setting an Airflow Variable instead of code, with nothing read at parse time.
After a successful extraction it purges the staged raw pages and rejects older than
``staging_retention_days`` (``genesys_pipeline.staging_retention``).
"""
from __future__ import annotations

import time
from typing import Any

from genesys_cloud.operators.audited import AuditedOperator
from genesys_cloud.operators.details_job import GenesysDetailsJobOperator
from genesys_pipeline.staging_retention import purge_expired

STARTED_AT_KEY = "started_at"
TRUE_WORDS = frozenset({"true", "1", "yes"})
FALSE_WORDS = frozenset({"false", "0", "no", ""})


class GenesysExtractOperator(GenesysDetailsJobOperator, AuditedOperator):
    """Extracts the plan's window with its cache TTL, poll interval, results cap and ``force_extract`` (all templated);
    reports its duration and purges expired staging."""

    template_fields = (
        *AuditedOperator.template_fields, *GenesysDetailsJobOperator.template_fields,
        "cache_ttl_seconds", "force_extract", "poll_interval", "staging_retention_days", "max_job_results",
    )

    def __init__(self, *, staging_retention_days: Any = 14, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.staging_retention_days = staging_retention_days

    def _coerce_settings(self) -> None:
        self.cache_ttl_seconds = _as_number(self.cache_ttl_seconds, "cache_ttl_seconds")
        self.force_extract = _as_bool(self.force_extract, "force_extract")
        self.poll_interval = _as_number(self.poll_interval, "poll_interval")
        self.staging_retention_days = int(_as_number(self.staging_retention_days, "staging_retention_days"))
        self.max_job_results = int(_as_number(self.max_job_results, "max_job_results"))

    def execute(self, context: Any) -> dict[str, Any]:
        self._coerce_settings()
        started = time.time()
        context["ti"].xcom_push(key=STARTED_AT_KEY, value=started)  # survives a deferral
        result = _with_duration(super().execute(context), started)
        self._purge_expired_staging()
        return result

    def execute_with_slot(self, context: Any, event: dict[str, Any], resubmitted: bool = False) -> dict[str, Any]:
        self._coerce_settings()
        return super().execute_with_slot(context, event, resubmitted=resubmitted)

    def execute_complete(self, context: Any, event: dict[str, Any], resubmitted: bool = False) -> dict[str, Any]:
        self._coerce_settings()
        result = super().execute_complete(context, event, resubmitted=resubmitted)
        ti = context["ti"]  # this try's own push (one map index: the refresh DAG maps extract over days)
        started = ti.xcom_pull(key=STARTED_AT_KEY, map_indexes=ti.map_index)
        self._purge_expired_staging()
        return _with_duration(result, started)

    def _purge_expired_staging(self) -> None:
        """Raw pages hold unhashed PII: drop what the retention rule lets go (this extraction is fresh)."""
        purged = purge_expired(self.staging, self.staging_retention_days)
        if purged.extractions or purged.rejects:
            self.log.info("Purged %d expired extractions and %d rejects files from staging",
                          purged.extractions, purged.rejects)


def _as_bool(value: Any, field: str) -> bool:
    """A rendered Jinja template is a string: "False" must not force an extraction."""
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in TRUE_WORDS or word in FALSE_WORDS:
        return word in TRUE_WORDS
    raise ValueError(f"{field} must be true or false, got {value!r}")


def _as_number(value: Any, field: str) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{field} must be a number, got {value!r}") from None


def _with_duration(result: dict[str, Any], started: float | None) -> dict[str, Any]:
    if started is not None:
        result["seconds"] = round(time.time() - started, 3)
    return result
