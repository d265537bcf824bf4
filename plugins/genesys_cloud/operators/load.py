"""``load``: staged raw pages -> normalize -> the warehouse, streamed page by page in one transaction.

It reads the extraction the ``extract`` task returned (passed in by the DAG) and works from staging only, so it can be
cleared and rerun on its own with no Genesys call. Normalizing is part of the load rather than
a task of its own: staging normalized rows between two tasks (write + read back: 134 ms of CPU
per 1,000 conversations) cost more than normalizing the raw page again (112 ms), so a separate
task made every run slower to make a rerun of a failed load no faster (docs/performance.md).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from genesys_cloud.lineage import operator_lineage
from genesys_cloud.operators.audited import AuditedOperator
from genesys_cloud.staging import staging_root
from genesys_cloud.variables import load_pii_config, load_settings
from genesys_cloud.warehouse_connection import WAREHOUSE_CONN_ID, open_warehouse, warehouse_sqlalchemy_url
from genesys_pipeline.normalize.pii import PiiConfig
from genesys_pipeline.report import lineage_names
from genesys_pipeline.report.progress import PageProgress
from genesys_pipeline.report.sanitize import database_errors_sanitized
from genesys_pipeline.staging.area import Manifest, StagingArea
from genesys_pipeline.tables import CONVERSATION_TABLES
from genesys_pipeline.warehouse.converge.erasure import CompleteExtraction, IncompleteExtractionError
from genesys_pipeline.warehouse.write.load import BATCH_EVENT, LoadReport

ERASURE_SECRET_FILE = ".erasure_secret"  # per-install fallback, beside the staged extractions


def staged_extraction(extraction: Mapping[str, Any]) -> tuple[StagingArea, Manifest]:
    """The staging area and complete manifest of an extract result (its partition, query hash and staging path)."""
    if not extraction:
        raise ValueError("no extraction to load: rerun the extract task first")
    staging = StagingArea.of_extraction(staging_root(extraction["staging_path"]))
    manifest = staging.read_manifest(extraction["partition"], extraction["query_hash"])
    if manifest is None:
        raise FileNotFoundError(
            f"no complete extraction {extraction['partition']}/{extraction['query_hash']} "
            f"at {extraction['staging_path']}: "
            "rerun the extract task"
        )
    return staging, manifest


def _batch_progress(progress: PageProgress) -> Callable[[str], None]:
    """The load's progress events -> a log line every few batches, with an ETA."""

    def on_event(event: str) -> None:
        if event.startswith(BATCH_EVENT):
            progress.page(int(event[len(BATCH_EVENT) :]))

    return on_event


def closing_line(report: LoadReport, pages: int) -> str:
    """The load's last line: what it read, and what became of each (written, unchanged, skipped as older, rejected)."""
    written = report.conversations_new + report.conversations_changed
    read = report.conversations_loaded + report.conversations_skipped_older + report.conversations_rejected
    return (
        f"Load done: {read:,} conversations read from {pages:,} pages; "
        f"written {written:,} ({report.conversations_new:,} new, {report.conversations_changed:,} changed; "
        f"{report.rows_loaded:,} rows), unchanged {report.conversations_unchanged:,}, "
        f"skipped as older {report.conversations_skipped_older:,}, rejected {report.conversations_rejected:,}, "
        f"duplicates collapsed {report.duplicates_collapsed:,}"
    )


def _label_asset_events(context: Any, outlets: list[Any], partition: str, interval: str, loaded: int) -> None:
    """Each table's asset event names the day (window) this run synced, whatever its run id or logical date say."""
    extra = {"partition": partition, "interval": interval, "conversations_loaded": loaded}
    for asset in outlets:
        context["outlet_events"][asset].extra.update(extra)


def erasure_salt(pii: PiiConfig, staging_path: str) -> str | None:
    """The key of the erased ids' hashes: the PII key (Variable ``genesys_pii_secret``), else a random
    per-install secret kept in the local staging root (None for object storage)."""
    if pii.salt:
        return pii.salt
    root = staging_root(staging_path)
    if not isinstance(root, Path):
        return None
    path = StagingArea.of_extraction(root).install_file(ERASURE_SECRET_FILE)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with open(path, "x", encoding="utf-8") as handle:  # the first writer wins
                handle.write(secrets.token_hex(32))
            path.chmod(0o600)
        except FileExistsError:
            pass
    return path.read_text(encoding="utf-8").strip()


