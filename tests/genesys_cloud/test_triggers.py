"""Trigger serialization round-trip and async polling against an httpx mock transport."""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import importlib
import time

import httpx
import pytest

from genesys_cloud import triggers
from genesys_cloud.api.async_client import AsyncGenesysClient
from genesys_cloud.api.job_polls import LatencyHistory
from genesys_cloud.triggers import GenesysDataAvailabilityTrigger, GenesysDetailsJobTrigger

JOB_PATH = "/api/v2/analytics/conversations/details/jobs/job-7"


def roundtrip(trigger):
    classpath, kwargs = trigger.serialize()
    module, name = classpath.rsplit(".", 1)
    return getattr(importlib.import_module(module), name)(**kwargs), classpath, kwargs


def test_details_job_trigger_serialization_roundtrip():
    trigger = GenesysDetailsJobTrigger(
        job_id="job-7", genesys_conn_id="gc", poll_interval=2.5, end_time=123.0, submitted_at=100.0, running_at=0.2
    )
    rebuilt, classpath, kwargs = roundtrip(trigger)
    assert classpath == "genesys_cloud.triggers.GenesysDetailsJobTrigger"
    assert kwargs == {
        "job_id": "job-7",
        "genesys_conn_id": "gc",
        "poll_interval": 2.5,
        "end_time": 123.0,
        "submitted_at": 100.0,
        "running_at": 0.2,
    }
    assert rebuilt.serialize() == trigger.serialize()


def test_availability_trigger_serialization_roundtrip():
    trigger = GenesysDataAvailabilityTrigger(
        target="2024-05-02T00:00:00+00:00", genesys_conn_id="gc", poll_interval=1, end_time=5.0
    )
    rebuilt, classpath, _ = roundtrip(trigger)
    assert classpath == "genesys_cloud.triggers.GenesysDataAvailabilityTrigger"
    assert rebuilt.serialize() == trigger.serialize()


