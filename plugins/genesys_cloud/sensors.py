"""Wait for Genesys's data-availability watermark to pass a window's end before extracting it.

Async jobs silently return partial data for activity past the watermark, so a window is only
extracted once ``dataAvailabilityDate >= target``. The sensor checks once on a worker, then
defers the waiting to the triggerer. ``GenesysWaitForDataSensor`` is the same sensor with its
timeout and poll interval as templated fields, so the DAG can feed them from the run plan.
"""

from __future__ import annotations

import time
from datetime import datetime
from functools import cached_property
from typing import Any

from airflow.sdk import BaseSensorOperator, Context
from airflow.sdk.exceptions import AirflowSensorTimeout

from genesys_cloud.api.endpoints import parse_timestamp
from genesys_cloud.api.exceptions import GenesysError
from genesys_cloud.hook import GenesysCloudHook
from genesys_cloud.operators.audited import AuditedOperator
from genesys_cloud.triggers import AVAILABLE, TIMEOUT, GenesysDataAvailabilityTrigger


class GenesysDataAvailabilitySensor(BaseSensorOperator):
    """Succeeds when conversation details are available up to ``target`` (ISO-8601, templated)."""

    template_fields: tuple[str, ...] = ("target",)

    def __init__(
        self,
        *,
        target: str,
        genesys_conn_id: str = GenesysCloudHook.default_conn_name,
        deferrable: bool = True,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("mode", "reschedule")
        super().__init__(**kwargs)
        self.target = target
        self.genesys_conn_id = genesys_conn_id
        self.deferrable = deferrable

    @cached_property
    def hook(self) -> GenesysCloudHook:
        return GenesysCloudHook(genesys_conn_id=self.genesys_conn_id)

    def _target(self) -> datetime:
        return parse_timestamp(str(self.target))

    def poke(self, context: Context) -> bool:
        # this client's recent answer at or past the target answers with no request (answer_cache.py)
        available = self.hook.data_availability_covering(self._target())
        self.last_available = available
        self.log.info("Genesys data available up to %s; waiting for %s", available.isoformat(), self.target)
        return available >= self._target()

    def execute(self, context: Context) -> Any:
        """Returns the watermark it saw (ISO-8601): a load may treat only days it has passed as complete."""
        if not self.deferrable:
            super().execute(context)
            return self.last_available.isoformat()
        if self.poke(context):
            return self.last_available.isoformat()
        self.defer(
            trigger=GenesysDataAvailabilityTrigger(
                target=self._target().isoformat(),
                genesys_conn_id=self.genesys_conn_id,
                poll_interval=self.poke_interval,
                end_time=time.time() + self.timeout,
            ),
            method_name="execute_complete",
        )

    def execute_complete(self, context: Context, event: dict[str, Any]) -> str:
        if event["status"] == TIMEOUT:
            raise AirflowSensorTimeout(f"Genesys data did not become available up to {self.target}: {event['message']}")
        if event["status"] != AVAILABLE:
            raise GenesysError(f"Waiting for Genesys data availability failed: {event['message']}")
        self.log.info(event["message"])
        return event["data_availability_date"]


class GenesysWaitForDataSensor(GenesysDataAvailabilitySensor, AuditedOperator):
    """The daily DAG's ``wait_for_data``: waits (deferred) for the watermark, polling every ``poll_interval_seconds``
    and giving up after ``availability_timeout_seconds`` (both templated: the plan's settings). Audited:
    ``AuditedOperator`` comes after the sensor base in the bases, so ``BaseSensorOperator.__init__`` runs
    first and hands ``audit_inputs`` on."""

    template_fields = (
        *AuditedOperator.template_fields,
        *GenesysDataAvailabilitySensor.template_fields,
        "availability_timeout_seconds",
        "poll_interval_seconds",
    )

    def __init__(self, *, availability_timeout_seconds: Any, poll_interval_seconds: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.availability_timeout_seconds = availability_timeout_seconds
        self.poll_interval_seconds = poll_interval_seconds

    def execute(self, context: Any) -> Any:
        self.timeout = float(self.availability_timeout_seconds)
        self.poke_interval = float(self.poll_interval_seconds)
        return super().execute(context)
