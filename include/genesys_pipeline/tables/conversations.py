"""The conversation tables: one per record level, keyed so a conversation can be replaced whole."""

from __future__ import annotations

from genesys_pipeline.tables.conversation_fields import (
    CONVERSATION_FIELDS,
    EVALUATION_FIELDS,
    FLOW_FIELDS,
    FLOW_OUTCOME_FIELDS,
    METRIC_FIELDS,
    PARTICIPANT_FIELDS,
    RESOLUTION_FIELDS,
    SEGMENT_FIELDS,
    SESSION_FIELDS,
    SURVEY_FIELDS,
)
from genesys_pipeline.tables.spec import (
    CONTENT_HASH,
    DATE,
    EXTRACTED_AT,
    INT,
    RUN_ID,
    TEXT,
    TS,
    Column,
    ColumnType,
    TableSpec,
    layout,
    snake_case,
)

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
