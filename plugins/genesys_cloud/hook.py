"""GenesysCloudHook: every Genesys Cloud call the pipeline makes, as small methods over one funnel.

Retries, auth, pacing and accounting live in :class:`~genesys_cloud.api.client.GenesysClient`;
each endpoint method here is a few lines. Large results are iterators of pages or records, so
memory stays flat however many conversations a window holds.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any, Literal

from airflow.sdk import BaseHook

from genesys_cloud.api import endpoints
from genesys_cloud.api.answer_cache import AnswerCache, DivisionListing
from genesys_cloud.api.client import GenesysClient
from genesys_cloud.api.connection import config_from_connection
from genesys_cloud.api.datasets import dataset_named
from genesys_cloud.api.exceptions import (
    GenesysApiError,
    GenesysError,
    GenesysRateLimitExceeded,
    GenesysRetryAfterTooLong,
)
from genesys_cloud.api.job_polls import DEFAULT_SCHEDULE, LatencyHistory
from genesys_cloud.api.job_state import job_state
from genesys_cloud.api.limits import EffectiveLimits
from genesys_cloud.api.pagination import CursorPaginator, EntityListingPaginator
from genesys_cloud.api.results_page import EMPTY_PAGE, ResultsPageSummary, scan_results_page
from genesys_cloud.api.settings import GenesysSettings
from genesys_cloud.api.stats import RequestStats
from genesys_pipeline.plan.divisions import (
    DETAILS_PERMISSION,
    DivisionAccess,
    DivisionAccessError,
    check_division_access,
)
from genesys_pipeline.staging.followup import multiget_params


def new_slot_holder() -> str:
    """The id a details-job slot is held under until the job it was taken for has an id."""
    return f"submission-{uuid.uuid4()}"


@dataclass(frozen=True)
class JobResultPage:
    """One page of job results: the exact response bytes for staging plus what paging needs."""

    raw: bytes
    conversations: int
    cursor: str | None
    data_availability_date: str | None


class GenesysCloudHook(BaseHook):
    """Genesys Cloud Platform API v2 (analytics details, jobs, aggregates, lookups).

    Connection (type ``genesys_cloud``, or a stock ``http`` one): login = OAuth client id, password = client secret,
    host = region domain (``mypurecloud.ie``) or base URL (``http://127.0.0.1:8089``),
    extra = :class:`~genesys_cloud.api.settings.GenesysSettings` options.
    """

    conn_name_attr = "genesys_conn_id"
    default_conn_name = "genesys_cloud_default"
    conn_type = "genesys_cloud"  # registered in provider_info.py; a stock "http" connection works too
    hook_name = "Genesys Cloud"

    # The UI's form (labels, hidden port and schema) is declared in provider_info.py, where Airflow 3.3 reads it.

    def __init__(self, genesys_conn_id: str = default_conn_name, dataset: str = "conversations", **kwargs: Any) -> None:
        """``dataset``: whose details jobs the job methods submit, poll, page and delete (``api/datasets.py``)."""
        super().__init__(**kwargs)
        self.genesys_conn_id = genesys_conn_id
        self.dataset = dataset_named(dataset)

    @cached_property
    def client(self) -> GenesysClient:
        config = config_from_connection(self.get_connection(self.genesys_conn_id))
        return GenesysClient(config.urls, config.client_id, config.client_secret, config.settings)

    def get_conn(self) -> GenesysClient:
        return self.client

    @property
    def settings(self) -> GenesysSettings:
        return self.client.settings

    @property
    def stats(self) -> RequestStats:
        return self.client.stats

    def get_token(self) -> str:
        return self.client.token()

    def check_permissions(self) -> None:
        """Prove the credentials work (a token) and may read conversation details (the availability
        probe, or this client's answer to it kept within ``availability_cache_seconds``); raises
        naming what is missing."""
        self.get_token()
        self.data_availability_covering(None)

    def _probe(self) -> datetime:
        # Availability needs analytics:conversationDetail:view, the permission every extraction needs.
        self.get_token()
        return self.get_data_availability()

    def test_connection(self) -> tuple[bool, str]:
        try:
            available = self._probe()
        except (GenesysError, ValueError) as error:
            return False, str(error)
        return (
            True,
            f"Connected to {self.client.urls.api}; conversation details available up to {available.isoformat()}",
        )

    def reserve_job_slot(self, holder: str) -> bool:
        """Take a details-job slot for ``holder`` if one is free now (never waits); a task that
        gets none defers until one frees (``GenesysJobSlotTrigger``) instead of blocking."""
        return self.client.job_slots.acquire(
            self.client.budget_key, self.limits().max_concurrent_jobs, holder, self.settings.job_slot_lease_seconds
        )

    def limits(self) -> EffectiveLimits:
        """The rate budget and job slots in force: the org's limits capped by the settings (``api/limits.py``)."""
        return self.client.limits()

    @cached_property
    def answers(self) -> AnswerCache:
        """Answers this client's tasks share instead of asking again (availability, divisions);
        nothing is kept with the ``local`` budget backend, which shares nothing."""
        settings, client = self.settings, self.client
        shared = settings.rate_budget_backend != "local"
        return AnswerCache(
            client.facts,
            client.budget_key,
            availability_seconds=settings.availability_cache_seconds if shared else 0.0,
            divisions_seconds=settings.divisions_cache_seconds if shared else 0.0,
        )

    def latency_history(self) -> LatencyHistory:
        """Run times of this client's recent jobs, shared by its processes: what polls are timed by."""
        return LatencyHistory(self.client.facts, self.client.budget_key)

    def submit_details_job(self, body: dict[str, Any], holder: str | None = None) -> str:
        """Submit a job once a details-job slot of this client is free (``max_concurrent_jobs``
        across every worker sharing the rate budget's store), then hand the slot to the job; delete
        gives it back. A 429 on submission (the org's cap, other integrations) is waited out too.
        Both waits together last at most ``job_cap_wait_seconds``: in a backfill other partitions'
        jobs finish soon, so a full cap is a queue, not a failure. ``holder``: a slot reserved before
        (``reserve_job_slot``) that the job takes over."""
        deadline = time.monotonic() + self.settings.job_cap_wait_seconds
        holder = holder or new_slot_holder()
        self.client.hold_job_slot(holder, deadline)  # at once when ``holder`` already has its slot
        try:
            job_id = self._post_details_job(body, deadline)
        except BaseException:
            self.client.release_job_slot(holder)
            raise
        self.client.hand_job_slot(holder, job_id)
        self.log.info("Submitted Genesys details job %s for interval %s", job_id, body.get("interval"))
        return job_id

    def _post_details_job(self, body: dict[str, Any], deadline: float) -> str:
        while True:
            try:
                return self.client.request("POST", self.dataset.jobs, json=body).data["jobId"]
            except GenesysRetryAfterTooLong:
                raise
            except GenesysRateLimitExceeded as error:
                if time.monotonic() >= deadline:
                    raise GenesysRateLimitExceeded(
                        f"{error} (a 429 on job submission usually means the concurrent-job cap is reached: "
                        "finished jobs that were never deleted still count; waited "
                        f"{self.settings.job_cap_wait_seconds:.0f} s, connection extra 'job_cap_wait_seconds')"
                    ) from error
                self.log.info(
                    "Genesys concurrent-job cap reached; still waiting to submit for %s", body.get("interval")
                )

    def get_details_job(self, job_id: str) -> dict[str, Any]:
        """Job status (HTTP 200 and 202 alike) with ``state`` as a :class:`JobState`; renews the job's slot.
        A poll: it yields the budget to result pages (``poll_budget_share``)."""
        response = self.client.request("GET", self.dataset.job(job_id), budget_share=self.settings.poll_budget_share)
        self.stats.job_polls += 1
        status = dict(response.data or {})
        self.client.renew_job_slot(job_id)
        status["state"] = job_state(status)
        return status

    def wait_for_details_job(self, job_id: str, poll_interval: float, deadline: float) -> dict[str, Any]:
        """Poll a job just submitted until it is terminal, in this process (the worker slot is held;
        the normal path defers instead), on the client's poll schedule with ``poll_interval`` as
        the shortest gap. ``deadline`` is a ``time.time()`` instant; past it, GenesysError."""
        submitted = time.monotonic()
        history = self.latency_history()
        schedule = DEFAULT_SCHEDULE.for_connection(poll_interval, self.settings.job_first_poll_seconds)
        running_at = 0.0
        while True:
            elapsed = time.monotonic() - submitted
            status = self.get_details_job(job_id)
            if status["state"].is_terminal:
                history.record(running_at, elapsed)
                return status
            running_at = elapsed
            if time.time() >= deadline:
                raise GenesysError(f"Genesys details job {job_id} was still {status['state'].value} at the deadline")
            wait = schedule.next_delay(time.monotonic() - submitted, history.seen())
            time.sleep(max(0.0, min(wait, deadline - time.time())))

    def iter_details_job_pages(self, job_id: str, page_size: int | None = None) -> Iterator[JobResultPage]:
        size = self.settings.check_results_page_size(page_size)
        paginator = CursorPaginator()
        while not paginator.finished:
            params: dict[str, Any] = {"pageSize": size}
            if paginator.cursor:
                params["cursor"] = paginator.cursor
            response = self.client.request("GET", self.dataset.results(job_id), params=params, decode=self._scan_page)
            page: ResultsPageSummary = response.data or EMPTY_PAGE
            self.client.renew_job_slot(job_id)  # a long read keeps its job's slot
            paginator.advance({"cursor": page.cursor})
            yield JobResultPage(
                raw=response.content,
                conversations=page.conversations,
                cursor=page.cursor,
                data_availability_date=page.data_availability_date,
            )

    def _scan_page(self, content: bytes) -> ResultsPageSummary:
        return scan_results_page(content, self.dataset.records_key)

    def delete_details_job(self, job_id: str) -> None:
        """Delete (cancel) a job and give its slot back; one that is already gone counts as deleted."""
        try:
            self.client.request("DELETE", self.dataset.job(job_id))
        except GenesysApiError as error:
            if error.status != 404:
                raise
        self.client.release_job_slot(job_id)

    def get_conversations_by_id(self, conversation_ids: Sequence[str]) -> tuple[bytes, list[dict[str, Any]]]:
        """One multi-get (``?id=a,b,c``, at most ``genesys_open_followup_batch`` ids): the response bytes,
        for staging as they came, and its conversations (those of the client's divisions that still exist)."""
        response = self.client.request("GET", endpoints.CONVERSATION_DETAILS, params=multiget_params(conversation_ids))
        return response.content, list((response.data or {}).get("conversations") or [])

    def get_data_availability(self) -> datetime:
        """Asks Genesys, and keeps the answer for this client's other tasks (``answer_cache.py``)."""
        data = self.client.request("GET", endpoints.DATA_AVAILABILITY).data
        available = endpoints.parse_timestamp(data["dataAvailabilityDate"])
        self.answers.keep_availability(available)
        return available

    def data_availability_covering(self, target: datetime | None) -> datetime:
        """The availability date: this client's kept answer when it is at or past ``target`` (None:
        any kept answer), with no request, since the date only moves forward; else asked."""
        kept = self.answers.availability_covering(target)
        return kept if kept is not None else self.get_data_availability()

    def query_conversation_aggregates(self, body: dict[str, Any]) -> dict[str, Any]:
        return self.client.request("POST", endpoints.AGGREGATES_QUERY, json=body).data

    def iter_users(self, state: str = "any") -> Iterator[dict[str, Any]]:
        """Users incl. deleted/inactive by default: old conversations reference them too."""
        return self._iter_entities(endpoints.USERS, state=state)

    def iter_divisions(self) -> Iterator[dict[str, Any]]:
        """Every division of the org (needs authorization:division:view or a role that lists them)."""
        return self._iter_entities(endpoints.DIVISIONS)

    def get_permitted_divisions(self, permission: str) -> tuple[list[dict[str, Any]], bool]:
        """The divisions in which this client holds ``permission``, and Genesys's ``allDivsPermitted`` flag."""
        paginator = EntityListingPaginator(
            {"pageSize": self.settings.lookup_page_size, "pageNumber": 1, "permission": permission}
        )
        divisions: list[dict[str, Any]] = []
        all_permitted = False
        while not paginator.finished:
            data = self.client.request("GET", endpoints.DIVISIONS_PERMITTED_ME, params=paginator.params).data or {}
            divisions.extend(data.get("entities") or [])
            all_permitted = all_permitted or data.get("allDivsPermitted") is True
            paginator.advance(data)
        return divisions, all_permitted

    def division_access(self, expected: tuple[str, ...] | Literal["any"] | None) -> DivisionAccess:
        """The divisions this client reads conversation details in, checked against ``expected``
        (raises :class:`~genesys_pipeline.plan.divisions.DivisionAccessError` naming the missing ones).

        A listing this client's tasks read and passed within ``divisions_cache_seconds`` is judged
        with no request; a failure is only ever a fresh listing's (``answer_cache.py``)."""
        kept = self.answers.divisions(DETAILS_PERMISSION)
        if kept is not None:
            try:
                return self._judge(kept, expected)
            except DivisionAccessError:
                self.log.info("The kept division listing fails the check; reading it again")
        readable, all_permitted = self.get_permitted_divisions(DETAILS_PERMISSION)
        listing = DivisionListing(list(self.iter_divisions()), readable, all_permitted)
        access = self._judge(listing, expected)
        self.answers.keep_divisions(DETAILS_PERMISSION, listing)
        return access

    @staticmethod
    def _judge(listing: DivisionListing, expected: tuple[str, ...] | Literal["any"] | None) -> DivisionAccess:
        return check_division_access(
            listing.all_divisions, listing.readable, expected, all_permitted=listing.all_permitted
        )

    def iter_queues(self) -> Iterator[dict[str, Any]]:
        return self._iter_entities(endpoints.QUEUES)

    def iter_wrapup_codes(self) -> Iterator[dict[str, Any]]:
        return self._iter_entities(endpoints.WRAPUP_CODES)

    def _iter_entities(self, path: str, **params: Any) -> Iterator[dict[str, Any]]:
        paginator = EntityListingPaginator({"pageSize": self.settings.lookup_page_size, "pageNumber": 1, **params})
        while not paginator.finished:
            data = self.client.request("GET", path, params=paginator.params).data or {}
            yield from data.get("entities") or []
            paginator.advance(data)
