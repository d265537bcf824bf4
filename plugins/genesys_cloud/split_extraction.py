"""A window whose details job crossed the results cap, extracted as one job per hour-aligned piece.

Known only from the error: the whole-window job's results call answered HTTP 400 "pagination may
not exceed N results" (:func:`~genesys_cloud.api.error_responses.results_cap_of`). Nothing is
predicted before that, so the normal path costs no extra request; after it, ONE aggregates query
(the hourly census, ``granularity=PT1H``) predicts each hour's volume and
:func:`~genesys_pipeline.plan.result_cap.split_under_cap` cuts the window to fit
``min(genesys_max_job_results, N)``.

This is the rare path and it runs synchronously inside the extract task: each piece's job is
submitted, polled with ``time.sleep`` (the worker slot is held meanwhile, unlike the deferred
whole-window job) until the operator's ``timeout``, read page by page and deleted. Every piece's
records pass through one :class:`~genesys_pipeline.plan.result_cap.Stitcher` into the ONE staging
writer of the whole window, so the extraction keeps the unsplit job's partition and query hash
and the load reads it unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Protocol

import orjson

from genesys_cloud.api.error_responses import results_cap_of
from genesys_cloud.api.exceptions import GenesysApiError, GenesysError, GenesysJobFailed
from genesys_cloud.api.job_state import JobState
from genesys_cloud.hook import GenesysCloudHook
from genesys_pipeline.plan.result_cap import (
    StitchedExtraction,
    hour_aligned_halves,
    hourly_counter,
    split_under_cap,
    stitch_pieces,
)
from genesys_pipeline.plan.window import Window
from genesys_pipeline.report import aggregates
from genesys_pipeline.staging.area import ExtractionWriter


def is_results_cap_error(error: BaseException) -> bool:
    return results_cap_of(error) is not None


class Log(Protocol):
    """What a :class:`SplitExtraction` logs through: a ``logging.Logger`` or an operator's ``self.log``."""

    def info(self, msg: Any, /, *args: Any) -> Any: ...

    def warning(self, msg: Any, /, *args: Any) -> Any: ...


class SplitExtraction:
    """One whole-window extraction made of piece jobs; ``job_ids`` lists every job it submitted."""

    def __init__(
        self,
        hook: GenesysCloudHook,
        body: dict[str, Any],
        *,
        cap: int,
        page_size: int | None,
        poll_interval: float,
        deadline: float,
        log: Log,
        on_job: Callable[[str | None], None],
    ) -> None:
        self.hook = hook
        self.body = body
        self.window = Window.from_interval(body["interval"])
        self.cap = cap
        self.page_size = page_size
        self.poll_interval = poll_interval
        self.deadline = deadline
        self.log = log
        self.on_job = on_job  # told the running piece's job id (None once deleted), for on_kill
        self.job_ids: list[str] = []

    def predicted_pieces(self) -> list[Window]:
        """Pieces predicted to fit from the hourly census; if the aggregates refuse the query,
        the two halves, each split further when it answers the cap error itself."""
        try:
            response = self.hook.query_conversation_aggregates(aggregates.hourly_census_query(self.window.interval))
        except GenesysApiError as error:
            self.log.warning("Hourly aggregates for %s failed (%s); splitting by halves", self.window.interval, error)
            return list(hour_aligned_halves(self.window) or (self.window,))
        return split_under_cap(self.window, self.cap, hourly_counter(aggregates.conversations_per_bucket(response)))

    def run(self, writer: ExtractionWriter) -> StitchedExtraction:
        pieces = self.predicted_pieces()
        self.log.info(
            "Splitting %s into %d pieces under the results cap %d: %s",
            self.window.interval,
            len(pieces),
            self.cap,
            ", ".join(p.interval for p in pieces),
        )
        availability: dict[str, Any] = {}

        def write(records: list[dict[str, Any]]) -> None:
            page = {"conversations": records, "dataAvailabilityDate": availability.get("date")}
            writer.write_page(orjson.dumps(page), len(records))

        def read_piece(piece: Window) -> Iterator[list[dict[str, Any]]]:
            for page in self._piece_pages(piece):
                availability["date"] = page.get("dataAvailabilityDate")
                yield page.get("conversations") or []

        stitched = stitch_pieces(pieces, read_piece, write, is_results_cap_error)
        self.log.info(
            "Stitched %d pieces from %d jobs (%d split again at the cap); dropped %d records owned by another "
            "piece and %d repeats",
            len(stitched.pieces),
            stitched.jobs,
            stitched.resplits,
            stitched.dropped_other_piece,
            stitched.dropped_repeated,
        )
        return stitched

    def _piece_pages(self, piece: Window) -> Iterator[dict[str, Any]]:
        """One piece's job, waited for and read page by page (decoded), deleted however it ends."""
        job_id = self.hook.submit_details_job({**self.body, "interval": piece.interval})
        self.job_ids.append(job_id)
        self.on_job(job_id)
        try:
            status = self.hook.wait_for_details_job(job_id, self.poll_interval, self.deadline)
            if status["state"] is not JobState.FULFILLED:
                raise GenesysJobFailed(job_id, status["state"].value, status.get("errorMessage"))
            for page in self.hook.iter_details_job_pages(job_id, self.page_size):
                yield orjson.loads(page.raw)
        finally:
            try:
                self.hook.delete_details_job(job_id)
            except GenesysError as error:
                self.log.warning("Could not delete Genesys details job %s: %s", job_id, error)
            self.on_job(None)
