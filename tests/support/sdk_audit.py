"""Checks that a response deserialized by the official SDK lost nothing.

The SDK silently maps unknown enum values to ``outdated_sdk_version`` and drops unknown
keys; both would mean the emulator speaks something other than the real API.
"""

from __future__ import annotations

from typing import Any

OUTDATED = "outdated_sdk_version"

# Fields the API always sends (swagger "required" plus what every real record carries).
REQUIRED: dict[str, tuple[str, ...]] = {
    "AnalyticsConversation": ("conversation_id", "conversation_start", "participants"),
    "AnalyticsConversationWithoutAttributes": ("conversation_id", "conversation_start", "participants"),
    "AnalyticsParticipant": ("participant_id", "purpose", "sessions"),
    "AnalyticsParticipantWithoutAttributes": ("participant_id", "purpose", "sessions"),
    "AnalyticsSession": ("session_id", "media_type", "segments"),
    "AnalyticsConversationSegment": ("segment_start", "segment_type"),
    "AnalyticsSessionMetric": ("name", "value", "emit_date"),
    "AsyncQueryStatus": ("state", "submission_date"),
    "AsyncQueryResponse": ("job_id",),
    "DataAvailabilityResponse": ("data_availability_date",),
    "AnalyticsConversationAsyncQueryResponse": ("conversations", "data_availability_date"),
}


def audit(model: Any, path: str = "$") -> list[str]:
    """Problems found in a deserialized SDK model tree (empty when it is faithful)."""
    problems: list[str] = []
    if isinstance(model, list):
        for i, item in enumerate(model):
            problems += audit(item, f"{path}[{i}]")
        return problems
    if isinstance(model, dict):
        for key, value in model.items():
            problems += audit(value, f"{path}.{key}")
        return problems
    if isinstance(model, str) and model == OUTDATED:
        return [f"{path} deserialized to {OUTDATED}"]
    if not hasattr(model, "swagger_types"):
        return problems
    for attr in REQUIRED.get(type(model).__name__, ()):
        if getattr(model, attr) is None:
            problems.append(f"{path}.{attr} is required but missing in {type(model).__name__}")
    for attr in model.swagger_types:
        value = getattr(model, attr)
        if value is not None:
            problems += audit(value, f"{path}.{attr}")
    return problems


def key_paths(data: Any, prefix: str = "") -> set[str]:
    """Every key path in a JSON document, with list indexes collapsed."""
    if isinstance(data, list):
        return set().union(*(key_paths(item, prefix + "[]") for item in data)) if data else set()
    if isinstance(data, dict):
        paths: set[str] = set()
        for key, value in data.items():
            paths.add(f"{prefix}.{key}")
            if not (prefix.endswith(".attributes") or key == "attributes"):
                paths |= key_paths(value, f"{prefix}.{key}")
        return paths
    return set()


def dropped_keys(raw: Any, model: Any, api_client: Any) -> set[str]:
    """Keys in the raw JSON that the SDK model does not carry (fields it does not know)."""
    return key_paths(raw) - key_paths(api_client.sanitize_for_serialization(model))
