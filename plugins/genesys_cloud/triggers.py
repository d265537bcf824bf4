"""Deferrable waits for Genesys: a details job reaching a terminal state, data becoming available.

Both triggers poll with ``asyncio.sleep`` inside the triggerer, so no worker slot is held while
Genesys works, and each yields exactly one small event. Events carry ids, states and messages,
never result data; errors become an ``error`` event the task turns into a clear failure.

A details job is polled on the client's learnt schedule (:mod:`genesys_cloud.api.job_polls`),
each poll drawing from the shared budget below result pages (``poll_budget_share``); its event
says how many requests the wait cost, so the task's accounting (and ``sync_audit``) has them.
"""

from __future__ import annotations

import asyncio
import time
from abc import abstractmethod
from collections.abc import AsyncIterator
from typing import Any

from airflow.sdk import BaseHook
from airflow.triggers.base import BaseTrigger, TriggerEvent

from genesys_cloud.api import endpoints
from genesys_cloud.api.async_client import AsyncGenesysClient
from genesys_cloud.api.connection import config_from_connection
from genesys_cloud.api.datasets import CONVERSATIONS, dataset_named
from genesys_cloud.api.exceptions import GenesysApiError, GenesysError
from genesys_cloud.api.job_polls import DEFAULT_SCHEDULE
from genesys_cloud.api.job_state import job_state

TIMEOUT = "timeout"
ERROR = "error"
AVAILABLE = "available"
SLOT_TAKEN = "slot_taken"


class _GenesysPollingTrigger(BaseTrigger):
    """Poll until :meth:`check` returns an event payload, the end time passes, or an error occurs."""

    def __init__(self, genesys_conn_id: str, poll_interval: float, end_time: float) -> None:
        super().__init__()
        self.genesys_conn_id = genesys_conn_id
        self.poll_interval = poll_interval
        self.end_time = end_time

    def _kwargs(self) -> dict[str, Any]:
        return {"genesys_conn_id": self.genesys_conn_id, "poll_interval": self.poll_interval, "end_time": self.end_time}

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return f"genesys_cloud.triggers.{type(self).__name__}", self._kwargs()

    async def _client(self) -> AsyncGenesysClient:
        return AsyncGenesysClient(config_from_connection(await BaseHook.aget_connection(self.genesys_conn_id)))

    @abstractmethod
    async def check(self, client: AsyncGenesysClient) -> dict[str, Any] | None:
        """The event payload once the wait is over, else None."""

    @abstractmethod
    def describe(self) -> dict[str, Any]:
        """Identifying fields added to every event (e.g. the job id)."""

    async def delay(self, client: AsyncGenesysClient) -> float:
        """Seconds until the next check; a fixed interval unless a trigger knows better."""
        return self.poll_interval

    async def run(self) -> AsyncIterator[TriggerEvent]:
        try:
            async with await self._client() as client:
                while True:
                    payload = await self.check(client)
                    if payload is not None:
                        yield TriggerEvent({**self.describe(), **payload})
                        return
                    if time.time() >= self.end_time:
                        yield TriggerEvent(
                            {**self.describe(), "status": TIMEOUT, "message": "gave up waiting: timeout reached"}
                        )
                        return
                    # the client's sleep is asyncio.sleep (tests inject a fake one)
                    await client.sleep(max(0.0, min(await self.delay(client), self.end_time - time.time())))
        except (GenesysError, ValueError) as error:
            yield TriggerEvent({**self.describe(), "status": ERROR, "message": str(error)})


