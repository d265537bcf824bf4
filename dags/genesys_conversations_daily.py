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
9. **notify**: signed completion webhook (`genesys_sync_webhook`; skipped when that connection does not exist).

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
from airflow.sdk import DAG, Asset, CronDataIntervalTimetable, Param

from genesys_cloud.defaults import (
    AUDITED_DEFAULT_ARGS,
    EXTRACT_EXECUTION_TIMEOUT,
    GENESYS_POOL,
    WAIT_EXECUTION_TIMEOUT,
)
from genesys_cloud.operators.aggregates import GenesysAggregatesOperator
from genesys_cloud.operators.audit import GenesysAuditOperator
from genesys_cloud.operators.authenticate import GenesysAuthenticateOperator
from genesys_cloud.operators.extract import GenesysExtractOperator
from genesys_cloud.operators.follow_up import GenesysFollowUpOperator
from genesys_cloud.operators.load import GenesysLoadOperator
from genesys_cloud.operators.notify import GenesysSyncNotifyOperator
from genesys_cloud.operators.reconcile import GenesysReconcileOperator
from genesys_cloud.operators.validate_window import GenesysWindowOperator
from genesys_cloud.sensors import GenesysWaitForDataSensor
from genesys_pipeline.tables import CONVERSATION_TABLES

WINDOW_SECTION = "Window (manual runs only)"
OPTIONS = "Options"

with DAG(
    dag_id="genesys_conversations_daily",
    doc_md=__doc__,
    schedule=CronDataIntervalTimetable("@daily", timezone="UTC"),
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=2,
    tags=["genesys", "warehouse", "conversations"],
    default_args=AUDITED_DEFAULT_ARGS,
    params={
        "interval_start": Param(
            None,
            type=["null", "string"],
            title="Interval start",
            description=(
                "ISO-8601 start (e.g. 2024-05-01T00:00:00Z), with interval_end: the window of a manual run "
                "(leave the form's Data interval on Auto). Empty: the run's own day. Not in a backfill."
            ),
            section=WINDOW_SECTION,
        ),
        "interval_end": Param(
            None,
            type=["null", "string"],
            title="Interval end",
            description="ISO-8601 end, exclusive; at most genesys_max_job_interval_days after the start.",
            section=WINDOW_SECTION,
        ),
        "force_extract": Param(
            False, type="boolean", title="Force extract", description="Ignore cached extractions.", section=OPTIONS
        ),
        "lookback_days": Param(
            None,
            type=["null", "integer"],
            minimum=0,
            section=OPTIONS,
            title="Lookback days",
            description=(
                "Also re-extract this many previous days (late data); "
                "default: Variable genesys_lookback_days (3), 0 in a backfill."
            ),
        ),
    },
) as dag:
    authenticate = GenesysAuthenticateOperator(task_id="authenticate", pool=GENESYS_POOL)
    access = authenticate.output  # division_ids read, all_divisions_read
    validate_window = GenesysWindowOperator(task_id="validate_window", audit_inputs={"authentication": access})
    plan = validate_window.output  # the window and the run's settings, resolved once
    # A failed or retried try's sync_audit row is built from its task's audit_inputs: the upstream results it has.
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
    extract = GenesysExtractOperator(
        task_id="extract",
        pool=GENESYS_POOL,
        execution_timeout=EXTRACT_EXECUTION_TIMEOUT,
        interval=plan["extract_interval"],
        partition=plan["partition"],
        staging_root=plan["staging_root"],
        cache_ttl_seconds=plan["cache_ttl_seconds"],
        force_extract=plan["force_extract"],
        poll_interval=plan["poll_interval_seconds"],
        staging_retention_days=plan["staging_retention_days"],
        max_job_results=plan["max_job_results"],  # past it, the window is split into hour-aligned jobs
        audit_inputs=plan_inputs,
    )
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
    notify = GenesysSyncNotifyOperator(
        task_id="notify",
        summary=audit.output,
        retries=3,
        on_failure_callback=None,  # the partition is synced: a webhook outage is not a partition failure
        on_retry_callback=None,
    )

    (
        authenticate
        >> validate_window
        >> wait_for_data
        >> extract
        >> load
        >> follow_up_open
        >> reconcile
        >> audit
        >> notify
    )
    wait_for_data >> aggregates >> reconcile
