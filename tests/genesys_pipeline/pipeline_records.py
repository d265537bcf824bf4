"""Test data shared by the pipeline tests: the fact-sheet record, fixed dates, page building."""

from __future__ import annotations

from datetime import UTC, date, datetime

import orjson

# The trimmed record of the Genesys fact sheet, section 5.
SAMPLE_RECORD = {
    "conversationId": "c-1",
    "conversationStart": "2024-05-01T10:00:00.000Z",
    "conversationEnd": "2024-05-01T10:09:30.000Z",
    "originatingDirection": "inbound",
    "divisionIds": ["d-1"],
    "participants": [
        {
            "participantId": "p-cust",
            "purpose": "customer",
            "participantName": "+15551230000",
            "sessions": [
                {
                    "sessionId": "s-1",
                    "mediaType": "voice",
                    "direction": "inbound",
                    "ani": "tel:+15551230000",
                    "dnis": "tel:+15559870000",
                    "provider": "Edge",
                    "edgeId": "e-1",
                    "segments": [
                        {
                            "segmentStart": "2024-05-01T10:00:00.000Z",
                            "segmentEnd": "2024-05-01T10:09:30.000Z",
                            "segmentType": "interact",
                            "disconnectType": "endpoint",
                            "conference": False,
                        }
                    ],
                    "metrics": [{"name": "nConnected", "value": 1, "emitDate": "2024-05-01T10:00:00.000Z"}],
                }
            ],
        },
        {
            "participantId": "p-acd",
            "purpose": "acd",
            "participantName": "Support",
            "sessions": [
                {
                    "sessionId": "s-2",
                    "mediaType": "voice",
                    "direction": "inbound",
                    "peerId": "s-1",
                    "requestedRoutings": ["Standard"],
                    "usedRouting": "Standard",
                    "selectedAgentId": "u-1",
                    "segments": [
                        {
                            "segmentStart": "2024-05-01T10:00:30.000Z",
                            "segmentEnd": "2024-05-01T10:01:00.000Z",
                            "segmentType": "interact",
                            "queueId": "q-1",
                            "disconnectType": "transfer",
                            "conference": False,
                        }
                    ],
                    "metrics": [
                        {"name": "nOffered", "value": 1, "emitDate": "2024-05-01T10:00:30.000Z"},
                        {"name": "tAcd", "value": 30000, "emitDate": "2024-05-01T10:01:00.000Z"},
                    ],
                }
            ],
        },
        {
            "participantId": "p-agent",
            "purpose": "agent",
            "userId": "u-1",
            "sessions": [
                {
                    "sessionId": "s-3",
                    "mediaType": "voice",
                    "direction": "inbound",
                    "peerId": "s-1",
                    "segments": [
                        {
                            "segmentType": "alert",
                            "segmentStart": "2024-05-01T10:00:55.000Z",
                            "segmentEnd": "2024-05-01T10:01:00.000Z",
                            "queueId": "q-1",
                            "conference": False,
                        },
                        {
                            "segmentType": "interact",
                            "segmentStart": "2024-05-01T10:01:00.000Z",
                            "segmentEnd": "2024-05-01T10:08:00.000Z",
                            "queueId": "q-1",
                            "conference": False,
                        },
                        {
                            "segmentType": "wrapup",
                            "segmentStart": "2024-05-01T10:08:00.000Z",
                            "segmentEnd": "2024-05-01T10:09:30.000Z",
                            "queueId": "q-1",
                            "wrapUpCode": "w-1",
                            "wrapUpNote": "resolved",
                            "disconnectType": "client",
                            "conference": False,
                        },
                    ],
                    "metrics": [
                        {"name": "tAnswered", "value": 30000, "emitDate": "2024-05-01T10:01:00.000Z"},
                        {"name": "tTalk", "value": 420000, "emitDate": "2024-05-01T10:08:00.000Z"},
                        {"name": "tAcw", "value": 90000, "emitDate": "2024-05-01T10:09:30.000Z"},
                        {"name": "tHandle", "value": 510000, "emitDate": "2024-05-01T10:09:30.000Z"},
                    ],
                }
            ],
        },
    ],
}

DAY = date(2024, 5, 1)
EXTRACTED_D = datetime(2024, 5, 2, 1, 0, tzinfo=UTC)
EXTRACTED_D1 = datetime(2024, 5, 3, 1, 0, tzinfo=UTC)
DAY_D, DAY_D1 = date(2024, 5, 1), date(2024, 5, 2)  # two adjacent days, D the fact sheet's


def pages_of(records: list[dict], page_size: int = 100) -> list[bytes]:
    """Result pages as the async-job results endpoint returns them."""
    chunks = [records[i : i + page_size] for i in range(0, len(records), page_size)] or [[]]
    return [orjson.dumps({"conversations": chunk, "cursor": f"c{n}"}) for n, chunk in enumerate(chunks)]


def spanning_midnight(records: list[dict]) -> list[dict]:
    return [r for r in records if r.get("conversationEnd", "9999")[:10] > r["conversationStart"][:10]]
