"""When each agent was busy with a conversation, read from the conversations' final records.

An agent is busy from its session's first segment (alerting or dialing) to its last (the end
of wrap-up): the routing status is INTERACTING then. Final records are used (never the cut as
of an instant) so an agent's past does not change when a conversation is later erased or its
wrap-up corrected; the timeline cuts at the clock instead. A session with no end yet (a frozen
org's ongoing conversation) is busy until the clock.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

OPEN_END = 1 << 62  # a busy span still running: the timeline cuts it at the clock

BusySpans = dict[str, list[tuple[int, int]]]  # userId -> [(start, end)], end OPEN_END if running


def parse_iso_ms(text: str) -> int:
    """Epoch ms of a record's ``...Z`` timestamp."""
    return int(datetime.fromisoformat(text).timestamp() * 1000)


def sessions_busy(record: dict) -> list[tuple[str, int, int]]:
    """(userId, start, end) of every agent session of one conversation record."""
    spans = []
    for participant in record.get("participants", ()):
        user_id = participant.get("userId")
        if participant.get("purpose") != "agent" or not user_id:
            continue
        for session in participant.get("sessions", ()):
            segments = session.get("segments") or ()
            if not segments:
                continue
            start = min(parse_iso_ms(s["segmentStart"]) for s in segments)
            ends = [s.get("segmentEnd") for s in segments]
            end = OPEN_END if any(e is None for e in ends) else max(parse_iso_ms(e) for e in ends if e)
            spans.append((user_id, start, end))
    return spans


def busy_of_records(records: list[dict]) -> BusySpans:
    """Busy spans per user over ``records``, sorted by start."""
    by_user: BusySpans = defaultdict(list)
    for record in records:
        for user_id, start, end in sessions_busy(record):
            by_user[user_id].append((start, end))
    return {user: sorted(spans) for user, spans in by_user.items()}


def merge_busy(parts: list[BusySpans]) -> BusySpans:
    merged: BusySpans = defaultdict(list)
    for part in parts:
        for user_id, spans in part.items():
            merged[user_id].extend(spans)
    return {user: sorted(spans) for user, spans in merged.items()}
