"""
### Genesys Cloud conversations: periodic refresh of the last complete days

The daily run's lookback (`genesys_lookback_days`, default 3) catches what changes within a few
days of a conversation. Quality evaluations, surveys and erasures can come weeks later: this DAG
re-extracts the `genesys_refresh_days` (default 30) complete UTC days before its logical date,
one details job per day, and loads them like the daily run (only conversations whose content hash
changed are rewritten; a conversation its complete day no longer returns is deleted from every
table, when the client reads every division).

1. **authenticate**: token + permission check;
2. **plan_days**: the days to refresh, never past Genesys's data-availability watermark (later days
   are left to the daily run); a manual run can give `first_day` / `last_day` (inclusive, `YYYY-MM-DD`);
3. **extract** / **load** / **audit**: the daily DAG's operators, mapped over the days (one
   `sync_audit` row per day; a failed try's row has its day's partition), under the same `genesys_api` pool.

Weekly, Sundays 06:00 UTC. Rerun a failed day: clear its failed mapped tasks with their downstream tasks.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import DAG, Asset, CronTriggerTimetable, Param

from genesys_cloud.defaults import AUDITED_DEFAULT_ARGS, GENESYS_POOL
from genesys_cloud.operators.audit import GenesysAuditOperator
from genesys_cloud.operators.authenticate import GenesysAuthenticateOperator
from genesys_cloud.operators.extract import GenesysExtractOperator
from genesys_cloud.operators.load import GenesysLoadOperator
from genesys_cloud.operators.refresh_plan import (
    GenesysRefreshPlanOperator,
    audit_kwargs,
    extract_kwargs,
    load_kwargs,
)
from genesys_pipeline.tables import CONVERSATION_TABLES

with DAG(
    dag_id="genesys_conversations_refresh",
    doc_md=__doc__,
    schedule=CronTriggerTimetable("0 6 * * 0", timezone="UTC"),
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    tags=["genesys", "warehouse", "conversations", "refresh"],
    default_args=AUDITED_DEFAULT_ARGS,
    params={
        "first_day": Param(
            None,
            type=["null", "string"],
            title="First day",
            description=(
                "YYYY-MM-DD, inclusive; with last_day, overrides the genesys_refresh_days before the logical date."
            ),
        ),
        "last_day": Param(None, type=["null", "string"], title="Last day", description="YYYY-MM-DD, inclusive."),
    },
) as dag:
    authenticate = GenesysAuthenticateOperator(task_id="authenticate", pool=GENESYS_POOL)
    access = authenticate.output  # division_ids read, all_divisions_read
    plans = GenesysRefreshPlanOperator(  # one plan per day
        task_id="plan_days",
        pool=GENESYS_POOL,
        audit_inputs={"authentication": access},
    ).output
    # extract_kwargs / load_kwargs also give each mapped try its audit_inputs (the day's plan, and
    # extraction for load); the authentication cannot join them (mapped kwargs replace partial ones, the map
    # functions see only the day), so those rows name no divisions.
    extract = GenesysExtractOperator.partial(task_id="extract", pool=GENESYS_POOL).expand_kwargs(
        plans.map(extract_kwargs)
    )
    load = GenesysLoadOperator.partial(
        task_id="load",
        all_divisions_read=access["all_divisions_read"],  # erasure needs every division
        outlets=[Asset(f"genesys://warehouse/{spec.name}") for spec in CONVERSATION_TABLES],
    ).expand_kwargs(plans.zip(extract.output).map(load_kwargs))
    audit = GenesysAuditOperator.partial(task_id="audit", authentication=access).expand_kwargs(
        plans.zip(extract.output, load.output).map(audit_kwargs)
    )

    authenticate >> plans.operator
