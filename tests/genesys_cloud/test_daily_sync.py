"""The shared sync blocks: one trigger form and one head for every daily details-job DAG."""

from __future__ import annotations

import pendulum

from genesys_cloud.daily_sync import (
    OPTIONS_SECTION,
    WINDOW_SECTION,
    extract_task,
    notify_task,
    sync_head,
    window_params,
)


def test_each_dag_gets_its_own_params_with_the_window_in_its_own_section():
    first, second = window_params(), window_params()
    assert list(first) == ["interval_start", "interval_end", "force_extract", "lookback_days"]
    # a dag.test(run_conf=...) writes into its DAG's Param objects: two DAGs must never share them
    assert all(first[name] is not second[name] for name in first)
    sections = {name: param.schema["section"] for name, param in first.items()}
    assert sections == {
        "interval_start": WINDOW_SECTION,
        "interval_end": WINDOW_SECTION,
        "force_extract": OPTIONS_SECTION,
        "lookback_days": OPTIONS_SECTION,
    }


def test_the_head_runs_in_order_and_the_extract_and_notify_read_it():
    from airflow.sdk import DAG

    from genesys_cloud.defaults import AUDITED_DEFAULT_ARGS

    start = pendulum.datetime(2024, 1, 1, tz="UTC")
    with DAG("daily_sync_blocks", schedule=None, start_date=start, default_args=AUDITED_DEFAULT_ARGS) as dag:
        head = sync_head()
        extract = extract_task(head, dataset="users")
        notify = notify_task(extract.output, "genesys.users.partition_synced")
    assert head.validate_window.upstream_task_ids == {"authenticate"}
    assert head.wait_for_data.upstream_task_ids == {"authenticate", "validate_window"}
    # the plan and the access it reads are XComArgs: both tasks are upstream of the extract
    assert extract.dataset.name == "users" and extract.upstream_task_ids == {"authenticate", "validate_window"}
    # every other task audits its failed tries; a webhook outage is not the run's failure
    assert extract.on_failure_callback and head.authenticate.on_failure_callback
    assert notify.retries == 3 and not notify.on_failure_callback and not notify.on_retry_callback
    assert notify.event_type == "genesys.users.partition_synced"
    assert set(dag.task_ids) == {"authenticate", "validate_window", "wait_for_data", "extract", "notify"}
