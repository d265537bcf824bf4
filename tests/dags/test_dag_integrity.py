"""DAG integrity over the real DagBag: imports cleanly, owned, tagged, retried, and inert at parse time."""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest

from tests.support.daily_dag_harness import DAG_ID, DAGS_FOLDER

DAG_FILES = sorted(path.name for path in DAGS_FOLDER.glob("*.py"))
REFRESH_DAG_ID = "genesys_conversations_refresh"


def _bag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS_FOLDER))


@pytest.fixture(scope="module")
def bag():
    return _bag()


@pytest.mark.parametrize("filename", DAG_FILES)
def test_no_import_errors(bag, filename):
    errors = {path: error for path, error in bag.import_errors.items() if path.endswith(filename)}
    assert not errors, errors


def test_every_dag_has_owner_tags_and_retries(bag):
    assert bag.dags, "no DAGs found"
    for dag_id, dag in bag.dags.items():
        assert dag.tags, f"{dag_id} has no tags"
        for task in dag.tasks:
            assert task.owner and task.owner != "airflow", f"{dag_id}.{task.task_id} has no owner"
            if task.task_id != "outcome":  # the verdict: nothing to retry
                assert task.retries >= 2, f"{dag_id}.{task.task_id} retries={task.retries}"


def test_every_task_has_a_bounded_execution_timeout(bag):
    """No answer from Genesys (a year-long rate-limit reset, a dripping body) can hold a worker forever."""
    for dag_id, dag in bag.dags.items():
        for task in dag.tasks:
            timeout = task.execution_timeout
            assert timeout is not None, f"{dag_id}.{task.task_id} has no execution_timeout"
            assert timedelta(0) < timeout <= timedelta(hours=12), f"{dag_id}.{task.task_id}: {timeout}"
    sensor = bag.dags[DAG_ID].get_task("wait_for_data")
    assert sensor.execution_timeout.total_seconds() > 6 * 3600  # above the watermark wait's default


def _callbacks(task, name: str) -> list:
    callbacks = getattr(task, name)
    return list(callbacks) if isinstance(callbacks, (list, tuple)) else [callbacks]


def test_every_audited_task_carries_its_audit_inputs(bag):
    """The failure and retry callbacks build a try's row from the task's own rendered ``audit_inputs``:
    a task under them that is no ``AuditedOperator`` would leave rows without the day's figures."""
    from genesys_cloud.operators.audit import (
        record_failed_attempt,
        record_failed_attempt_for_audit,
        record_retried_attempt,
    )
    from genesys_cloud.operators.audited import AuditedOperator

    audited = set()
    for dag_id, dag in bag.dags.items():
        for task in dag.tasks:
            failure_callbacks = _callbacks(task, "on_failure_callback")
            if {record_failed_attempt, record_failed_attempt_for_audit} & set(failure_callbacks):
                assert record_retried_attempt in _callbacks(task, "on_retry_callback"), f"{dag_id}.{task.task_id}"
                operator_class = getattr(task, "operator_class", type(task))  # a mapped task's class
                assert issubclass(operator_class, AuditedOperator), f"{dag_id}.{task.task_id}"
                assert "audit_inputs" in operator_class.template_fields, f"{dag_id}.{task.task_id}"
                audited.add((dag_id, task.task_id))
    assert (DAG_ID, "wait_for_data") in audited and (REFRESH_DAG_ID, "load") in audited
    daily = bag.dags[DAG_ID]
    for task_id in ("wait_for_data", "extract", "load", "follow_up_open", "aggregates", "reconcile", "audit"):
        assert {"plan", "authentication"} <= set(daily.get_task(task_id).audit_inputs), task_id
    assert set(daily.get_task("reconcile").audit_inputs) == {
        "plan",
        "authentication",
        "extraction",
        "load",
        "follow_up",
    }


def test_daily_dag_shape(bag):
    dag = bag.dags[DAG_ID]
    assert dag.doc_md and "UTC day" in dag.doc_md
    assert dag.catchup is False and dag.max_active_runs >= 1
    assert [task.task_id for task in dag.tasks] == [
        "authenticate",
        "validate_window",
        "wait_for_data",
        "extract",
        "load",
        "follow_up_open",
        "aggregates",
        "reconcile",
        "audit",
        "notify",
        "outcome",
    ]
    pooled = {t.task_id for t in dag.tasks if t.pool == "genesys_api"}
    assert pooled == {"authenticate", "wait_for_data", "extract", "follow_up_open", "aggregates"}
    # its data, plus authenticate: its audit_inputs (the failed row's divisions) reference it
    assert dag.get_task("follow_up_open").upstream_task_ids == {"load", "extract", "validate_window", "authenticate"}
    assert dag.get_task("reconcile").upstream_task_ids >= {"follow_up_open", "aggregates"}
    assert set(dag.params.keys()) == {"interval_start", "interval_end", "force_extract", "lookback_days"}
    uris = {asset.uri for asset in dag.get_task("load").outlets}
    assert "genesys://warehouse/conversations" in uris


