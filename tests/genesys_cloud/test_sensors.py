"""GenesysDataAvailabilitySensor: immediate success, deferral, and resume outcomes."""

from __future__ import annotations

import pytest
import requests_mock as rm
from airflow.sdk.exceptions import AirflowSensorTimeout, TaskDeferred

from genesys_cloud.api.exceptions import GenesysError
from genesys_cloud.sensors import GenesysDataAvailabilitySensor
from genesys_cloud.triggers import GenesysDataAvailabilityTrigger
from tests.genesys_cloud.genesys_responses import AVAILABILITY_URL, TOKEN_URL, token_ok

TARGET = "2024-05-02T00:00:00+00:00"


@pytest.fixture()
def sensor(fake_connection):
    return GenesysDataAvailabilitySensor(task_id="wait", target=TARGET, poke_interval=30, timeout=600)


def test_returns_at_once_when_data_is_already_available(sensor):
    with rm.Mocker() as m:
        m.post(TOKEN_URL, **token_ok())
        m.get(AVAILABILITY_URL, json={"dataAvailabilityDate": "2024-05-02T00:00:00.000Z"})
        assert sensor.execute({}) == "2024-05-02T00:00:00+00:00"  # the watermark, for the load's erasure


def test_defers_to_the_trigger_when_not_yet_available(sensor):
    with rm.Mocker() as m:
        m.post(TOKEN_URL, **token_ok())
        m.get(AVAILABILITY_URL, json={"dataAvailabilityDate": "2024-05-01T23:59:59.000Z"})
        with pytest.raises(TaskDeferred) as deferred:
            sensor.execute({})
    trigger = deferred.value.trigger
    assert isinstance(trigger, GenesysDataAvailabilityTrigger)
    assert (trigger.target, trigger.poll_interval) == (TARGET, 30)


def test_execute_complete_outcomes(sensor):
    available = {
        "status": "available",
        "message": "ok",
        "data_availability_date": "2024-05-02T01:00:00.000Z",
        "target": TARGET,
    }
    assert sensor.execute_complete({}, available) == "2024-05-02T01:00:00.000Z"
    with pytest.raises(AirflowSensorTimeout):
        sensor.execute_complete({}, {"status": "timeout", "message": "gave up", "target": TARGET})
    with pytest.raises(GenesysError, match="HTTP 403"):
        sensor.execute_complete({}, {"status": "error", "message": "HTTP 403", "target": TARGET})
