"""
### Genesys Cloud reference data → warehouse lookup tables, daily

Refreshes the names behind the ids in conversation records, one task per table, each a full
current snapshot replaced atomically (`_synced_at` says when):

- **users**: `GET /api/v2/users?state=any`, so deleted and inactive agents who appear in old
  conversations keep their names;
- **queues**: `GET /api/v2/routing/queues` (needs `routing:queue:view`);
- **wrapup_codes**: `GET /api/v2/routing/wrapupcodes` (needs `routing:wrapupCode:view`).

The category views (`v_wrapups`, `v_routing`) join these tables; before the first run their
name columns are NULL. Connections: `genesys_cloud_default`, `genesys_warehouse`. An empty
answer never wipes a filled table (the task fails instead): it almost always means a
permission or API problem, not an organisation without queues.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import DAG, Asset

from genesys_cloud.defaults import GENESYS_DEFAULT_ARGS, GENESYS_POOL
from genesys_cloud.operators.reference_data import FETCHERS, GenesysReferenceDataOperator

with DAG(
    dag_id="genesys_reference_data",
    doc_md=__doc__,
    schedule="@daily",
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    tags=["genesys", "warehouse", "reference-data"],
    default_args=GENESYS_DEFAULT_ARGS,
) as dag:
    for table in FETCHERS:
        GenesysReferenceDataOperator(
            task_id=f"sync_{table}",
            table=table,
            pool=GENESYS_POOL,
            outlets=[Asset(f"genesys://warehouse/{table}")],
        )
