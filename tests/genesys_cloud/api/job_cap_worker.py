"""One "worker process" of the job-cap test: several threads each run details jobs end to end.

Run as ``python job_cap_worker.py THREADS JOBS_PER_THREAD`` with ``AIRFLOW_CONN_GENESYS_CLOUD_DEFAULT``
set; prints how many jobs it completed (submitted, polled to FULFILLED, every page read,
deleted) and how many submissions failed. Each thread has its own hook, as each Airflow task
process has; the connection's ``max_attempts`` = 1 makes any 429 a failure the worker counts.
"""

from __future__ import annotations

import json
import sys
import threading
import time

from genesys_cloud.api.exceptions import GenesysRateLimitExceeded
from genesys_cloud.hook import GenesysCloudHook

INTERVAL = "2024-05-01T00:00:00.000Z/2024-05-01T06:00:00.000Z"
POLL_SECONDS = 0.1
JOB_DEADLINE_SECONDS = 30.0


def run_jobs(count: int, done: list[int], refused: list[int]) -> None:
    hook = GenesysCloudHook()
    for _ in range(count):
        try:
            job_id = hook.submit_details_job({"interval": INTERVAL})
        except GenesysRateLimitExceeded:
            refused.append(1)
            continue
        # on the hook's own poll schedule: polls every 0.1 s would spend the shared budget's poll
        # share and hold the other process's polls for most of a minute
        hook.wait_for_details_job(job_id, POLL_SECONDS, time.time() + JOB_DEADLINE_SECONDS)
        for _page in hook.iter_details_job_pages(job_id):
            pass
        hook.delete_details_job(job_id)
        done.append(1)


def main(threads: str, jobs_per_thread: str) -> None:
    done: list[int] = []
    refused: list[int] = []
    workers = [
        threading.Thread(target=run_jobs, args=(int(jobs_per_thread), done, refused)) for _ in range(int(threads))
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    print(json.dumps({"completed": len(done), "refused": len(refused)}))


if __name__ == "__main__":
    main(*sys.argv[1:])