class GenesysDetailsJobTrigger(_GenesysPollingTrigger):
    """Wait for an async details job to leave QUEUED/PENDING; the event's status is the job state.

    ``submitted_at`` (``time.time()`` of the submission) and ``running_at`` (seconds after it at
    which the job was last seen running) place the polls on the client's schedule and bracket
    the job's run time for the latency history; given ``submitted_at``, the first poll waits for
    the schedule (the task has just submitted, and perhaps checked). ``poll_interval`` is the
    shortest gap."""

    def __init__(
        self,
        job_id: str,
        genesys_conn_id: str,
        poll_interval: float,
        end_time: float,
        submitted_at: float | None = None,
        running_at: float | None = None,
        dataset: str = "conversations",
    ) -> None:
        super().__init__(genesys_conn_id, poll_interval, end_time)
        self.job_id = job_id
        self.dataset = dataset_named(dataset)  # whose job this is (api/datasets.py)
        self.wait_first = submitted_at is not None
        self.submitted_at = time.time() if submitted_at is None else submitted_at
        self.running_at = running_at
        self.schedule = DEFAULT_SCHEDULE
        self.polls = 0

    def _kwargs(self) -> dict[str, Any]:
        return {
            "job_id": self.job_id,
            **super()._kwargs(),
            **self._dataset_kwargs(),
            "submitted_at": self.submitted_at,
            "running_at": self.running_at,
        }

    def _dataset_kwargs(self) -> dict[str, Any]:
        """The dataset only when it is not the conversations default (older serialized triggers lack it)."""
        return {} if self.dataset == CONVERSATIONS else {"dataset": self.dataset.name}

    def describe(self) -> dict[str, Any]:
        return {"job_id": self.job_id}

    def elapsed(self) -> float:
        return max(0.0, time.time() - self.submitted_at)

    async def delay(self, client: AsyncGenesysClient) -> float:
        seen = await asyncio.to_thread(client.latency_history.seen)
        schedule = self.schedule.for_connection(self.poll_interval, client.config.settings.job_first_poll_seconds)
        return schedule.next_delay(self.elapsed(), seen)

    async def check(self, client: AsyncGenesysClient) -> dict[str, Any] | None:
        if self.wait_first:
            self.wait_first = False  # no request: the loop now waits for the schedule's first instant
            return None
        polled_at = self.elapsed()
        status = await client.get_json(
            self.dataset.job(self.job_id), budget_share=client.config.settings.poll_budget_share
        )
        self.polls += 1
        state = job_state(status)
        # a running job's slot stays taken (its lease counts from here)
        await client.renew_job_slot(self.job_id)
        if not state.is_terminal:
            self.running_at = polled_at
            return None
        await asyncio.to_thread(client.latency_history.record, self.running_at or 0.0, polled_at)
        if not client.config.settings.finished_jobs_hold_slots:
            await client.release_job_slot(self.job_id)  # no longer counted by Genesys: the next may go
        message = status.get("errorMessage") or f"job {self.job_id} is {state.value}"
        return {"status": state.value, "message": message, "polls": self.polls, "requests": client.stats.requests}

    async def on_kill(self) -> None:
        """The user killed the deferred task: cancel the job so it stops counting against the job cap."""
        async with await self._client() as client:
            try:
                await client.request("DELETE", self.dataset.job(self.job_id))
            except GenesysApiError as error:
                if error.status != 404:
                    raise
            await client.release_job_slot(self.job_id)
        self.log.info("Deleted Genesys details job %s after the task was killed", self.job_id)


class GenesysJobSlotTrigger(_GenesysPollingTrigger):
    """Wait for a free details-job slot of the client and take it for ``holder``.

    Waiting here, not in the task, matters: a task blocked on a slot would hold a worker and a
    pool slot, which the tasks holding the job slots may need to finish and give them back."""

    def __init__(self, holder: str, genesys_conn_id: str, poll_interval: float, end_time: float) -> None:
        super().__init__(genesys_conn_id, poll_interval, end_time)
        self.holder = holder

    def _kwargs(self) -> dict[str, Any]:
        return {"holder": self.holder, **super()._kwargs()}

    def describe(self) -> dict[str, Any]:
        return {"holder": self.holder}

    async def check(self, client: AsyncGenesysClient) -> dict[str, Any] | None:
        if not await client.acquire_job_slot(self.holder):
            return None
        return {"status": SLOT_TAKEN, "message": "details-job slot taken"}


class GenesysDataAvailabilityTrigger(_GenesysPollingTrigger):
    """Wait until Genesys's data-availability watermark reaches ``target`` (ISO-8601)."""

    def __init__(self, target: str, genesys_conn_id: str, poll_interval: float, end_time: float) -> None:
        super().__init__(genesys_conn_id, poll_interval, end_time)
        self.target = target

    def _kwargs(self) -> dict[str, Any]:
        return {"target": self.target, **super()._kwargs()}

    def describe(self) -> dict[str, Any]:
        return {"target": self.target}

    async def check(self, client: AsyncGenesysClient) -> dict[str, Any] | None:
        available = (await client.get_json(endpoints.DATA_AVAILABILITY))["dataAvailabilityDate"]
        if endpoints.parse_timestamp(available) < endpoints.parse_timestamp(self.target):
            return None
        return {
            "status": AVAILABLE,
            "message": f"data available up to {available}",
            "data_availability_date": available,
        }
