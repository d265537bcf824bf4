"""The by-id DAG's wiring, read from the parsed DAG: a one-field form, validation first (before any
Genesys task), the plan handed on, failed tries recorded under the by-id partition, its own webhook event.
The runs themselves are the system test's (tests/system/by_id_from_the_form.py, from the trigger form)."""

from __future__ import annotations

import pytest

from genesys_pipeline.plan.conversation_ids import MAX_IDS_PER_RUN
from genesys_pipeline.report.webhook import EVENT_RESYNCED
from genesys_pipeline.staging.by_id import BY_ID_PARTITION
from tests.support.fixtures_airflow import parsed_dag

BY_ID_DAG_ID = "genesys_conversations_by_id"


@pytest.fixture(scope="module")
def by_id_dag(airflow_db):
    return parsed_dag(BY_ID_DAG_ID)


def test_the_form_has_one_field_and_the_dag_runs_only_when_triggered(by_id_dag):
    assert list(by_id_dag.params) == ["conversation_ids"]
    param = by_id_dag.params.get_param("conversation_ids")
    assert (param.schema["type"], param.schema["items"]) == ("array", {"type": "string"})
    assert str(MAX_IDS_PER_RUN) in param.description
    assert type(by_id_dag.timetable).__name__ == "NullTimetable" and by_id_dag.max_active_runs == 1


def test_ids_are_checked_before_any_genesys_task_and_the_chain_ends_in_its_own_event(by_id_dag):
    order = [task.task_id for task in by_id_dag.topological_sort()]
    assert order == ["validate_ids", "authenticate", "resync", "audit", "notify", "outcome"]
    assert by_id_dag.get_task("validate_ids").pool != "genesys_api"  # no Genesys call there
    assert by_id_dag.get_task("validate_ids").audit_inputs == {"plan": {"partition": BY_ID_PARTITION}}
    assert by_id_dag.get_task("notify").event_type == EVENT_RESYNCED
    assert {t.task_id for t in by_id_dag.get_task("resync").upstream_list} == {"authenticate", "validate_ids"}
