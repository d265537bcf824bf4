"""Warehouse table specifications: the single source of truth for every table the project writes.

The normalizer derives its JSON getters from the conversation specs and the warehouse derives
all DDL from :data:`WAREHOUSE_TABLES` (``genesys_pipeline.warehouse.schema.ensure_schema``), so
a field added here reaches both without a second edit, and a new table is one more spec in
that tuple. Field lists follow the
Genesys analytics record models (SDK 269, reference section 5): every documented scalar of a
level becomes a snake_case column, lists (of scalars or of small objects) become JSON text,
and a session's ``flow`` object is flattened into ``flow_*`` columns.

Bump :data:`SCHEMA_VERSION` whenever a column is added; the warehouse adds new columns to
existing tables itself (additive migration), it never drops or retypes one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

SCHEMA_VERSION = 2  # 2: conversations._content_hash, partition_freshness

ColumnType = Literal["text", "int", "float", "bool", "timestamp", "date", "json", "serial"]
TEXT: ColumnType = "text"
INT: ColumnType = "int"
FLOAT: ColumnType = "float"
BOOL: ColumnType = "bool"
TS: ColumnType = "timestamp"
DATE: ColumnType = "date"
JSON: ColumnType = "json"
SERIAL: ColumnType = "serial"  # integer key the database assigns

EXTRACTED_AT = "_extracted_at"
RUN_ID = "_run_id"
# Digest of the raw conversation record (see genesys_pipeline.normalize.content_hash): a re-extraction
# rewrites only conversations whose digest changed.
CONTENT_HASH = "_content_hash"


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    source: str | None = None  # JSON key at the record's level; None for keys and derived columns
    nullable: bool = True


@dataclass(frozen=True)
class TableSpec:
    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    indexes: tuple[str, ...] = ()  # columns with an index of their own

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)


def snake_case(name: str) -> str:
    """``mediaStatsMinConversationRFactor`` -> ``media_stats_min_conversation_r_factor``."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])|(?<=[A-Z])([A-Z])(?=[a-z])", r"_\1\2", name).lower()


# --- Field lists per record level: JSON key -> column type --------------------------------

CONVERSATION_FIELDS: dict[str, ColumnType] = {
    "conversationStart": TS,
    "conversationEnd": TS,
    "originatingDirection": TEXT,
    "conversationInitiator": TEXT,
    "externalTag": TEXT,
    "associatedConversationId": TEXT,
    "conferenceStart": TS,
    "inactivityTimeout": TS,
    "customerParticipation": BOOL,
    "originatingSocialMediaPublic": BOOL,
    "selfServed": BOOL,
    "mediaStatsMinConversationMos": FLOAT,
    "mediaStatsMinConversationRFactor": FLOAT,
    "divisionIds": JSON,
    "accessAttributes": JSON,
    "consultationConversationIds": JSON,
    "knowledgeBaseIds": JSON,
}

PARTICIPANT_FIELDS: dict[str, ColumnType] = {
    "participantName": TEXT,
    "purpose": TEXT,
    "userId": TEXT,
    "externalContactId": TEXT,
    "externalOrganizationId": TEXT,
    "flaggedReason": TEXT,
    "screenRecording": BOOL,
    "teamId": TEXT,
}

