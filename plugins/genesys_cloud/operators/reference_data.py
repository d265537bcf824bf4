"""``GenesysReferenceDataOperator``: one lookup list from Genesys -> its warehouse table, replaced atomically.

One task per table, so a client lacking one permission (say ``routing:queue:view``) still
refreshes the other tables, and each table can be rerun alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from airflow.sdk import BaseOperator

from genesys_cloud.warehouse_connection import WAREHOUSE_CONN_ID, open_warehouse
from genesys_pipeline.warehouse.reference_tables import LOOKUPS_BY_NAME, replace_snapshot

# Users with state=any: agents who left still appear in old conversations and need their names.
FETCHERS: dict[str, Callable[[Any], Iterator[dict[str, Any]]]] = {
    "users": lambda hook: hook.iter_users(state="any"),
    "queues": lambda hook: hook.iter_queues(),
    "wrapup_codes": lambda hook: hook.iter_wrapup_codes(),
}


class GenesysReferenceDataOperator(BaseOperator):
    ui_color = "#eef6ee"

    def __init__(
        self,
        *,
        table: str,
        genesys_conn_id: str = "genesys_cloud_default",
        warehouse_conn_id: str = WAREHOUSE_CONN_ID,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if table not in FETCHERS or table not in LOOKUPS_BY_NAME:
            raise ValueError(f"unknown reference table {table!r}; expected one of {', '.join(FETCHERS)}")
        self.table = table
        self.genesys_conn_id = genesys_conn_id
        self.warehouse_conn_id = warehouse_conn_id

    def execute(self, context: Any) -> dict[str, Any]:
        from genesys_cloud.hook import GenesysCloudHook

        hook = GenesysCloudHook(genesys_conn_id=self.genesys_conn_id)
        entities = list(
            FETCHERS[self.table](hook)
        )  # fetched in full before the swap: a failure leaves the old snapshot
        warehouse = open_warehouse(self.warehouse_conn_id)
        try:
            warehouse.ensure_schema()
            result = replace_snapshot(warehouse.engine, self.table, entities)
        finally:
            warehouse.dispose()
        self.log.info("Reference table %s: %d rows (previous snapshot %d)", result.table, result.rows, result.replaced)
        return {**result.as_dict(), "api": hook.stats.as_dict()}
