"""``follow_up_open``: conversations stored without ``conversationEnd`` re-read by id until they end.

After the load, the warehouse itself lists what is still open, whatever day it started
(``warehouse.open_conversations``). Ids the run's extraction has just returned are fresh and
skipped; the rest are multi-got in batches of ``genesys_open_followup_batch``, staged as an
extraction of their own beside the run's (the data path: no records in XCom) and merged with the
content hash, with no erasure: an id the multi-get does not return is counted, never deleted
(see ``genesys_pipeline.staging.followup``). Nothing open, no request (not even for a token).
"""

from __future__ import annotations

import time
from functools import cached_property
from typing import Any

from genesys_cloud.hook import GenesysCloudHook
from genesys_cloud.operators.audited import AuditedOperator
from genesys_cloud.operators.load import staged_extraction
from genesys_cloud.variables import load_pii_config, load_settings
from genesys_cloud.warehouse_connection import WAREHOUSE_CONN_ID, open_warehouse
from genesys_pipeline.report.sanitize import database_errors_sanitized
from genesys_pipeline.staging.followup import (
    DEFAULT_FOLLOWUP_BATCH,
    fetch_and_stage,
    ids_to_follow,
    page_conversation_ids,
)
from genesys_pipeline.warehouse.converge.open_conversations import open_conversations


class GenesysFollowUpOperator(AuditedOperator):
    """Re-fetches the warehouse's open conversations the run's extraction did not return, and merges them.

    ``extraction`` (templated) is the extract task's result: its staged pages say which ids are
    fresh, and the follow-up is staged beside it (same staging root and partition).
    ``batch_size`` (templated) is the plan's ``open_followup_batch``, already resolved and checked
    by ``validate_window``. Returns a small summary:
    requested, returned, ended, still_open, not_returned, requests (multi-get calls), and what the
    merge rewrote.
    """

    template_fields = (*AuditedOperator.template_fields, "extraction", "batch_size")
    ui_color = "#eef6ee"

    def __init__(
        self,
        *,
        extraction: Any,
        batch_size: Any = DEFAULT_FOLLOWUP_BATCH,
        genesys_conn_id: str = GenesysCloudHook.default_conn_name,
        warehouse_conn_id: str = WAREHOUSE_CONN_ID,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.extraction = extraction
        self.batch_size = batch_size
        self.genesys_conn_id = genesys_conn_id
        self.warehouse_conn_id = warehouse_conn_id

    @cached_property
    def hook(self) -> GenesysCloudHook:
        return GenesysCloudHook(genesys_conn_id=self.genesys_conn_id)

    def execute(self, context: Any) -> dict[str, Any]:
        started = time.monotonic()
        staging, extracted = staged_extraction(self.extraction)
        warehouse = open_warehouse(self.warehouse_conn_id)
        try:
            with database_errors_sanitized():
                stored_open = open_conversations(warehouse.engine)
            fresh = page_conversation_ids(staging.iter_pages(extracted)) if stored_open.count else set()
            ids = ids_to_follow(stored_open.ids, fresh)
            manifest, summary = fetch_and_stage(
                ids,
                self.batch_size,  # validate_window resolved and checked it (settings: minimum 1)
                self.hook.get_conversations_by_id,
                staging,
                extracted.partition,
                days={stored_open.day_of[cid] for cid in ids},
            )
            changed = 0
            if manifest is not None:
                with database_errors_sanitized():
                    report = warehouse.load_extraction(
                        staging, manifest, context["run_id"], load_pii_config(load_settings())
                    )
                changed = report.conversations_new + report.conversations_changed
        finally:
            warehouse.dispose()
        self.log.info(
            "Open conversations: %d stored, %d just extracted; followed up %d in %d requests: "
            "%d returned (%d ended, %d still open), %d not returned (kept), %d rewritten",
            stored_open.count,
            stored_open.count - len(ids),
            summary.requested,
            summary.requests,
            summary.returned,
            summary.ended,
            summary.still_open,
            summary.not_returned,
            changed,
        )
        return {
            **summary.as_dict(),
            "conversations_changed": changed,
            "api": self.hook.stats.as_dict() if summary.requests else None,
            "seconds": round(time.monotonic() - started, 3),
        }
