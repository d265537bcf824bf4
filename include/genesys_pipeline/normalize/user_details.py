"""Staged users-details pages -> typed interval rows, grouped by user and UTC day.

A user-day (the intervals of one user that started on one UTC day) is the unit the load
replaces and hashes, as a conversation is for the conversation tables: its content hash
(:func:`~genesys_pipeline.normalize.content_hash.content_hash`, over the raw records in
order) lets a rerun skip unchanged user-days. Values stay the API's text (timestamps ISO-8601
UTC); a record without a start time is rejected (counted), and an enum value the SDK does not
know is counted as drift and kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

from genesys_pipeline.normalize.content_hash import content_hash, hash_context
from genesys_pipeline.tables import EXTRACTED_AT, RUN_ID, TableSpec
from genesys_pipeline.tables.users import USER_PRESENCE_INTERVALS, USER_ROUTING_STATUS_INTERVALS

# SDK 269 enums (AnalyticsUserPresenceRecord.system_presence, AnalyticsRoutingStatusRecord.routing_status).
SYSTEM_PRESENCES = frozenset(
    {"AVAILABLE", "AWAY", "BUSY", "OFFLINE", "IDLE", "ON_QUEUE", "MEAL", "TRAINING", "MEETING", "BREAK"}
)
ROUTING_STATUSES = frozenset({"OFF_QUEUE", "IDLE", "INTERACTING", "NOT_RESPONDING", "COMMUNICATING"})
_LEVELS = (
    ("primaryPresence", USER_PRESENCE_INTERVALS, "systemPresence", SYSTEM_PRESENCES),
    ("routingStatus", USER_ROUTING_STATUS_INTERVALS, "routingStatus", ROUTING_STATUSES),
)


@dataclass
class UserDay:
    user_id: str
    day: str  # YYYY-MM-DD, the UTC day the intervals started on
    rows: dict[str, list[tuple]] = field(default_factory=dict)  # table -> rows in spec column order
    records: dict[str, list[dict]] = field(default_factory=dict)  # table -> the raw records (the hash's input)

    @property
    def content_hash(self) -> str:
        return content_hash(self.records, hash_context(None))

    @property
    def open_intervals(self) -> int:
        return sum(1 for records in self.records.values() for r in records if not r.get("endTime"))


@dataclass
class UserDetailsResult:
    days: dict[tuple[str, str], UserDay] = field(default_factory=dict)
    users: int = 0
    intervals: int = 0
    rejected: int = 0
    drift: dict[str, int] = field(default_factory=dict)


def epoch_ms(text: str) -> int:
    """Epoch milliseconds of an API timestamp (``...Z``)."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return round((moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp() * 1000)


def _readable(value: Any) -> bool:
    if not isinstance(value, str) or len(value) < 10:
        return False
    try:
        epoch_ms(value)
    except ValueError:
        return False
    return True


def _row(spec: TableSpec, user_id: str, record: dict, day: str, extracted_at: str, run_id: str) -> tuple:
    values: list[Any] = []
    for column in spec.columns:
        if column.name == "user_id":
            values.append(user_id)
        elif column.name == "activity_date":
            values.append(day)
        elif column.name == EXTRACTED_AT:
            values.append(extracted_at)
        elif column.name == RUN_ID:
            values.append(run_id)
        elif column.name == "start_ms":
            values.append(epoch_ms(record["startTime"]))
        elif column.name == "end_ms":
            values.append(epoch_ms(record["endTime"]) if record.get("endTime") else None)
        else:
            values.append(record.get(column.source) if column.source else None)
    return tuple(values)


def user_details(pages: Iterable[bytes]) -> Iterator[dict]:
    for page in pages:
        yield from orjson.loads(page).get("userDetails") or ()


def normalize_user_pages(pages: Iterable[bytes], extracted_at: str, run_id: str) -> UserDetailsResult:
    """Every staged page's user details as user-day groups of rows."""
    result = UserDetailsResult()
    for detail in user_details(pages):
        user_id = detail.get("userId")
        if not isinstance(user_id, str) or not user_id:
            result.rejected += 1
            continue
        result.users += 1
        for key, spec, enum_key, known in _LEVELS:
            for record in detail.get(key) or ():
                start = record.get("startTime")
                if not _readable(start) or (record.get("endTime") is not None and not _readable(record["endTime"])):
                    result.rejected += 1
                    continue
                if record.get(enum_key) not in known:
                    name = f"{spec.name}.{enum_key}"
                    result.drift[name] = result.drift.get(name, 0) + 1
                day = start[:10]
                group = result.days.setdefault((user_id, day), UserDay(user_id, day))
                group.rows.setdefault(spec.name, []).append(_row(spec, user_id, record, day, extracted_at, run_id))
                group.records.setdefault(spec.name, []).append(record)
                result.intervals += 1
    return result
