"""Throwaway DAG for the cluster harness's own tests: one deferral, one task, one scripted failure.

``wait_on_triggerer`` defers for two seconds, so the run only finishes if the triggerer works.
``record_partition`` fails for the logical date in ``HARNESS_PROBE_FAIL_DATE`` until the file
``HARNESS_PROBE_RELEASE_FILE`` exists, which lets a test fail one partition and rerun it.
With ``HARNESS_PROBE_RENDEZVOUS_DIR`` set, ``record_partition`` holds its worker slot until tasks
on two different workers have met (or 60 s pass), so a test of task spreading does not depend on
which idle worker the broker happens to hand short tasks to.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from airflow.providers.standard.triggers.temporal import DateTimeTrigger
from airflow.sdk import DAG, BaseOperator, task

RENDEZVOUS_SECONDS = 60


def meet_another_worker(rendezvous: Path, ds: str) -> None:
    """Mark this worker present and wait until a second worker has marked itself too."""
    rendezvous.mkdir(parents=True, exist_ok=True)
    worker = os.environ.get("AIRFLOW_CLUSTER_WORKER_NAME", "unnamed")
    (rendezvous / f"{worker}--{ds}").touch()
    deadline = time.monotonic() + RENDEZVOUS_SECONDS
    while time.monotonic() < deadline:
        if len({marker.name.split("--")[0] for marker in rendezvous.iterdir()}) >= 2:
            return
        time.sleep(0.2)


class WaitOnTriggerer(BaseOperator):
    """Defers to the triggerer and resumes on a worker, like the pipeline's async waits."""

    def execute(self, context):
        moment = datetime.now(UTC) + timedelta(seconds=2)
        self.defer(trigger=DateTimeTrigger(moment=moment), method_name="resume")

    def resume(self, context, event=None):
        return "resumed after deferral"


with DAG(
    dag_id="harness_probe",
    schedule="@daily",
    start_date=datetime(2024, 1, 1, tzinfo=UTC),
    catchup=False,
    tags=["test"],
):

    @task
    def record_partition(ds=None) -> str:
        if (
            ds == os.environ.get("HARNESS_PROBE_FAIL_DATE")
            and not Path(os.environ["HARNESS_PROBE_RELEASE_FILE"]).exists()
        ):
            raise RuntimeError(f"scripted failure for partition {ds}")
        if os.environ.get("HARNESS_PROBE_RENDEZVOUS_DIR"):
            meet_another_worker(Path(os.environ["HARNESS_PROBE_RENDEZVOUS_DIR"]), ds)
        return ds

    WaitOnTriggerer(task_id="wait_on_triggerer") >> record_partition()
