"""Throwaway DAG for the cluster harness's own tests: one deferral, one task, one scripted failure.

``wait_on_triggerer`` defers for two seconds, so the run only finishes if the triggerer works.
``record_partition`` fails for the logical date in ``HARNESS_PROBE_FAIL_DATE`` until the file
``HARNESS_PROBE_RELEASE_FILE`` exists, which lets a test fail one partition and rerun it.
"""
from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

from airflow.providers.standard.triggers.temporal import DateTimeTrigger
from airflow.sdk import DAG, BaseOperator, task


class WaitOnTriggerer(BaseOperator):
    """Defers to the triggerer and resumes on a worker, like the pipeline's async waits."""

    def execute(self, context):
        moment = datetime.now(timezone.utc) + timedelta(seconds=2)
        self.defer(trigger=DateTimeTrigger(moment=moment), method_name="resume")

    def resume(self, context, event=None):
        return "resumed after deferral"


with DAG(
    dag_id="harness_probe",
    schedule="@daily",
    start_date=datetime(2024, 1, 1, tzinfo=timezone.utc),
    catchup=False,
    tags=["test"],
):

    @task
    def record_partition(ds=None) -> str:
        if ds == os.environ.get("HARNESS_PROBE_FAIL_DATE") and not Path(os.environ["HARNESS_PROBE_RELEASE_FILE"]).exists():
            raise RuntimeError(f"scripted failure for partition {ds}")
        return ds

    WaitOnTriggerer(task_id="wait_on_triggerer") >> record_partition()
