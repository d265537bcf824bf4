"""
### Genesys Cloud conversations → warehouse, one UTC day per run

Each run syncs the conversation details of one UTC day, its data interval `[D, D+1)`:

1. **authenticate**: token + permission check (bad credentials or a missing permission fail at once, naming it),
   and the divisions the client reads: missing ones fail the run at once (named, with ids) unless
   `genesys_expected_divisions` declares exactly that subset (or `"any"`);
2. **validate_window**: the window from the data interval, or from the `interval_start` / `interval_end`
   params of a manual run (a backfill with window params fails here: windows belong to single manual runs);
   rejects reversed, empty, future, over-retention and over-limit windows; creates/migrates the tables once per run;
3. **wait_for_data**: deferrable wait until Genesys's data-availability watermark passes the window end;
4. **extract**: async details job, result pages staged as raw JSON (a complete extraction of the same
   query younger than `genesys_cache_ttl_seconds` is reused: reruns cost no API calls; `force_extract` skips it;
   `lookback_days` (default 3; 0 in a backfill, whose days cover each other) also re-extracts that many previous
   days, for late surveys, evaluations and wrap-ups; the weekly `genesys_conversations_refresh` DAG re-reads
   the last 30 days);
5. **load**: the staged pages normalized into typed rows per table and merged idempotently into the
   warehouse (one transaction; a rerun reads staging only; unchanged content hashes are not rewritten; when every
   division was read, conversations of the extracted whole days before the watermark that Genesys no longer
   returns are erased);
6. **follow_up_open**: conversations stored without `conversationEnd`, whatever their day, that the extraction
   did not just return are re-fetched by id (`GET .../conversations/details?id=`, `genesys_open_followup_batch`
   ids a request; none open, no request), staged and merged the same way; one not returned is kept, not deleted;
7. beside them, **aggregates** loads Genesys's own roll-up of the day into `conversation_aggregates` and its
   half-hour queue cells into `queue_interval_aggregates`, and **reconcile** compares both with the loaded
   details, cell by cell for the queue report (a mismatch marks the partition `incomplete`, data kept);
8. **audit**: a `sync_audit` row per attempt (failed tries get one too, from the failure callback, built
   from the failing task's `audit_inputs`: the upstream results wired to it below), with the follow-up's counts;
9. **notify**: signed completion webhook (`genesys_sync_webhook`; skipped when that connection does not exist);
10. **outcome**: skipped on a good day. After a task that failed for good it reports that try (its `failed`
    row, the `partition_failed` webhook) and fails the run naming the task; audit and notify stay
    `upstream_failed` then (a failed day has no completion row), so Clear with "Only failed" reruns them.

Connections: `genesys_cloud_default`, `genesys_warehouse`, `genesys_sync_webhook`. Settings: Airflow
Variables `genesys_*` (see docs/operations.md).

**Which day a run syncs**: the UTC day its data interval starts on (a backfill from A to B syncs A..B; a manual
run, the last complete day), or the window of the params `interval_start` / `interval_end` (the one way to set
a window: leave the trigger form's *Data interval* on *Auto*). Each run's note names it ("Syncs 2024-05-01
(UTC day)"): a backfill run's id names the next day. Rerun a failed day: Clear its failed task with "Only
failed" (the dialog already selects "Downstream").

Backfills: `make plan-backfill FROM= TO=` first tells the API requests, jobs and least wall time of the range
(from the org's daily volume and the rate budget); with parallel runs, share one budget per OAuth client
(connection extras `rate_budget_backend` = `redis`/`sql` + `rate_budget_url`). README "Backfills".
"""

from __future__ import annotations

import pendulum
from airflow.sdk import DAG, Asset, CronDataIntervalTimetable

from genesys_cloud.daily_sync import extract_task, notify_task, outcome_task, sync_head, window_params
from genesys_cloud.defaults import GENESYS_POOL, REPORTED_DEFAULT_ARGS
from genesys_cloud.operators.aggregates import GenesysAggregatesOperator
from genesys_cloud.operators.audit import GenesysAuditOperator
from genesys_cloud.operators.follow_up import GenesysFollowUpOperator
from genesys_cloud.operators.load import GenesysLoadOperator
from genesys_cloud.operators.reconcile import GenesysReconcileOperator
from genesys_pipeline.report.webhook import EVENT_SYNCED
from genesys_pipeline.tables import CONVERSATION_TABLES

with DAG(
    dag_id="genesys_conversations_daily",
    doc_md=__doc__,
    schedule=CronDataIntervalTimetable("@daily", timezone="UTC"),
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=2,
    tags=["genesys", "warehouse", "conversations"],
    default_args=REPORTED_DEFAULT_ARGS,
    params=window_params(),
) as dag:
    head = sync_head()  # authenticate >> validate_window >> wait_for_data
    access, plan, plan_inputs, wait_for_data = head.access, head.plan, head.plan_inputs, head.wait_for_data
    extract = extract_task(head)
    load = GenesysLoadOperator(
        task_id="load",
        extraction=extract.output,  # partition, query hash, staging path
        interval=plan["interval"],  # the synced day, named in the tables' asset events
        all_divisions_read=access["all_divisions_read"],
        data_available_until=wait_for_data.output,  # the watermark: erasure only in days it has passed
        outlets=[Asset(f"genesys://warehouse/{spec.name}") for spec in CONVERSATION_TABLES],
        audit_inputs={**plan_inputs, "extraction": extract.output},
    )
    follow_up_open = GenesysFollowUpOperator(
        task_id="follow_up_open",
        pool=GENESYS_POOL,
        extraction=extract.output,  # its ids are fresh; the follow-up is staged beside it
        batch_size=plan["open_followup_batch"],
        audit_inputs={**plan_inputs, "extraction": extract.output, "load": load.output},
    )
    aggregates = GenesysAggregatesOperator(
        task_id="aggregates",
        pool=GENESYS_POOL,
        interval=plan["interval"],
        partition=plan["partition"],
        outlets=[Asset(f"genesys://warehouse/{t}") for t in ("conversation_aggregates", "queue_interval_aggregates")],
        audit_inputs=plan_inputs,
    )
    reconcile = GenesysReconcileOperator(
        task_id="reconcile",
        interval_start=plan["interval_start"],
        interval_end=plan["interval_end"],
        partition=plan["partition"],
        census=aggregates.output["census"],
        aggregates_api=aggregates.output["api"],  # its requests, kept in the audit row
        audit_inputs={
            **plan_inputs,
            "extraction": extract.output,
            "load": load.output,
            "follow_up": follow_up_open.output,
        },
    )
    audit = GenesysAuditOperator(
        task_id="audit",
        plan=plan,
        extraction=extract.output,
        load=load.output,
        reconciliation=reconcile.output,
        authentication=access,
        follow_up=follow_up_open.output,
    )
    # The partition is synced by then: a webhook outage is not a partition failure.
    notify = notify_task(audit.output, EVENT_SYNCED)

    wait_for_data >> extract >> load >> follow_up_open >> reconcile >> audit >> notify
    wait_for_data >> aggregates >> reconcile
    outcome_task(dag, plan)  # reports a task that failed for good and fails the run; skipped on a good day
