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
   **notify** (`genesys.users.partition_synced`); 7. **outcome**: skipped on a good day, else reports the failed
   try (row, `partition_failed`) and fails the run, as in the conversation DAG.

Connections and Variables are the conversation DAG's. README "Agent activity".
"""

from __future__ import annotations

import pendulum
from airflow.sdk import DAG, Asset, CronDataIntervalTimetable

from genesys_cloud.daily_sync import extract_task, notify_task, outcome_task, sync_head, window_params
from genesys_cloud.defaults import GENESYS_POOL, REPORTED_DEFAULT_ARGS
from genesys_cloud.operators.audit import GenesysAuditOperator
from genesys_cloud.operators.user_activity import (
    GenesysPresenceDefinitionsOperator,
    GenesysUserActivityLoadOperator,
    GenesysUserActivityReconcileOperator,
)
from genesys_pipeline.report.webhook import EVENT_USERS_SYNCED
from genesys_pipeline.tables.users import USER_ACTIVITY_TABLES

with DAG(
    dag_id="genesys_user_activity_daily",
    doc_md=__doc__,
    schedule=CronDataIntervalTimetable("@daily", timezone="UTC"),
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=2,
    tags=["genesys", "warehouse", "agents"],
    default_args=REPORTED_DEFAULT_ARGS,
    params=window_params(),
) as dag:
    head = sync_head()  # authenticate >> validate_window >> wait_for_data
    plan, plan_inputs = head.plan, head.plan_inputs
    presence_definitions = GenesysPresenceDefinitionsOperator(
        task_id="presence_definitions",
        pool=GENESYS_POOL,
        outlets=[Asset("genesys://warehouse/presence_definitions")],
        audit_inputs=plan_inputs,
    )
    extract = extract_task(head, dataset="users")
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
        authentication=head.access,
    )
    notify = notify_task(audit.output, EVENT_USERS_SYNCED)

    head.wait_for_data >> [presence_definitions, extract]
    extract >> load >> reconcile >> audit >> notify
    presence_definitions >> load
    outcome_task(dag, plan)  # reports a task that failed for good and fails the run; skipped on a good day
