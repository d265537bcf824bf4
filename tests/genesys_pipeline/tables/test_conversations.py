"""Table specs against the Genesys record models: every documented scalar has a column."""

from __future__ import annotations

import importlib

import pytest

from genesys_pipeline import tables

# Nested levels (their own tables or flattened) and the ids that become key columns.
NOT_COLUMNS = {
    "participants",
    "sessions",
    "segments",
    "metrics",
    "flow",
    "outcomes",
    "evaluations",
    "surveys",
    "resolutions",
    "attributes",
    "conversationId",
    "participantId",
    "sessionId",
}

MODELS = {
    "analytics_conversation.AnalyticsConversation": tables.CONVERSATION_FIELDS,
    "analytics_participant.AnalyticsParticipant": tables.PARTICIPANT_FIELDS,
    "analytics_session.AnalyticsSession": tables.SESSION_FIELDS,
    "analytics_flow.AnalyticsFlow": tables.FLOW_FIELDS,
    "analytics_flow_outcome.AnalyticsFlowOutcome": tables.FLOW_OUTCOME_FIELDS,
    "analytics_conversation_segment.AnalyticsConversationSegment": tables.SEGMENT_FIELDS,
    "analytics_session_metric.AnalyticsSessionMetric": tables.METRIC_FIELDS,
    "analytics_evaluation.AnalyticsEvaluation": tables.EVALUATION_FIELDS,
    "analytics_survey.AnalyticsSurvey": tables.SURVEY_FIELDS,
    "analytics_resolution.AnalyticsResolution": tables.RESOLUTION_FIELDS,
}
SDK_TYPES = {"str": tables.TEXT, "int": tables.INT, "float": tables.FLOAT, "bool": tables.BOOL, "datetime": tables.TS}


@pytest.mark.parametrize("model", sorted(MODELS))
def test_every_sdk_field_has_a_column_of_the_right_type(model):
    module, name = model.rsplit(".", 1)
    sdk_model = getattr(importlib.import_module(f"PureCloudPlatformClientV2.models.{module}"), name)()
    expected = {}
    for attribute, sdk_type in sdk_model.swagger_types.items():
        key = sdk_model.attribute_map[attribute]
        if key in NOT_COLUMNS:
            continue
        expected[key] = SDK_TYPES.get(sdk_type, tables.JSON)  # lists and small objects: JSON text
    assert MODELS[model] == {key: expected[key] for key in MODELS[model]}
    assert set(MODELS[model]) == set(expected)


def test_primary_keys_match_the_issue():
    keys = {spec.name: spec.primary_key for spec in tables.CONVERSATION_TABLES}
    assert keys["conversations"] == ("conversation_id",)
    assert keys["participants"] == ("participant_id",)
    assert keys["participant_attributes"] == ("participant_id", "name")
    assert keys["sessions"] == ("session_id",)
    assert keys["segments"] == ("session_id", "segment_index")
    assert keys["session_metrics"] == ("session_id", "metric_index")


def test_every_table_carries_conversation_and_lineage_columns():
    for spec in tables.CONVERSATION_TABLES:
        assert {"conversation_id", "_extracted_at", "_run_id"} <= set(spec.column_names), spec.name
        assert len(set(spec.column_names)) == len(spec.column_names), spec.name


def test_flow_columns_are_prefixed_once():
    names = tables.SESSIONS.column_names
    assert {"flow_id", "flow_name", "flow_type", "flow_exit_reason", "flow_in_type"} <= set(names)
    assert not any(name.startswith("flow_flow") for name in names)
