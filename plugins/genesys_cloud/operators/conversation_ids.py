"""``validate_ids``: the by-id run's plan, checked before any Genesys request or warehouse write.

The ``conversation_ids`` param is checked whole (each a UUID, no duplicates, at most
``MAX_IDS_PER_RUN``) and every bad entry is named in one error; then the settings and the
warehouse connection, as ``validate_window`` checks them for a day. Bad input fails at once, with
no retry (a retry cannot fix it). Only then are the tables created or migrated.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk.exceptions import AirflowFailException

from genesys_cloud.operators.audited import AuditedOperator
from genesys_cloud.operators.validate_window import (
    _check_warehouse_connection,
    _checked_settings,
    prepare_warehouse,
)
from genesys_pipeline.plan.conversation_ids import MAX_IDS_PER_RUN, PARAM, checked_conversation_ids
from genesys_pipeline.staging.by_id import BY_ID_PARTITION


class GenesysConversationIdsOperator(AuditedOperator):
    """Returns (``multiple_outputs``) the by-id plan: ``partition`` (:data:`BY_ID_PARTITION`), the checked
    ``conversation_ids`` (lower case, in the order given), ``batch_size`` (``genesys_open_followup_batch``),
    ``staging_root``, ``retention_days`` and ``staging_retention_days``."""

    ui_color = "#e8f1fb"

    def __init__(self, *, cap: int = MAX_IDS_PER_RUN, **kwargs: Any) -> None:
        kwargs.setdefault("multiple_outputs", True)
        super().__init__(**kwargs)
        self.cap = cap

    def execute(self, context: Any) -> dict[str, Any]:
        params = context.get("params") or {}
        try:
            ids = checked_conversation_ids(params.get(PARAM), self.cap)
        except ValueError as error:
            raise AirflowFailException(f"Invalid conversation ids: {error}") from None
        try:
            _check_warehouse_connection()
            settings = _checked_settings()
        except ValueError as error:
            raise AirflowFailException(f"Invalid pipeline configuration: {error}") from None
        plan = {
            "partition": BY_ID_PARTITION,
            "conversation_ids": ids,
            "batch_size": settings.open_followup_batch,
            "staging_root": settings.staging_root,
            "retention_days": settings.retention_days,
            "staging_retention_days": settings.staging_retention_days,
        }
        self.log.info("Re-syncing %d conversations, %d a request", len(ids), plan["batch_size"])
        prepare_warehouse(self.log)
        return plan
