"""Filter evaluation and query validation on hand-made records, without HTTP."""

from __future__ import annotations

import pytest

from genesys_emulator.config import EmulatorConfig
from genesys_emulator.service.errors import ApiError
from genesys_emulator.service.filters import record_matches
from genesys_emulator.service.validation import parse_interval, validate_details_query

RECORD = {
    "conversationId": "c-1",
    "conversationStart": "2024-05-01T10:00:00.000Z",
    "originatingDirection": "inbound",
    "divisionIds": ["d-1", "d-2"],
    "participants": [
        {
            "participantId": "p-1",
            "purpose": "customer",
            "sessions": [
                {
                    "sessionId": "s-1",
                    "mediaType": "voice",
                    "requestedRoutings": ["Standard"],
                    "segments": [
                        {
                            "segmentStart": "2024-05-01T10:00:00.000Z",
                            "segmentEnd": "2024-05-01T10:05:00.000Z",
                            "segmentType": "interact",
                            "conference": False,
                        }
                    ],
                    "metrics": [{"name": "tTalk", "value": 300000, "emitDate": "2024-05-01T10:05:00.000Z"}],
                }
            ],
        },
        {
            "participantId": "p-2",
            "purpose": "agent",
            "userId": "u-1",
            "sessions": [
                {
                    "sessionId": "s-2",
                    "mediaType": "voice",
                    "flow": {"flowId": "f-1"},
                    "segments": [
                        {
                            "segmentStart": "2024-05-01T10:01:00.000Z",
                            "segmentEnd": "2024-05-01T10:02:00.000Z",
                            "segmentType": "wrapup",
                            "queueId": "q-1",
                            "wrapUpCode": "w-1",
                        }
                    ],
                }
            ],
        },
    ],
}


def pred(**kwargs) -> dict:
    return {"type": "and", "predicates": [kwargs]}


@pytest.mark.parametrize(
    "filters, expected",
    [
        ({"conversationFilters": [pred(dimension="divisionId", value="d-2")]}, True),
        ({"conversationFilters": [pred(dimension="divisionId", value="d-9")]}, False),
        ({"conversationFilters": [pred(metric="tTalk", range={"gte": 300000})]}, True),
        ({"conversationFilters": [pred(dimension="conversationEnd", operator="notExists")]}, True),
        ({"segmentFilters": [pred(dimension="queueId", value="q-1")]}, True),
        ({"segmentFilters": [pred(dimension="requestedRouting", value="Standard")]}, True),
        ({"segmentFilters": [pred(dimension="flowId", value="f-1")]}, True),
        ({"segmentFilters": [pred(dimension="conference", value="false")]}, True),
        ({"segmentFilters": [pred(metric="tSegmentDuration", range={"gt": 60000})]}, True),
        ({"segmentFilters": [pred(metric="tSegmentDuration", range={"gt": 300000})]}, False),
        # queueId and segmentType must match on the SAME segment
        (
            {
                "segmentFilters": [
                    {
                        "type": "and",
                        "predicates": [
                            {"dimension": "queueId", "value": "q-1"},
                            {"dimension": "segmentType", "value": "interact"},
                        ],
                    }
                ]
            },
            False,
        ),
        (
            {
                "segmentFilters": [
                    {
                        "type": "or",
                        "clauses": [
                            {
                                "type": "and",
                                "predicates": [
                                    {"dimension": "purpose", "value": "agent"},
                                    {"dimension": "userId", "value": "u-1"},
                                ],
                            }
                        ],
                        "predicates": [{"dimension": "mediaType", "value": "email"}],
                    }
                ]
            },
            True,
        ),
        ({"surveyFilters": [pred(metric="oSurveyTotalScore", operator="exists")]}, False),
    ],
)
def test_record_matches(filters, expected):
    assert record_matches(RECORD, filters) is expected


def test_parse_interval_accepts_offsets_and_rejects_reversed():
    start, end = parse_interval("2024-05-01T02:00:00+02:00/2024-05-01T01:00:00.000Z")
    assert end - start == 3_600_000
    with pytest.raises(ApiError) as error:
        parse_interval("2024-05-01/2024-04-01")
    assert error.value.code == "bad.request"


def test_filters_nest_at_most_two_levels():
    deep = {"type": "and", "clauses": [{"type": "and", "clauses": [pred(dimension="mediaType", value="voice")]}]}
    with pytest.raises(ApiError):
        validate_details_query(
            {"interval": "2024-05-01T00:00:00Z/2024-05-02T00:00:00Z", "segmentFilters": [deep]},
            sync=True,
            config=EmulatorConfig(),
        )
