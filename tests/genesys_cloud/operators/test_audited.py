"""AuditedOperator: the audit inputs a task carries for its failure and retry rows, checked when the DAG is parsed."""

from __future__ import annotations

import pytest

from genesys_cloud.operators.audit import GenesysAuditOperator
from genesys_cloud.operators.audited import AUDIT_INPUT_NAMES, AuditedOperator, rendered_audit_inputs
from genesys_cloud.operators.load import GenesysLoadOperator
from genesys_cloud.sensors import GenesysWaitForDataSensor

PLAN = {"partition": "2024-05-01"}


def test_an_unknown_key_fails_the_constructor_naming_it_and_the_allowed_ones():
    with pytest.raises(ValueError) as error:
        GenesysLoadOperator(task_id="load", extraction={}, audit_inputs={"plan": PLAN, "extract": {}})

    message = str(error.value)
    assert (
        "extract;" in message
        and "allowed: plan, extraction, load, reconciliation, authentication, follow_up, resync" in message
    )


def test_audit_inputs_must_be_a_mapping():
    with pytest.raises(TypeError, match="audit_inputs must be a mapping"):
        AuditedOperator(task_id="t", audit_inputs=[PLAN])


def test_the_keys_are_build_records_keywords():
    import inspect

    from genesys_cloud.operators.audit import build_record

    keywords = [
        name
        for name, parameter in inspect.signature(build_record).parameters.items()
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY
    ]
    assert sorted(keywords) == sorted(AUDIT_INPUT_NAMES)


def test_the_sensor_keeps_its_sensor_behaviour_and_templates_the_inputs():
    sensor = GenesysWaitForDataSensor(
        task_id="wait_for_data",
        target="2024-05-02T00:00:00Z",
        availability_timeout_seconds=60,
        poll_interval_seconds=5,
        audit_inputs={"plan": PLAN},
    )

    assert sensor.mode == "reschedule" and sensor.deferrable is True
    assert sensor.audit_inputs == {"plan": PLAN} and "audit_inputs" in sensor.template_fields


def test_rendered_inputs_keep_only_mappings():
    task = AuditedOperator(task_id="t", audit_inputs={"plan": PLAN, "extraction": "{{ not rendered }}"})

    assert rendered_audit_inputs(task) == {**dict.fromkeys(AUDIT_INPUT_NAMES), "plan": PLAN}


@pytest.mark.parametrize("inputs", [None, "{{ ti.xcom_pull() }}", ["plan"]])
def test_inputs_that_are_no_mapping_are_all_missing(inputs):
    task = AuditedOperator(task_id="t")
    task.audit_inputs = inputs

    assert rendered_audit_inputs(task) == dict.fromkeys(AUDIT_INPUT_NAMES)
    assert rendered_audit_inputs(None) == dict.fromkeys(AUDIT_INPUT_NAMES)  # a task instance without its task


def test_the_audit_task_audits_its_own_failure_with_its_inputs():
    audit = GenesysAuditOperator(task_id="audit", plan=PLAN, extraction={"records": 3}, load=None)

    assert rendered_audit_inputs(audit) == {
        **dict.fromkeys(AUDIT_INPUT_NAMES),
        "plan": PLAN,
        "extraction": {"records": 3},
    }
