"""An extract that finds every details-job slot taken waits deferred, not in its worker.

Blocking in the task would hold a worker and a pool slot that the extracts holding the job
slots may need to resume, read their results and give the slots back: a backfill then stalls
(seen in a 14-day backfill with a pool of 4 and a cap of 5). Real emulator over HTTP, real Redis.
"""
from __future__ import annotations

import asyncio
import uuid

import pytest
from airflow.sdk.exceptions import TaskDeferred

from tests.support.connections import set_connection
from genesys_cloud.api.job_slots import job_slots
from genesys_cloud.api.rate_budget import budget_key
from genesys_cloud.hook import GenesysCloudHook
from genesys_cloud.operators.details_job import GenesysDetailsJobOperator
from genesys_cloud.triggers import SLOT_TAKEN, GenesysJobSlotTrigger

INTERVAL = "2024-05-01T00:00:00.000Z/2024-05-01T02:00:00.000Z"


class RecordingTaskInstance:
    def __init__(self) -> None:
        self.xcom: dict[str, object] = {}

    def xcom_push(self, key: str, value: object) -> None:
        self.xcom[key] = value


async def first_event(trigger: GenesysJobSlotTrigger, timeout: float) -> dict:
    async def first() -> dict:
        async for event in trigger.run():
            return event.payload
        raise AssertionError("the trigger ended without an event")

    return await asyncio.wait_for(first(), timeout)


def test_a_full_cap_defers_until_a_slot_frees_then_submits_under_it(emulator, redis_server, monkeypatch, tmp_path):
    client_id = f"slot-client-{uuid.uuid4().hex[:8]}"  # its own slots, whatever earlier tests left
    emulator.control.add_client(client_id, "slot-secret")
    set_connection(monkeypatch, emulator.base_url, {"rate_budget_backend": "redis", "rate_budget_url": redis_server,
                                                     "max_concurrent_jobs": 1}, login=client_id, password="slot-secret")
    hook = GenesysCloudHook()
    slots, key = job_slots("redis", redis_server), budget_key(hook.client.urls.login, client_id)
    assert slots.acquire(key, 1, "another-partition", 60)
    operator = GenesysDetailsJobOperator(task_id="extract", interval=INTERVAL, staging_root=str(tmp_path),
                                         partition="2024-05-01", poll_interval=0.2, timeout=60)
    context = {"ti": RecordingTaskInstance()}

    with pytest.raises(TaskDeferred) as deferred:
        operator.execute(context)
    trigger = deferred.value.trigger
    assert isinstance(trigger, GenesysJobSlotTrigger) and deferred.value.method_name == "execute_with_slot"
    assert emulator.control.stats().get("post_analytics_conversations_details_jobs") is None, "nothing submitted yet"

    async def free_the_slot_later() -> dict:
        releaser = asyncio.get_running_loop().call_later(0.5, slots.release, key, "another-partition")
        try:
            return await first_event(trigger, timeout=10)
        finally:
            releaser.cancel()

    event = asyncio.run(free_the_slot_later())
    assert event["status"] == SLOT_TAKEN and event["holder"] == trigger.holder
    assert not slots.acquire(key, 1, "a-third-partition", 60), "the trigger holds the slot for the task"

    summary = operator.execute_with_slot(context, event, **deferred.value.kwargs)  # the job finishes at once
    assert summary["records"] == len(emulator.control.ground_truth(INTERVAL)["conversation_ids"])
    assert slots.acquire(key, 1, "a-third-partition", 60), "deleting the job gave the slot back"
    slots.release(key, "a-third-partition")