SESSION_FIELDS: dict[str, ColumnType] = {
    "mediaType": TEXT,
    "direction": TEXT,
    "ani": TEXT,
    "dnis": TEXT,
    "sessionDnis": TEXT,
    "edgeId": TEXT,
    "provider": TEXT,
    "remote": TEXT,
    "remoteNameDisplayable": TEXT,
    "peerId": TEXT,
    "protocolCallId": TEXT,
    "usedRouting": TEXT,
    "selectedAgentId": TEXT,
    "selectedAgentRank": INT,
    "routingRing": INT,
    "routingRule": TEXT,
    "routingRuleType": TEXT,
    "agentBullseyeRing": INT,
    "skillExpressionId": TEXT,
    "assignerId": TEXT,
    "recording": BOOL,
    "acwSkipped": BOOL,
    "flowInType": TEXT,
    "flowOutType": TEXT,
    "dispositionAnalyzer": TEXT,
    "dispositionName": TEXT,
    "outboundCampaignId": TEXT,
    "outboundContactId": TEXT,
    "outboundContactListId": TEXT,
    "callbackScheduledTime": TS,
    "callbackUserName": TEXT,
    "messageType": TEXT,
    "addressFrom": TEXT,
    "addressTo": TEXT,
    "addressSelf": TEXT,
    "addressOther": TEXT,
    "roomId": TEXT,
    "scriptId": TEXT,
    "timeoutSeconds": INT,
    "deliveryStatus": TEXT,
    "deliveryStatusChangeDate": TS,
    "deliveryPushed": BOOL,
    "extendedDeliveryStatus": TEXT,
    "engagementSource": TEXT,
    "agentAssistantId": TEXT,
    "agentOwned": BOOL,
    "authenticated": BOOL,
    "bargedParticipantId": TEXT,
    "cleared": BOOL,
    "coachedParticipantId": TEXT,
    "cobrowseRole": TEXT,
    "cobrowseRoomId": TEXT,
    "detectedSpeechStart": TS,
    "detectedSpeechEnd": TS,
    "errorCodeDescription": TEXT,
    "journeyActionId": TEXT,
    "journeyActionMapId": TEXT,
    "journeyActionMapVersion": INT,
    "journeyCustomerId": TEXT,
    "journeyCustomerIdType": TEXT,
    "journeyCustomerSessionId": TEXT,
    "journeyCustomerSessionIdType": TEXT,
    "mediaBridgeId": TEXT,
    "mediaCount": INT,
    "monitoredParticipantId": TEXT,
    "screenMonitoredUserId": TEXT,
    "screenShareAddressSelf": TEXT,
    "screenShareRoomId": TEXT,
    "sharingScreen": BOOL,
    "skipEnabled": BOOL,
    "snippetRecording": BOOL,
    "videoAddressSelf": TEXT,
    "videoRoomId": TEXT,
    "activeSkillIds": JSON,
    "removedSkillIds": JSON,
    "requestedRoutings": JSON,
    "bcc": JSON,
    "cc": JSON,
    "callbackNumbers": JSON,
    "destinationAddresses": JSON,
    "eligibleAgentCounts": JSON,
    "waitingInteractionCounts": JSON,
    "agentGroups": JSON,
    "proposedAgents": JSON,
    "mediaEndpointStats": JSON,
}

FLOW_FIELDS: dict[str, ColumnType] = {
    "flowId": TEXT,
    "flowName": TEXT,
    "flowVersion": TEXT,
    "flowType": TEXT,
    "entryType": TEXT,
    "entryReason": TEXT,
    "exitReason": TEXT,
    "transferType": TEXT,
    "transferTargetAddress": TEXT,
    "transferTargetName": TEXT,
    "issuedCallback": BOOL,
    "startingLanguage": TEXT,
    "endingLanguage": TEXT,
    "recognitionFailureReason": TEXT,
}

FLOW_OUTCOME_FIELDS: dict[str, ColumnType] = {
    "flowOutcome": TEXT,
    "flowOutcomeId": TEXT,
    "flowOutcomeValue": TEXT,
    "flowOutcomeStartTimestamp": TS,
    "flowOutcomeEndTimestamp": TS,
}

SEGMENT_FIELDS: dict[str, ColumnType] = {
    "segmentStart": TS,
    "segmentEnd": TS,
    "segmentType": TEXT,
    "queueId": TEXT,
    "wrapUpCode": TEXT,
    "wrapUpNote": TEXT,
    "disconnectType": TEXT,
    "conference": BOOL,
    "errorCode": TEXT,
    "requestedLanguageId": TEXT,
    "groupId": TEXT,
    "subject": TEXT,
    "audioMuted": BOOL,
    "videoMuted": BOOL,
    "sourceConversationId": TEXT,
    "sourceSessionId": TEXT,
    "destinationConversationId": TEXT,
    "destinationSessionId": TEXT,
    "wrapUpTags": JSON,
    "requestedRoutingSkillIds": JSON,
    "requestedRoutingUserIds": JSON,
    "q850ResponseCodes": JSON,
    "sipResponseCodes": JSON,
    "scoredAgents": JSON,
    "properties": JSON,
}

METRIC_FIELDS: dict[str, ColumnType] = {"name": TEXT, "value": INT, "emitDate": TS}

EVALUATION_FIELDS: dict[str, ColumnType] = {
    "evaluationId": TEXT,
    "evaluationStatus": TEXT,
    "evaluatorId": TEXT,
    "eventTime": TS,
    "formId": TEXT,
    "formName": TEXT,
    "queueId": TEXT,
    "userId": TEXT,
    "assigneeId": TEXT,
    "assigneeApplicable": BOOL,
    "calibrationId": TEXT,
    "contextId": TEXT,
    "deleted": BOOL,
    "released": BOOL,
    "rescored": BOOL,
    "systemSubmitted": BOOL,
    "oTotalCriticalScore": INT,
    "oTotalScore": INT,
}