class FakeGenesys:
    """An httpx handler: token endpoint plus scripted answers per API path."""

    def __init__(self, scripts: dict[str, list[httpx.Response]]) -> None:
        self.scripts = scripts
        self.calls: list[tuple[str, str]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls.append((request.method, request.url.path))
        if request.url.path == "/oauth/token":
            return httpx.Response(200, json={"access_token": "tok-async-1", "expires_in": 3600})
        script = self.scripts[f"{request.method} {request.url.path}"]
        return script.pop(0) if len(script) > 1 else script[0]


@pytest.fixture()
def fake_genesys(monkeypatch, fake_connection):
    def install(scripts):
        fake = FakeGenesys(scripts)
        client = functools.partial(AsyncGenesysClient, transport=httpx.MockTransport(fake), sleep=_no_sleep)
        monkeypatch.setattr(triggers, "AsyncGenesysClient", client)
        return fake

    return install


async def _no_sleep(_: float) -> None:
    return None


async def first_event(trigger):
    async for event in trigger.run():
        return event.payload


def test_job_trigger_polls_until_terminal_and_yields_one_small_event(fake_genesys):
    fake = fake_genesys(
        {
            f"GET {JOB_PATH}": [
                httpx.Response(202, json={"state": "QUEUED"}),
                httpx.Response(503, json={"message": "busy", "code": "service.unavailable", "status": 503}),
                httpx.Response(202, json={"state": "PENDING"}),
                httpx.Response(200, json={"state": "FULFILLED"}),
            ]
        }
    )
    trigger = GenesysDetailsJobTrigger(
        job_id="job-7", genesys_conn_id="genesys_cloud_default", poll_interval=0, end_time=time.time() + 60
    )
    event = asyncio.run(first_event(trigger))
    # requests: the token, three polls answered and the 503's retry (counted as the audit counts them)
    assert event == {
        "job_id": "job-7",
        "status": "FULFILLED",
        "message": "job job-7 is FULFILLED",
        "polls": 3,
        "requests": 5,
    }
    assert fake.calls.count(("GET", JOB_PATH)) == 4


def test_job_trigger_reports_failure_message(fake_genesys):
    fake_genesys(
        {f"GET {JOB_PATH}": [httpx.Response(200, json={"state": "FAILED", "errorMessage": "query too large"})]}
    )
    trigger = GenesysDetailsJobTrigger(
        job_id="job-7", genesys_conn_id="genesys_cloud_default", poll_interval=0, end_time=time.time() + 60
    )
    assert asyncio.run(first_event(trigger)) == {
        "job_id": "job-7",
        "status": "FAILED",
        "message": "query too large",
        "polls": 1,
        "requests": 2,
    }


def test_job_trigger_times_out(fake_genesys):
    fake_genesys({f"GET {JOB_PATH}": [httpx.Response(202, json={"state": "PENDING"})]})
    trigger = GenesysDetailsJobTrigger(
        job_id="job-7", genesys_conn_id="genesys_cloud_default", poll_interval=0, end_time=time.time() - 1
    )
    assert asyncio.run(first_event(trigger))["status"] == "timeout"


def test_job_trigger_turns_api_errors_into_an_error_event(fake_genesys):
    fake_genesys(
        {
            f"GET {JOB_PATH}": [
                httpx.Response(404, json={"message": "The requested resource was not found.", "code": "not.found"})
            ]
        }
    )
    trigger = GenesysDetailsJobTrigger(
        job_id="job-7", genesys_conn_id="genesys_cloud_default", poll_interval=0, end_time=time.time() + 60
    )
    event = asyncio.run(first_event(trigger))
    assert event["status"] == "error" and "HTTP 404" in event["message"]


def test_job_trigger_on_kill_deletes_the_job(fake_genesys):
    fake = fake_genesys({f"DELETE {JOB_PATH}": [httpx.Response(204)]})
    trigger = GenesysDetailsJobTrigger(
        job_id="job-7", genesys_conn_id="genesys_cloud_default", poll_interval=0, end_time=0
    )
    asyncio.run(trigger.on_kill())
    assert ("DELETE", JOB_PATH) in fake.calls


def test_availability_trigger_waits_for_the_watermark(fake_genesys):
    path = "GET /api/v2/analytics/conversations/details/jobs/availability"
    fake_genesys(
        {
            path: [
                httpx.Response(200, json={"dataAvailabilityDate": "2024-05-01T23:00:00.000Z"}),
                httpx.Response(200, json={"dataAvailabilityDate": "2024-05-02T01:00:00.000Z"}),
            ]
        }
    )
    trigger = GenesysDataAvailabilityTrigger(
        target="2024-05-02T00:00:00+00:00",
        genesys_conn_id="genesys_cloud_default",
        poll_interval=0,
        end_time=time.time() + 60,
    )
    event = asyncio.run(first_event(trigger))
    assert event["status"] == "available" and event["data_availability_date"] == "2024-05-02T01:00:00.000Z"


def test_async_client_caps_the_decompressed_body_like_the_sync_one(monkeypatch):
    import gzip

    from genesys_cloud.api.exceptions import GenesysTransientError
    from genesys_cloud.hook import GenesysCloudHook
    from tests.support.connections import FAKE_BASE, set_connection

    set_connection(monkeypatch, FAKE_BASE, {"max_response_bytes": 1024 * 1024, "max_attempts": 2})
    bomb = gzip.compress(b"0" * (20 * 1024 * 1024))
    fake = FakeGenesys(
        {
            "GET /api/v2/analytics/conversations/details/jobs/availability": [
                httpx.Response(200, content=bomb, headers={"Content-Encoding": "gzip"})
            ]
        }
    )
    from genesys_cloud.api.connection import config_from_connection

    hook = GenesysCloudHook()
    config = config_from_connection(hook.get_connection(hook.genesys_conn_id))

    async def fetch():
        async with AsyncGenesysClient(config, transport=httpx.MockTransport(fake), sleep=_no_sleep) as client:
            return await client.get_json("/api/v2/analytics/conversations/details/jobs/availability")

    with pytest.raises(GenesysTransientError, match="failed after 2 attempts: ResponseTooLargeError"):
        asyncio.run(fetch())


def test_async_client_draws_api_calls_from_the_shared_budget_but_not_the_token(monkeypatch):
    from genesys_cloud.api.connection import config_from_connection
    from genesys_cloud.hook import GenesysCloudHook
    from tests.support.connections import FAKE_BASE, set_connection

    set_connection(monkeypatch, FAKE_BASE, {"rate_budget_per_minute": 90})
    hook = GenesysCloudHook()
    config = config_from_connection(hook.get_connection(hook.genesys_conn_id))
    answers, taken, slept = iter([0.25, 0.0]), [], []

    class Recording:
        def take(self, key: str, per_minute: int) -> float:
            taken.append((key, per_minute))
            return next(answers)

    async def record_sleep(seconds: float) -> None:
        slept.append(seconds)

    path = "/api/v2/analytics/conversations/details/jobs/availability"
    fake = FakeGenesys(
        {f"GET {path}": [httpx.Response(200, json={"dataAvailabilityDate": "2024-05-02T00:00:00.000Z"})]}
    )

    async def fetch():
        async with AsyncGenesysClient(
            config, transport=httpx.MockTransport(fake), sleep=record_sleep, budget=Recording()
        ) as client:
            return await client.get_json(path)

    asyncio.run(fetch())
    assert [call[1] for call in fake.calls] == ["/oauth/token", path]
    assert taken == [(f"{config.urls.login}|{config.client_id}", 90)] * 2
    assert slept == [0.25]


def test_job_trigger_waits_for_the_schedule_then_polls_on_the_learnt_instants(fake_genesys, monkeypatch):
    """Earlier jobs of this client took 40-70 s: a job submitted just now is first asked about at
    the third of those, then on the next thirds; its end, seen at the third poll, joins the
    history as a point inside the bracket the polls saw."""
    fake = fake_genesys(
        {
            f"GET {JOB_PATH}": [
                httpx.Response(202, json={"state": "PENDING"}),
                httpx.Response(202, json={"state": "PENDING"}),
                httpx.Response(200, json={"state": "FULFILLED"}),
            ]
        }
    )
    now = [1_000.0]
    waits: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    client = functools.partial(AsyncGenesysClient, transport=httpx.MockTransport(fake), sleep=fake_sleep)
    monkeypatch.setattr(triggers, "AsyncGenesysClient", client)
    monkeypatch.setattr(triggers.time, "time", lambda: now[0])
    trigger = GenesysDetailsJobTrigger(
        job_id="job-7",
        genesys_conn_id="genesys_cloud_default",
        poll_interval=1,
        end_time=now[0] + 3600,
        submitted_at=now[0],
    )
    seen = [40.0, 50.0, 60.0, 70.0]
    recorded: list[tuple[float, float]] = []
    monkeypatch.setattr(LatencyHistory, "seen", lambda self: list(seen))
    monkeypatch.setattr(LatencyHistory, "record", lambda self, a, b: recorded.append((a, b)) or b)
    event = asyncio.run(first_event(trigger))
    assert event["status"] == "FULFILLED" and event["polls"] == 3
    assert waits == pytest.approx([50.0, 10.0, 10.0])  # to 50 s, 60 s, 70 s after submission
    assert fake.calls.count(("GET", JOB_PATH)) == 3
    assert recorded == [(pytest.approx(60.0), pytest.approx(70.0))]


class RecordingSlots:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def acquire(self, key: str, cap: int, holder: str, lease_seconds: float) -> bool:
        return True

    def transfer(self, key: str, holder: str, new_holder: str, lease_seconds: float) -> bool:
        return True

    def renew(self, key: str, holder: str, lease_seconds: float) -> bool:
        self.calls.append(("renew", holder))
        return True

    def release(self, key: str, holder: str) -> None:
        self.calls.append(("release", holder))


@pytest.mark.parametrize(("hold", "released"), [(False, True), (True, False)])
def test_a_finished_jobs_slot_is_given_back_by_the_trigger_unless_finished_jobs_count(
    fake_genesys, monkeypatch, hold, released
):
    fake = FakeGenesys(
        {
            f"GET {JOB_PATH}": [
                httpx.Response(202, json={"state": "PENDING"}),
                httpx.Response(200, json={"state": "FULFILLED"}),
            ]
        }
    )
    slots = RecordingSlots()
    client = functools.partial(AsyncGenesysClient, transport=httpx.MockTransport(fake), sleep=_no_sleep, slots=slots)
    monkeypatch.setattr(triggers, "AsyncGenesysClient", client)
    settings = triggers.config_from_connection
    monkeypatch.setattr(
        triggers,
        "config_from_connection",
        lambda conn: dataclasses.replace(
            settings(conn), settings=dataclasses.replace(settings(conn).settings, finished_jobs_hold_slots=hold)
        ),
    )
    trigger = GenesysDetailsJobTrigger(
        job_id="job-7", genesys_conn_id="genesys_cloud_default", poll_interval=0, end_time=time.time() + 60
    )
    assert asyncio.run(first_event(trigger))["status"] == "FULFILLED"
    assert slots.calls[:2] == [("renew", "job-7"), ("renew", "job-7")]
    assert (("release", "job-7") in slots.calls) is released
