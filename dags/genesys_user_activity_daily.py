"""
### Genesys Cloud agent activity → warehouse, one UTC day per run

What the agents did with their time: each user's presence (`systemPresence`, organization presence) and
routing-status (`OFF_QUEUE`, `IDLE`, `INTERACTING`, `NOT_RESPONDING`, `COMMUNICATING`) intervals, from the
users details jobs (`POST /api/v2/analytics/users/details/jobs`), into `user_presence_intervals` and
`user_routing_status_intervals` (an interval is stored once, under the UTC day it started; one still running
at extraction has no `end_time` and is closed by a later run), with `presence_definitions` beside them.

1. **authenticate**, **validate_window**, **wait_for_data**: as in `genesys_conversations_daily` (divisions the
   client cannot read fail the run before anything is written, named; same window rules, same lookback);
2. **presence_definitions**: `GET /api/v2/presence/definitions` replaces the lookup;
3. **extract**: the same details-job operator as conversations, `dataset="users"` (submit, deferred poll, cursor
   pages staged as raw JSON under `<staging root>/users`, job deleted; a fresh staged copy is reused);
4. **load**: staged pages → user-days (one user's intervals that started on one day), each replaced whole in one
   transaction, skipped when its content hash is unchanged or a fresher extraction holds it;
5. **reconcile**: `POST /api/v2/analytics/users/aggregates/query` (`tAgentRoutingStatus` by `userId`) for the day
   against the warehouse's time per user and status: `match`, or `incomplete` past 1 s a cell (data kept);
6. **audit** (`sync_audit`; in this DAG's rows the `conversations_*` columns count users and user-days) and
   **notify** (`genesys.users.partition_synced`).

Connections and Variables are the conversation DAG's. README "Agent activity".
"""

from __future__ import annotations

import pendulum
from airflow.sdk import DAG, Asset, CronDataIntervalTimetable, Param

from genesys_cloud.defaults import AUDITED_DEFAULT_ARGS, EXTRACT_EXECUTION_TIMEOUT, GENESYS_POOL, WAIT_EXECUTION_TIMEOUT
from genesys_cloud.operators.audit import GenesysAuditOperator
from genesys_cloud.operators.authenticate import GenesysAuthenticateOperator
from genesys_cloud.operators.extract import GenesysExtractOperator
from genesys_cloud.operators.notify import GenesysSyncNotifyOperator
from genesys_cloud.operators.user_activity import (
    GenesysPresenceDefinitionsOperator,
    GenesysUserActivityLoadOperator,
    GenesysUserActivityReconcileOperator,
)
from genesys_cloud.operators.validate_window import GenesysWindowOperator
from genesys_cloud.sensors import GenesysWaitForDataSensor
from genesys_pipeline.tables.users import USER_ACTIVITY_TABLES

with DAG(
    dag_id="genesys_user_activity_daily",
    doc_md=__doc__,
    schedule=CronDataIntervalTimetable("@daily", timezone="UTC"),
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=2,
    tags=["genesys", "warehouse", "agents"],
    default_args=AUDITED_DEFAULT_ARGS,
    params={
        "interval_start": Param(None, type=["null", "string"], title="Interval start"),
        "interval_end": Param(None, type=["null", "string"], title="Interval end"),
        "force_extract": Param(False, type="boolean", title="Force extract", description="Ignore cached extractions."),
        "lookback_days": Param(None, type=["null", "integer"], minimum=0, title="Lookback days"),
    },
) as dag:
    authenticate = GenesysAuthenticateOperator(task_id="authenticate", pool=GENESYS_POOL)
    access = authenticate.output
    validate_window = GenesysWindowOperator(task_id="validate_window", audit_inputs={"authentication": access})
    plan = validate_window.output
    plan_inputs = {"plan": plan, "authentication": access}
    wait_for_data = GenesysWaitForDataSensor(
        task_id="wait_for_data",
        pool=GENESYS_POOL,
        target=plan["interval_end"],
        availability_timeout_seconds=plan["availability_timeout_seconds"],
        poll_interval_seconds=plan["poll_interval_seconds"],
        execution_timeout=WAIT_EXECUTION_TIMEOUT,
        audit_inputs=plan_inputs,
    )
    presence_definitions = GenesysPresenceDefinitionsOperator(
        task_id="presence_definitions",
        pool=GENESYS_POOL,
        outlets=[Asset("genesys://warehouse/presence_definitions")],
        audit_inputs=plan_inputs,
    )
    extract = GenesysExtractOperator(
        task_id="extract",
        dataset="users",
        pool=GENESYS_POOL,
        execution_timeout=EXTRACT_EXECUTION_TIMEOUT,
        interval=plan["extract_interval"],
        partition=plan["partition"],
        staging_root=plan["staging_root"],
        cache_ttl_seconds=plan["cache_ttl_seconds"],
        force_extract=plan["force_extract"],
        poll_interval=plan["poll_interval_seconds"],
        staging_retention_days=plan["staging_retention_days"],
        max_job_results=plan["max_job_results"],
        audit_inputs=plan_inputs,
    )
    load = GenesysUserActivityLoadOperator(
        task_id="load",
        extraction=extract.output,
        outlets=[Asset(f"genesys://warehouse/{spec.name}") for spec in USER_ACTIVITY_TABLES[:3]],
        audit_inputs={**plan_inputs, "extraction": extract.output},
    )
    reconcile = GenesysUserActivityReconcileOperator(
        task_id="reconcile",
        pool=GENESYS_POOL,
        interval_start=plan["interval_start"],
        interval_end=plan["interval_end"],
        audit_inputs={**plan_inputs, "extraction": extract.output, "load": load.output},
    )
    audit = GenesysAuditOperator(
        task_id="audit",
        plan=plan,
        extraction=extract.output,
        load=load.output,
        reconciliation=reconcile.output,
        authentication=access,
    )
    notify = GenesysSyncNotifyOperator(
        task_id="notify",
        summary=audit.output,
        event_type="genesys.users.partition_synced",
        retries=3,
        on_failure_callback=None,
        on_retry_callback=None,
    )

    authenticate >> validate_window >> wait_for_data >> [presence_definitions, extract]
    extract >> load >> reconcile >> audit >> notify
    presence_definitions >> load