def complete_extraction(
    manifest: Manifest, all_divisions_read: Any, data_available_until: Any
) -> tuple[CompleteExtraction | None, str | None]:
    """The days this load may erase in, or None and why not."""
    if data_available_until in (None, ""):
        return None, "no data watermark was passed to the load"
    try:
        return CompleteExtraction.of(
            manifest, all_divisions_read=all_divisions_read is True, data_available_until=data_available_until
        ), None
    except IncompleteExtractionError as error:
        return None, str(error)


class GenesysLoadOperator(AuditedOperator):
    """Normalizes the staged pages (with the PII config) and merges them into the warehouse,
    replacing by conversation id; XCom gets the counts, drift and timings.

    ``extraction`` (templated) is the extract task's result: the single source of what to load.
    ``interval`` (templated, optional) is the run's synced window, named in each table's asset
    event (the extraction's own interval includes the lookback days).
    The PII config is read here rather than from the plan because its salt must stay out of XCom.
    """

    template_fields = (
        *AuditedOperator.template_fields,
        "extraction",
        "interval",
        "all_divisions_read",
        "data_available_until",
    )
    ui_color = "#eef6ee"

    def __init__(
        self,
        *,
        extraction: Any,
        interval: Any = None,
        all_divisions_read: Any = False,
        data_available_until: Any = None,
        warehouse_conn_id: str = WAREHOUSE_CONN_ID,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.extraction = extraction
        self.interval = interval
        self.all_divisions_read = all_divisions_read  # authenticate's result: erasure needs every division
        self.data_available_until = data_available_until  # the watermark: only days ended by it are complete
        self.warehouse_conn_id = warehouse_conn_id

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> Any:
        """Lineage: the run's staged raw pages -> the conversation tables, under the warehouse's real namespace
        (named while the task ran: the provider calls this in a forked process with a deadline)."""
        return operator_lineage(*self._lineage)

    def execute(self, context: Any) -> dict[str, Any]:
        started = time.monotonic()
        staging, manifest = staged_extraction(self.extraction)
        pii = load_pii_config(load_settings())
        complete, not_complete = complete_extraction(manifest, self.all_divisions_read, self.data_available_until)
        salt = erasure_salt(pii, self.extraction["staging_path"]) if complete is not None else None
        if complete is not None and not salt:
            complete, not_complete = None, "no erasure secret (set Variable genesys_pii_secret)"
        if complete is None:
            self.log.info("No erasure this load: %s", not_complete)
        url = warehouse_sqlalchemy_url(self.warehouse_conn_id)
        self._lineage = (
            [lineage_names.staged_files(str(staging.extractions_root))],
            lineage_names.warehouse_tables(url, [spec.name for spec in CONVERSATION_TABLES]),
        )
        warehouse = open_warehouse(self.warehouse_conn_id, url)
        progress = PageProgress("Load", self.log.info, total_pages=manifest.page_count)
        try:  # the tables exist: validate_window prepared them for this run
            with database_errors_sanitized():
                report = warehouse.load_extraction(
                    staging,
                    manifest,
                    context["run_id"],
                    pii,
                    progress=_batch_progress(progress),
                    complete=complete,
                    erasure_salt=salt,
                )
        finally:
            warehouse.dispose()
        self.log.info("%s", closing_line(report, manifest.page_count))
        _label_asset_events(context, self.outlets, manifest.partition, self.interval, report.conversations_loaded)
        if report.conversations_deleted:
            self.log.info(
                "Erased %d conversations a complete re-extraction no longer returned", report.conversations_deleted
            )
        return {
            "conversations_loaded": report.conversations_loaded,
            "conversations_new": report.conversations_new,
            "conversations_changed": report.conversations_changed,
            "conversations_unchanged": report.conversations_unchanged,
            "conversations_deleted": report.conversations_deleted,
            "deleted_id_hashes": report.deleted_id_hashes,
            "erased_days": [day.isoformat() for day in complete.days] if complete is not None else [],
            "erasure_skipped": report.erasure_skipped or not_complete,
            "conversations_rejected": report.conversations_rejected,
            "conversations_skipped_older": report.conversations_skipped_older,
            "duplicates_collapsed": report.duplicates_collapsed,
            "rows_per_table": report.tables,
            "drift": report.drift,
            "rejects_path": report.rejects_path,
            "timings": report.timings,
            "seconds": round(time.monotonic() - started, 3),
        }
