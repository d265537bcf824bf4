"""``extract``: the generic details-job operator, fed by the run plan.

The DAG passes every input as a template (an XComArg of ``validate_window``'s plan, rendered at
run time). The generic operator takes its numeric and boolean knobs (cache TTL, force, poll
interval) as plain values, so this subclass accepts them as templated fields and coerces them
when it executes. That keeps every setting an Airflow Variable instead of code, with nothing read at parse time.
"""
from __future__ import annotations

import time
from typing import Any

from genesys_cloud.operators.details_job import GenesysDetailsJobOperator

STARTED_AT_KEY = "started_at"
TRUE_WORDS = frozenset({"true", "1", "yes"})
FALSE_WORDS = frozenset({"false", "0", "no", ""})


class GenesysExtractOperator(GenesysDetailsJobOperator):
    """Extracts the plan's window with its cache TTL, poll interval and ``force_extract`` (all templated);
    reports its duration."""

    template_fields = (*GenesysDetailsJobOperator.template_fields, "cache_ttl_seconds", "force_extract", "poll_interval")

    def _coerce_settings(self) -> None:
        self.cache_ttl_seconds = _as_number(self.cache_ttl_seconds, "cache_ttl_seconds")
        self.force_extract = _as_bool(self.force_extract, "force_extract")
        self.poll_interval = _as_number(self.poll_interval, "poll_interval")

    def execute(self, context: Any) -> dict[str, Any]:
        self._coerce_settings()
        started = time.time()
        context["ti"].xcom_push(key=STARTED_AT_KEY, value=started)  # survives a deferral
        return _with_duration(super().execute(context), started)

    def execute_complete(self, context: Any, event: dict[str, Any], resubmitted: bool = False) -> dict[str, Any]:
        self._coerce_settings()
        result = super().execute_complete(context, event, resubmitted=resubmitted)
        ti = context["ti"]  # this try's own push (one map index: the refresh DAG maps extract over days)
        started = ti.xcom_pull(key=STARTED_AT_KEY, map_indexes=ti.map_index)
        return _with_duration(result, started)


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
