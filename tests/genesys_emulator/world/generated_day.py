"""One generated day shared by the generator's tests: the world, its records, and small readers."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

DAY = date(2024, 5, 1)
PER_DAY = 2000
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


def ms(timestamp: str) -> int:
    parsed = datetime.strptime(timestamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    return round(parsed.timestamp() * 1000)


def all_sessions(record: dict):
    for participant in record["participants"]:
        for session in participant["sessions"]:
            yield participant, session


def walk_values(value):
    if isinstance(value, dict):
        for child in value.values():
            yield from walk_values(child)
    elif isinstance(value, list):
        for child in value:
            yield from walk_values(child)
    else:
        yield value
