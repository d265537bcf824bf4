"""GenesysDetailsJobOperator: one extraction window from an async details job to staged raw pages.

Submit, push the job id to XCom, check once (only while this client's jobs have been seen to
finish that fast: :meth:`PollSchedule.check_at_submit`), then defer: the worker slot is free
while Genesys runs the job, and the trigger polls on the client's learnt schedule. On resume the
result pages are streamed into the staging area page by page (constant memory) and the job is
deleted. The task returns only a small summary; the data
itself lives in staging. A fresh staged copy of the same query short-circuits everything.

A job whose results call answers the results cap ("pagination may not exceed N results") is
deleted and its window extracted again as hour-aligned piece jobs stitched into the same staged
extraction (:mod:`genesys_cloud.split_extraction`: synchronous, the worker slot is held; the
summary's ``pieces`` says how many jobs the staged results came from).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from typing import Any

from airflow.sdk import BaseOperator, Context

from genesys_cloud.api.datasets import dataset_named
from genesys_cloud.api.error_responses import results_cap_of
from genesys_cloud.api.exceptions import GenesysApiError, GenesysError, GenesysJobFailed, GenesysRateLimitExceeded
from genesys_cloud.api.job_polls import DEFAULT_SCHEDULE
from genesys_cloud.api.job_state import JobState
from genesys_cloud.api.stats import RequestStats
from genesys_cloud.hook import GenesysCloudHook, new_slot_holder
from genesys_cloud.lineage import operator_lineage
from genesys_cloud.split_extraction import SplitExtraction
from genesys_cloud.staging import staging_root
from genesys_cloud.triggers import ERROR, SLOT_TAKEN, TIMEOUT, GenesysDetailsJobTrigger, GenesysJobSlotTrigger
from genesys_pipeline.plan.result_cap import DEFAULT_MAX_JOB_RESULTS
from genesys_pipeline.report import lineage_names
from genesys_pipeline.report.progress import PageProgress
from genesys_pipeline.staging.area import Manifest, StagingArea

# Statuses under which the results endpoint says a job's results are gone.
RESULTS_GONE_STATUSES = frozenset({404, 410})


class GenesysDetailsJobOperator(BaseOperator):
    template_fields: tuple[str, ...] = ("interval", "staging_root", "partition", "query_overrides")

    def __init__(
        self,
        *,
        interval: str,
        staging_root: str,
        partition: str,
        query_overrides: dict[str, Any] | None = None,
        page_size: int | None = None,
        cache_ttl_seconds: float = 0,
        force_extract: bool = False,
        poll_interval: float = 5,
        timeout: float = 3600,
        max_job_results: int = DEFAULT_MAX_JOB_RESULTS,
        genesys_conn_id: str = GenesysCloudHook.default_conn_name,
        dataset: str = "conversations",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.dataset = dataset_named(dataset)  # conversations or users details jobs (api/datasets.py)
        self.interval = interval
        self.staging_root = staging_root
        self.partition = partition
        self.query_overrides = query_overrides or {}
        self.page_size = page_size
        self.cache_ttl_seconds = cache_ttl_seconds
        self.force_extract = force_extract
        self.poll_interval = poll_interval
        self.timeout = timeout
        self.max_job_results = max_job_results
        self.genesys_conn_id = genesys_conn_id
        self.job_id: str | None = None

    @cached_property
    def hook(self) -> GenesysCloudHook:
        return GenesysCloudHook(genesys_conn_id=self.genesys_conn_id, dataset=self.dataset.name)

    @property
    def staging(self) -> StagingArea:
        root = staging_root(self.staging_root)
        return StagingArea(root / self.dataset.staging_dir if self.dataset.staging_dir else root)

    def job_body(self) -> dict[str, Any]:
        if "interval" in self.query_overrides:
            raise ValueError("query_overrides must not contain 'interval'; pass it as the interval argument")
        return {"interval": self.interval, **self.query_overrides}

    def execute(self, context: Context) -> dict[str, Any]:
        body = self.job_body()
        if not self.force_extract and self.cache_ttl_seconds > 0:
            cached = self.staging.find_fresh(self.partition, body, self.cache_ttl_seconds)
            if cached is not None:
                self.log.info("Staged extraction %s/%s is fresh: no Genesys calls", self.partition, cached.query_hash)
                return self._summary(cached, cache_hit=True)  # pieces 0: no job
        return self._submit_and_wait(context, body, resubmitted=False)

    @contextmanager
    def _deleting_job_on_failure(self) -> Iterator[None]:
        """A try that fails holding a job deletes it: the job stops counting against the cap and
        gives its slot back at once instead of after the lease (a deferral is not a failure)."""
        try:
            yield
        except Exception:
            if self.job_id:
                self._delete_job_quietly()
            raise

    def _submit_and_wait(
        self, context: Context, body: dict[str, Any], *, resubmitted: bool, holder: str | None = None
    ) -> dict[str, Any]:
        if holder is None:
            holder = new_slot_holder()
            if not self.hook.reserve_job_slot(holder):
                self.log.info(
                    "All %d details-job slots of this client are taken; waiting deferred for one",
                    self.hook.settings.max_concurrent_jobs,
                )
                self.defer(
                    trigger=GenesysJobSlotTrigger(
                        holder=holder,
                        genesys_conn_id=self.genesys_conn_id,
                        poll_interval=self.poll_interval,
                        end_time=time.time() + self.hook.settings.job_cap_wait_seconds,
                    ),
                    method_name="execute_with_slot",
                    kwargs={"resubmitted": resubmitted},
                )
        self.job_id = self.hook.submit_details_job(body, holder=holder)
        submitted_at = time.time()
        running_at: float | None = None
        with self._deleting_job_on_failure():
            context["ti"].xcom_push(key="job_id", value=self.job_id)
            history = self.hook.latency_history()
            if DEFAULT_SCHEDULE.check_at_submit(history.seen()):
                status = self.hook.get_details_job(self.job_id)
                running_at = time.time() - submitted_at
                state: JobState = status["state"]
                if state.is_terminal:
                    history.record(0.0, running_at)
                    event = {"status": state.value, "job_id": self.job_id, "message": status.get("errorMessage") or ""}
                    return self.execute_complete(context, event, resubmitted=resubmitted)
        self.defer(
            trigger=GenesysDetailsJobTrigger(
                job_id=self.job_id,
                dataset=self.dataset.name,
                genesys_conn_id=self.genesys_conn_id,
                poll_interval=self.poll_interval,
                end_time=time.time() + self.timeout,
                submitted_at=submitted_at,
                running_at=running_at,
            ),
            method_name="execute_complete",
            kwargs={"resubmitted": resubmitted},
        )

    def execute_with_slot(self, context: Context, event: dict[str, Any], resubmitted: bool = False) -> dict[str, Any]:
        """Resume once the trigger took a details-job slot: submit under it."""
        if event["status"] != SLOT_TAKEN:
            raise GenesysRateLimitExceeded(
                f"No details-job slot freed ({event['status']}): {event['message']} (connection extras "
                "'max_concurrent_jobs', 'job_cap_wait_seconds')"
            )
        return self._submit_and_wait(context, self.job_body(), resubmitted=resubmitted, holder=event["holder"])

    def execute_complete(self, context: Context, event: dict[str, Any], resubmitted: bool = False) -> dict[str, Any]:
        """Resume after the trigger: stage a FULFILLED job's pages, or fail with the job's own message."""
        self.job_id = event["job_id"]
        status = event["status"]
        # the triggerer's requests for this job are this task's too (sync_audit.api_requests)
        self.hook.stats.requests += int(event.get("requests") or 0)
        self.hook.stats.job_polls += int(event.get("polls") or 0)
        with self._deleting_job_on_failure():
            if status in (TIMEOUT, ERROR):
                raise GenesysError(
                    f"Waiting for Genesys details job {self.job_id} failed ({status}): {event['message']}"
                )
            if status != JobState.FULFILLED.value:
                raise GenesysJobFailed(self.job_id, status, event.get("message"))
            body = self.job_body()
            try:
                manifest = self._stage(body)
            except GenesysApiError as error:
                org_cap = results_cap_of(error)
                if org_cap is not None:
                    manifest, jobs = self._stage_split(body, org_cap)
                    return self._summary(manifest, cache_hit=False, pieces=jobs)
                if error.status not in RESULTS_GONE_STATUSES:
                    raise
                if resubmitted:
                    raise GenesysJobFailed(
                        self.job_id, JobState.EXPIRED.value, "results vanished again after one resubmission"
                    ) from error
                self.log.warning(
                    "Results of job %s vanished while being read (%s); resubmitting once", self.job_id, error
                )
                self._delete_job_quietly()
                return self._submit_and_wait(context, body, resubmitted=True)
        self._delete_job_quietly()  # the data is staged; a failed clean-up must not fail the extraction
        return self._summary(manifest, cache_hit=False, pieces=1)

    def _stage_split(self, body: dict[str, Any], org_cap: int) -> tuple[Manifest, int]:
        """The window again as piece jobs under ``min(max_job_results, org_cap)``, into a fresh writer
        for the same query (the capped job's pages are discarded); returns the manifest and the jobs read."""
        cap = min(int(self.max_job_results), org_cap)
        self.log.warning(
            "Job %s crossed the results cap (%d results); splitting %s under %d per job",
            self.job_id,
            org_cap,
            body["interval"],
            cap,
        )
        self._delete_job_quietly()  # its pages are discarded: the pieces are read into a fresh writer
        split = SplitExtraction(
            self.hook,
            body,
            cap=cap,
            page_size=self.page_size,
            poll_interval=self.poll_interval,
            deadline=time.time() + self.timeout,
            log=self.log,
            on_job=self._running_job,
        )
        writer = self.staging.open_writer(self.partition, body)
        stitched = split.run(writer)
        manifest = writer.commit(job_id=",".join(split.job_ids))
        self.log.info(
            "Staged %d conversations in %d pages from %d piece jobs",
            manifest.record_count,
            manifest.page_count,
            stitched.jobs,
        )
        return manifest, stitched.jobs

    def _running_job(self, job_id: str | None) -> None:
        self.job_id = job_id

    def _stage(self, body: dict[str, Any]) -> Manifest:
        assert self.job_id is not None  # execute_complete set it from the trigger's event
        writer = self.staging.open_writer(self.partition, body)
        progress = PageProgress("Extract", self.log.info)
        for page in self.hook.iter_details_job_pages(self.job_id, self.page_size):
            writer.write_page(page.raw, page.conversations)
            # cursor depth: how many result cursors the job's paging has followed so far
            progress.page(page.conversations, f"cursor depth {progress.pages}" if page.cursor else "last page")
        manifest = writer.commit(job_id=self.job_id)
        self.log.info(
            "Staged %d conversations in %d pages from job %s", manifest.record_count, manifest.page_count, self.job_id
        )
        return manifest

    def _summary(self, manifest: Manifest, *, cache_hit: bool, pieces: int = 0) -> dict[str, Any]:
        self._lineage = (
            [lineage_names.genesys_details(self.hook.client.urls.api)],  # builds no connection to Genesys
            [lineage_names.staged_files(str(self.staging.extractions_root))],
        )
        return {
            "partition": manifest.partition,
            "query_hash": manifest.query_hash,
            "staging_path": str(self.staging.extraction_dir(manifest.partition, manifest.query_hash)),
            "pages": manifest.page_count,
            "records": manifest.record_count,
            "job_id": manifest.job_id,
            "cache_hit": cache_hit,
            "pieces": pieces,  # jobs the staged results came from: 1, more when split under the cap, 0 cached
            "api": (RequestStats() if cache_hit else self.hook.stats).as_dict(),
            # the budget and job slots this extraction ran under, and where they came from
            "limits": None if cache_hit else self.hook.limits().as_dict(),
        }

    def _delete_job_quietly(self) -> None:
        """Delete the current job once: afterwards neither a failure guard nor ``on_kill`` deletes it again."""
        job_id, self.job_id = self.job_id, None
        if job_id is None:  # none submitted, or already deleted
            return
        try:
            self.hook.delete_details_job(job_id)
        except GenesysError as error:
            self.log.warning("Could not delete Genesys details job %s: %s", job_id, error)

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> Any:
        """Lineage: the org's conversation details (its API host) -> the staged raw pages.

        Named while the task ran (``_summary``): the provider calls this in a forked process with a
        deadline, where a connection lookup could stall."""
        return operator_lineage(*self._lineage)

    def on_kill(self) -> None:
        """Task killed while reading results: cancel the remote job so it frees the job cap."""
        if self.job_id:
            self._delete_job_quietly()