SURVEY_FIELDS: dict[str, ColumnType] = {
    "surveyId": TEXT,
    "surveyStatus": TEXT,
    "surveyType": TEXT,
    "eventTime": TS,
    "queueId": TEXT,
    "userId": TEXT,
    "surveyCompletedDate": TS,
    "surveyFormContextId": TEXT,
    "surveyFormId": TEXT,
    "surveyFormName": TEXT,
    "surveyPartialResponse": BOOL,
    "surveyPromoterScore": INT,
    "oSurveyTotalScore": INT,
}

RESOLUTION_FIELDS: dict[str, ColumnType] = {
    "eventTime": TS,
    "queueId": TEXT,
    "userId": TEXT,
    "nNextContactAvoided": INT,
}


def layout(fields: dict[str, ColumnType]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(scalar keys, JSON keys) in column order: the normalizer builds rows in this order."""
    return (tuple(k for k, t in fields.items() if t != JSON), tuple(k for k, t in fields.items() if t == JSON))


FLOW_PREFIX = "flow_"


def _fields(fields: dict[str, ColumnType], prefix: str = "") -> tuple[Column, ...]:
    scalars, lists = layout(fields)
    return tuple(Column(_prefixed(prefix, snake_case(key)), fields[key], key) for key in scalars + lists)


def _prefixed(prefix: str, name: str) -> str:
    # flow.flowId -> flow_id rather than flow_flow_id; flow.exitReason -> flow_exit_reason.
    if prefix and not name.startswith(prefix):
        return prefix + name
    return name


def flow_column(key: str) -> str:
    """Column of a session's ``flow.<key>``."""
    return _prefixed(FLOW_PREFIX, snake_case(key))


_META = (Column(EXTRACTED_AT, TS), Column(RUN_ID, TEXT))
_CONV = Column("conversation_id", TEXT)


def _table(name: str, keys: tuple[Column, ...], pk: tuple[str, ...], *fields: tuple[Column, ...]) -> TableSpec:
    columns = keys + tuple(column for group in fields for column in group) + _META
    return TableSpec(name, columns, pk)


def _child(name: str, parent: str, index: str, fields: dict[str, ColumnType]) -> TableSpec:
    """A list under a parent record, keyed by the parent's id and the list position."""
    keys = (Column(parent, TEXT), Column(index, INT)) + ((_CONV,) if parent != "conversation_id" else ())
    return _table(name, keys, (parent, index), _fields(fields))


CONVERSATIONS = _table(
    "conversations",
    (_CONV, Column("conversation_date", DATE)),
    ("conversation_id",),
    _fields(CONVERSATION_FIELDS),
    (Column(CONTENT_HASH, TEXT),),
)
PARTICIPANTS = _table(
    "participants", (Column("participant_id", TEXT), _CONV), ("participant_id",), _fields(PARTICIPANT_FIELDS)
)
PARTICIPANT_ATTRIBUTES = _table(
    "participant_attributes",
    (Column("participant_id", TEXT), Column("name", TEXT), _CONV, Column("value", TEXT)),
    ("participant_id", "name"),
)
SESSIONS = _table(
    "sessions",
    (Column("session_id", TEXT), Column("participant_id", TEXT), _CONV),
    ("session_id",),
    _fields(SESSION_FIELDS),
    _fields(FLOW_FIELDS, prefix=FLOW_PREFIX),
)
SEGMENTS = _child("segments", "session_id", "segment_index", SEGMENT_FIELDS)
SESSION_METRICS = _child("session_metrics", "session_id", "metric_index", METRIC_FIELDS)
SESSION_FLOW_OUTCOMES = _child("session_flow_outcomes", "session_id", "outcome_index", FLOW_OUTCOME_FIELDS)
CONVERSATION_EVALUATIONS = _child("conversation_evaluations", "conversation_id", "evaluation_index", EVALUATION_FIELDS)
CONVERSATION_SURVEYS = _child("conversation_surveys", "conversation_id", "survey_index", SURVEY_FIELDS)
CONVERSATION_RESOLUTIONS = _child("conversation_resolutions", "conversation_id", "resolution_index", RESOLUTION_FIELDS)

# Conversation-keyed tables, parents first. Every one of them has a conversation_id column,
# which is what replace-by-conversation deletes on.
CONVERSATION_TABLES: tuple[TableSpec, ...] = (
    CONVERSATIONS,
    PARTICIPANTS,
    PARTICIPANT_ATTRIBUTES,
    SESSIONS,
    SEGMENTS,
    SESSION_METRICS,
    SESSION_FLOW_OUTCOMES,
    CONVERSATION_EVALUATIONS,
    CONVERSATION_SURVEYS,
    CONVERSATION_RESOLUTIONS,
)
TABLES_BY_NAME: dict[str, TableSpec] = {spec.name: spec for spec in CONVERSATION_TABLES}


SYNCED_AT = "_synced_at"


def _lookup(name: str) -> TableSpec:
    columns = (Column("id", TEXT), Column("name", TEXT), Column("state", TEXT), Column(SYNCED_AT, TS))
    return TableSpec(name, columns, ("id",))


# Lookup tables filled by the reference-data DAG. Created empty here so the category views
# always resolve; the views LEFT JOIN them, so an empty lookup only leaves names NULL.
LOOKUP_TABLES: tuple[TableSpec, ...] = (_lookup("users"), _lookup("queues"), _lookup("wrapup_codes"))


# --- The pipeline's own tables ----------------------------------------------------------------

# groupBy dimension -> column, in the order the aggregates facet query groups.
AGGREGATE_GROUP_COLUMNS: dict[str, str] = {
    "mediaType": "media_type",
    "queueId": "queue_id",
    "direction": "direction",
    "wrapUpCode": "wrap_up_code",
}

# Genesys's own roll-up, one row per (partition, bucket, group, metric); replaced per partition.
CONVERSATION_AGGREGATES = TableSpec(
    "conversation_aggregates",
    (
        Column("partition", TEXT, nullable=False),
        Column("bucket", TEXT, nullable=False),
        *(Column(name, TEXT) for name in AGGREGATE_GROUP_COLUMNS.values()),
        Column("metric", TEXT, nullable=False),
        Column("count", INT),
        Column("sum", FLOAT),
        Column("min", FLOAT),
        Column("max", FLOAT),
        Column(RUN_ID, TEXT),
        Column(SYNCED_AT, TS),
    ),
    primary_key=(),
    indexes=("partition",),
)

# One row per partition attempt, whatever its outcome; nested metrics are JSON text.
SYNC_AUDIT = TableSpec(
    "sync_audit",
    (
        Column("id", SERIAL),
        Column("recorded_at", TS, nullable=False),
        Column("dag_id", TEXT, nullable=False),
        Column("run_id", TEXT, nullable=False),
        Column("try_number", INT, nullable=False),
        Column("task_id", TEXT),
        Column("partition", TEXT, nullable=False),
        Column("interval_start", TEXT),
        Column("interval_end", TEXT),
        Column("query_hash", TEXT),
        Column("job_id", TEXT),
        Column("pages", INT),
        Column("api_requests", INT),
        Column("api_retries", INT),
        Column("api_throttled", INT),
        Column("conversations_fetched", INT),
        Column("conversations_loaded", INT),
        Column("conversations_rejected", INT),
        Column("rows_per_table", JSON),
        Column("drift_summary", JSON),
        Column("cache_hit", BOOL),
        Column("stage_latency_seconds", JSON),
        Column("completeness_rate", FLOAT),
        Column("status", TEXT, nullable=False),
        Column("error", TEXT),
        Column("failed_correlation_ids", JSON),
        Column("reconciliation", JSON),
        Column("conversations_changed", INT),  # new or rewritten (content hash changed)
        Column("conversations_unchanged", INT),
        Column("conversations_deleted", INT),  # erased by a complete re-extraction
        Column("deleted_id_hashes", JSON),  # HMAC-SHA256 of the erased ids, never the ids
        Column("open_conversations", INT),  # stored without conversation_end after the run
        Column("oldest_open_start", TEXT),
        Column("divisions_read", JSON),
        # not merged: the warehouse already held a fresher copy (in the warehouse, counted complete)
        Column("conversations_skipped_older", INT),
        # open-conversation follow-up (multi-get by id): ids asked for, and what came back
        Column("followup_requested", INT),
        Column("followup_returned", INT),
        Column("followup_ended", INT),  # returned with conversationEnd: no longer followed up
        Column("followup_still_open", INT),
        Column("followup_not_returned", INT),  # other division or erased: kept, not deleted
        Column("followup_requests", INT),  # multi-get calls (not in api_requests, which is the extract's)
    ),
    primary_key=("id",),
)

# Per UTC day of conversation_start: when the day was last extracted whole and how much of it
# is still moving. Upserted by the load (genesys_pipeline.warehouse.converge.freshness).
PARTITION_FRESHNESS = TableSpec(
    "partition_freshness",
    (
        Column("partition_date", DATE),
        Column("last_extracted_at", TS),
        Column("conversations", INT),
        Column("open_conversations", INT),
        Column("changed_last_run", INT),
        Column("deleted_last_run", INT),
    ),
    ("partition_date",),
)

# Every table the warehouse holds: ``ensure_schema`` creates and migrates exactly these.
WAREHOUSE_TABLES: tuple[TableSpec, ...] = (
    *CONVERSATION_TABLES,
    *LOOKUP_TABLES,
    CONVERSATION_AGGREGATES,
    SYNC_AUDIT,
    PARTITION_FRESHNESS,
)
