"""Schema drift accounting: unknown fields and unknown enum values, counted, never fatal.

Genesys adds fields and enum values without notice (the SDK maps unknown enum values to
``outdated_sdk_version``). The raw pages keep everything; this module makes sure the audit
says what the warehouse columns do not hold yet. Keys of the report are field paths such as
``session.fooBar`` for an unknown field and ``session.mediaType=<unknown value>`` for an
unknown enum value.

The report leaves the load (``sync_audit``, the webhook, XComs, rendered template fields,
logs), where the PII config does not reach, so it carries paths and counts only: never a value
(an enum field may hold a name or a phone number), and an unknown field's own name only when it
looks like a Genesys field name (camelCase ASCII, at most 48 characters); any other name (an
email address, ten megabytes of text) is reported as ``level.<field #xxxxxxxx>``, a short
BLAKE2b digest that tells distinct names apart without showing them. At most
:data:`MAX_REPORTED_PATHS` paths are kept; the rest are counted under :data:`OTHER_PATHS`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from hashlib import blake2b
from operator import itemgetter
from typing import Any

from genesys_pipeline import tables

_PURPOSES = frozenset(
    {
        "acd",
        "agent",
        "api",
        "botflow",
        "campaign",
        "customer",
        "dialer",
        "external",
        "fax",
        "group",
        "inbound",
        "ivr",
        "manual",
        "outbound",
        "station",
        "user",
        "voicemail",
        "voicesurveyflow",
        "workflow",
    }
)
_DIRECTIONS = frozenset({"inbound", "outbound"})

# level -> {JSON key: allowed values}; reference section 5.
ENUMS: dict[str, dict[str, frozenset[str]]] = {
    "conversation": {"originatingDirection": _DIRECTIONS, "conversationInitiator": _PURPOSES},
    "participant": {"purpose": _PURPOSES, "flaggedReason": frozenset({"general"})},
    "session": {
        "mediaType": frozenset(
            {
                "callback",
                "chat",
                "cobrowse",
                "email",
                "internalmessage",
                "message",
                "screenmonitoring",
                "screenshare",
                "unknown",
                "video",
                "voice",
            }
        ),
        "direction": _DIRECTIONS,
        "usedRouting": frozenset(
            {
                "Bullseye",
                "Conditional",
                "Direct",
                "Last",
                "Manual",
                "Predictive",
                "Preferred",
                "Standard",
                "Vip",
            }
        ),
        "routingRuleType": frozenset({"Bullseye", "Conditional", "Predictive", "Preferred"}),
        "deliveryStatus": frozenset(
            {
                "DeliveryFailed",
                "DeliveryPushed",
                "DeliverySuccess",
                "Failed",
                "Published",
                "Queued",
                "Read",
                "Received",
                "Sent",
            }
        ),
    },
    "flow": {
        "flowType": frozenset(
            {
                "BOT",
                "BUSINESSPROCESS",
                "COMMONMODULE",
                "DIGITALBOT",
                "EMAILSEND",
                "INBOUNDCALL",
                "INBOUNDCHAT",
                "INBOUNDEMAIL",
                "INBOUNDSHORTMESSAGE",
                "INQUEUECALL",
                "INQUEUEEMAIL",
                "INQUEUESHORTMESSAGE",
                "OUTBOUNDCALL",
                "SECURECALL",
                "SPEECH",
                "SURVEYINVITE",
                "VOICE",
                "VOICEMAIL",
                "VOICESURVEY",
                "WORKFLOW",
                "WORKITEM",
            }
        ),
        "entryType": frozenset({"agent", "direct", "dnis", "flow", "outbound"}),
    },
    "segment": {
        "segmentType": frozenset(
            {
                "alert",
                "barging",
                "callback",
                "coaching",
                "contacting",
                "converting",
                "delay",
                "dialing",
                "hold",
                "interact",
                "ivr",
                "monitoring",
                "parked",
                "scheduled",
                "screenmonitoring",
                "sharing",
                "system",
                "transmitting",
                "unknown",
                "uploading",
                "voicemail",
                "wrapup",
            }
        ),
        "disconnectType": frozenset(
            {
                "client",
                "conferenceTransfer",
                "consultTransfer",
                "dndEndpoint",
                "dndTransfer",
                "endpoint",
                "error",
                "forwardTransfer",
                "inactivity",
                "noAnswerTransfer",
                "notAvailableTransfer",
                "other",
                "peer",
                "sessionExpired",
                "spam",
                "system",
                "takeover",
                "timeout",
                "transfer",
                "transportFailure",
                "uncallable",
            }
        ),
    },
    "evaluation": {"evaluationStatus": frozenset({"Finished", "InProgress", "InReview", "Pending", "Retracted"})},
    "survey": {"surveyType": frozenset({"Web", "Voice"})},
}

# level -> every JSON key the normalizer understands (columns, ids and nested lists).
KNOWN_KEYS: dict[str, frozenset[str]] = {
    "conversation": frozenset(tables.CONVERSATION_FIELDS)
    | {"conversationId", "participants", "evaluations", "surveys", "resolutions"},
    "participant": frozenset(tables.PARTICIPANT_FIELDS) | {"participantId", "sessions", "attributes"},
    "session": frozenset(tables.SESSION_FIELDS) | {"sessionId", "flow", "segments", "metrics"},
    "flow": frozenset(tables.FLOW_FIELDS) | {"outcomes"},
    "flow_outcome": frozenset(tables.FLOW_OUTCOME_FIELDS),
    "segment": frozenset(tables.SEGMENT_FIELDS),
    "metric": frozenset(tables.METRIC_FIELDS),
    "evaluation": frozenset(tables.EVALUATION_FIELDS),
    "survey": frozenset(tables.SURVEY_FIELDS),
    "resolution": frozenset(tables.RESOLUTION_FIELDS),
}


_ENUM_TABLES = {  # table -> the record level its columns come from
    "conversations": "conversation",
    "participants": "participant",
    "sessions": "session",
    "segments": "segment",
    "conversation_evaluations": "evaluation",
    "conversation_surveys": "survey",
}


def _enum_columns() -> dict[str, list[tuple[int, str, frozenset[str]]]]:
    """table -> (column position, drift path, allowed values) for every enum-typed column."""
    plan: dict[str, list[tuple[int, str, frozenset[str]]]] = {}
    for table, level in _ENUM_TABLES.items():
        names = tables.TABLES_BY_NAME[table].column_names
        plan[table] = [
            (names.index(tables.snake_case(key)), f"{level}.{key}", allowed) for key, allowed in ENUMS[level].items()
        ]
    session_columns = tables.SESSIONS.column_names
    plan["sessions"] += [
        (session_columns.index(tables.flow_column(key)), f"flow.{key}", allowed)
        for key, allowed in ENUMS["flow"].items()
    ]
    return plan


ENUM_COLUMNS = _enum_columns()


MAX_REPORTED_PATHS = 100
OTHER_PATHS = "<other paths>"
UNKNOWN_VALUE = "<unknown value>"
_FIELD_NAME = re.compile(r"[a-z][A-Za-z0-9]{0,47}")


def reported_name(key: object) -> str:
    """An unknown field's name as the report may show it: itself when it looks like a Genesys
    field name, else a digest of it (a key is attacker-shaped text: an email, a phone number)."""
    text = key if isinstance(key, str) else repr(key)
    if _FIELD_NAME.fullmatch(text):
        return text
    return f"<field #{blake2b(text.encode('utf-8', 'surrogatepass'), digest_size=4).hexdigest()}>"


class DriftCounter:
    """Counts drift per field path. The normalizer tests each JSON object's keys against
    ``KNOWN_KEYS`` inline (a subset test in C) and calls in only when one is unknown; enum values
    are checked per page and column, on the distinct values only."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def _count(self, path: str) -> None:
        counts = self.counts
        if path in counts or len(counts) < MAX_REPORTED_PATHS:
            counts[path] += 1
        else:
            counts[OTHER_PATHS] += 1

    def unknown_fields(self, level: str, record: Mapping[str, Any]) -> None:
        """Count the keys of ``record`` that ``KNOWN_KEYS[level]`` lacks (the caller found some)."""
        for key in record.keys() - KNOWN_KEYS[level]:
            self._count(f"{level}.{reported_name(key)}")

    def check_enums(self, table: str, rows: list[tuple]) -> None:
        for position, path, allowed in ENUM_COLUMNS.get(table, ()):
            try:
                values = set(map(itemgetter(position), rows))
            except TypeError:  # an unhashable value (a list or object where a string belongs)
                values = None
            if values is not None and values - {None} <= allowed:
                continue
            for value in map(itemgetter(position), rows):
                if value is not None and (value.__class__ is not str or value not in allowed):
                    self._count(f"{path}={UNKNOWN_VALUE}")

    def as_dict(self) -> dict[str, int]:
        return dict(sorted(self.counts.items()))
