"""
### Genesys Cloud conversations: re-sync given conversations by id

For a disputed call, a compliance request naming a dozen conversations, or one record that looks
wrong: re-read exactly those conversations from Genesys now and merge them, without re-reading a day.
Trigger it with the param `conversation_ids` (one UUID a line in the form; at most 1,000 a run).

1. **validate_ids**: every id a UUID, none given twice, at most 1,000; each bad entry is named in one
   error and the run fails before any request (no retry: a retry cannot fix a typo); then the settings
   and the warehouse connection, and the tables are created or migrated;
2. **authenticate**: token, permission and division check, as in the daily DAG;
3. **resync**: multi-get by id (`GET /api/v2/analytics/conversations/details?id=...`,
   `genesys_open_followup_batch` ids a request, the client's rate budget, retries and pacing), staged
   under the partition `by-id`, merged through the daily load's path: only conversations whose content
   hash changed are rewritten, a fresher copy already loaded is never overwritten, per-day locks (a
   daily run of the same day waits for it, or it for the daily run, and the result is the same either
   way). A conversation that started before `genesys_retention_days` is not merged (reported as outside
   retention). An id Genesys does not return (unknown, erased, or in a division the client cannot read)
   is named in the log, the audit row and the webhook, and never deleted: erasure stays the refresh's job;
4. **audit**: a `sync_audit` row (partition `by-id`): `resync_requested`, `resync_returned`,
   `conversations_changed`, `resync_not_found` with `resync_not_found_ids`, `resync_outside_retention`;
5. **notify**: the signed webhook `genesys.conversations.resynced_by_id` (skipped without `genesys_sync_webhook`);
6. **outcome**: skipped on a good day; after a task that failed for good (audit and notify then stay
   `upstream_failed`: they run on the rerun) it reports that try (its `failed` row,
   `genesys.conversations.partition_failed`) and fails the run naming the task.

A DAG of its own, not a mode of the daily DAG: the daily trigger form is about a window (interval,
lookback, force extract); a switch there would put two unrelated forms in one dialog, with half of its
fields ignored in each mode, and by-id runs would mix into the daily DAG's run history and backfills.
Here the form has one field. Multi-get records carry no participant attributes (Genesys's
`AnalyticsConversationWithoutAttributes`), so a re-synced conversation keeps the attributes stored from its
last details job (docs/runbook.md "Participant attributes").
CLI: `airflow dags trigger genesys_conversations_by_id --conf '{"conversation_ids": ["<uuid>", "<uuid>"]}'`.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import DAG, Param

from genesys_cloud.daily_sync import notify_task, outcome_task
from genesys_cloud.defaults import GENESYS_POOL, REPORTED_DEFAULT_ARGS
from genesys_cloud.operators.audit import GenesysAuditOperator
from genesys_cloud.operators.authenticate import GenesysAuthenticateOperator
from genesys_cloud.operators.conversation_ids import GenesysConversationIdsOperator
from genesys_cloud.operators.resync_by_id import GenesysResyncByIdOperator
from genesys_pipeline.plan.conversation_ids import MAX_IDS_PER_RUN
from genesys_pipeline.report.webhook import EVENT_RESYNCED
from genesys_pipeline.staging.by_id import BY_ID_PARTITION

with DAG(
    dag_id="genesys_conversations_by_id",
    doc_md=__doc__,
    schedule=None,
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,  # two runs of the same ids would share one staging directory
    tags=["genesys", "warehouse", "conversations", "by-id"],
    default_args=REPORTED_DEFAULT_ARGS,
    params={
        "conversation_ids": Param(
            [],
            type="array",
            items={"type": "string"},
            title="Conversation ids",
            description=f"Genesys conversation ids (UUIDs), one a line; at most {MAX_IDS_PER_RUN}, none twice.",
        ),
    },
) as dag:
    # Its failed try is recorded under the by-id partition too, not under the logical date's day.
    validate_ids = GenesysConversationIdsOperator(
        task_id="validate_ids", audit_inputs={"plan": {"partition": BY_ID_PARTITION}}
    )
    plan = validate_ids.output  # partition, conversation_ids, batch_size, staging_root, retention_days
    authenticate = GenesysAuthenticateOperator(task_id="authenticate", pool=GENESYS_POOL, audit_inputs={"plan": plan})
    access = authenticate.output  # division_ids read, all_divisions_read
    resync = GenesysResyncByIdOperator(
        task_id="resync",
        pool=GENESYS_POOL,
        conversation_ids=plan["conversation_ids"],
        batch_size=plan["batch_size"],
        staging_root=plan["staging_root"],
        retention_days=plan["retention_days"],
        audit_inputs={"plan": plan, "authentication": access},
    )
    audit = GenesysAuditOperator(
        task_id="audit",
        plan=plan,
        extraction=resync.output,  # one task fetched and loaded: its result fills both parts of the row
        load=resync.output,
        authentication=access,
        resync=resync.output,
    )
    notify = notify_task(audit.output, EVENT_RESYNCED)  # the conversations are merged by then

    validate_ids >> authenticate >> resync >> audit >> notify
    outcome_task(dag, plan)  # reports a task that failed for good and fails the run; skipped on a good day