def test_reported_dags_end_in_outcome_and_rerun_their_audit_after_a_failure(bag):
    """``outcome`` (all_done, downstream of every task, the run's only leaf) reports a try that failed for good
    and decides the run; audit and notify keep all_success, so after a failure they stand upstream_failed,
    which Clear with "Only failed" reruns (all_done would leave them green and the rerun unaudited). The
    callbacks only write rows: outcome sends the failure webhook, once."""
    from genesys_cloud.operators.audit import record_failed_attempt_for_audit

    reported = [dag_id for dag_id, dag in bag.dags.items() if "outcome" in dag.task_ids]
    assert set(reported) >= {DAG_ID, "genesys_conversations_by_id", "genesys_user_activity_daily"}
    for dag_id in reported:
        dag = bag.dags[dag_id]
        outcome, audit, notify = (dag.get_task(task_id) for task_id in ("outcome", "audit", "notify"))
        assert (audit.trigger_rule, notify.trigger_rule, outcome.trigger_rule) == (
            "all_success",
            "all_success",
            "all_done",
        ), dag_id
        assert outcome.upstream_task_ids == set(dag.task_ids) - {"outcome"}, dag_id
        assert [task.task_id for task in dag.tasks if not task.downstream_list] == ["outcome"], dag_id
        assert not outcome.on_failure_callback and not outcome.on_retry_callback and outcome.retries == 0, dag_id
        for task in dag.tasks:
            if task.task_id not in {"notify", "outcome"}:
                assert _callbacks(task, "on_failure_callback") == [record_failed_attempt_for_audit], task.task_id


def test_refresh_dag_shape(bag):
    dag = bag.dags[REFRESH_DAG_ID]
    assert dag.doc_md and "genesys_refresh_days" in dag.doc_md
    assert dag.catchup is False and dag.max_active_runs == 1
    assert [task.task_id for task in dag.tasks] == ["authenticate", "plan_days", "extract", "load", "audit"]
    mapped = {
        task.task_id
        for task in dag.tasks
        if getattr(task, "is_mapped", False) or type(task).__name__ == "MappedOperator"
    }
    assert mapped == {"extract", "load", "audit"}
    pooled = {t.task_id for t in dag.tasks if t.pool == "genesys_api"}
    assert pooled == {"authenticate", "plan_days", "extract"}
    assert set(dag.params.keys()) == {"first_day", "last_day"}
    assert dag.get_task("extract").upstream_task_ids == {"plan_days"}
    assert dag.get_task("audit").upstream_task_ids >= {"plan_days", "extract", "load"}


def test_refresh_runs_weekly_and_its_logical_date_is_the_run_time(bag):
    import pendulum
    from airflow.serialization.encoders import coerce_to_core_timetable
    from airflow.timetables.base import TimeRestriction

    timetable = coerce_to_core_timetable(bag.dags[REFRESH_DAG_ID].timetable)
    start = pendulum.datetime(2024, 1, 1, tz="UTC")  # a Monday
    restriction = TimeRestriction(earliest=start, latest=None, catchup=True)
    first = timetable.next_dagrun_info(last_automated_data_interval=None, restriction=restriction)
    assert first.logical_date == pendulum.datetime(2024, 1, 7, 6, tz="UTC")  # Sunday 06:00 UTC
    second = timetable.next_dagrun_info(last_automated_data_interval=first.data_interval, restriction=restriction)
    assert second.logical_date - first.logical_date == timedelta(days=7)


def test_data_interval_is_the_utc_day(bag):
    import pendulum
    from airflow.serialization.encoders import coerce_to_core_timetable
    from airflow.timetables.base import TimeRestriction

    timetable = coerce_to_core_timetable(bag.dags[DAG_ID].timetable)
    day = pendulum.datetime(2024, 1, 1, tz="UTC")
    restriction = TimeRestriction(earliest=day, latest=None, catchup=True)
    scheduled = timetable.next_dagrun_info(last_automated_data_interval=None, restriction=restriction)
    assert (scheduled.data_interval.start, scheduled.data_interval.end) == (day, day + timedelta(days=1))
    manual = timetable.infer_manual_data_interval(run_after=day + timedelta(days=1))
    assert (manual.start, manual.end) == (day, day + timedelta(days=1))


def test_parsing_touches_no_network_connections_or_variables(monkeypatch):
    from airflow.sdk import BaseHook, Variable

    def forbidden(*args, **kwargs):
        raise AssertionError("parse-time lookup")

    monkeypatch.setattr(socket.socket, "connect", forbidden)
    monkeypatch.setattr(Variable, "get", forbidden)
    monkeypatch.setattr(BaseHook, "get_connection", forbidden)
    fresh = _bag()
    assert not fresh.import_errors, fresh.import_errors
    assert {DAG_ID, REFRESH_DAG_ID} <= set(fresh.dags)
