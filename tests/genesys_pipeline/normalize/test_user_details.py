"""Users-details pages into user-days: grouped by the UTC day each interval started on, hashed
on content only, rejects and unknown enum values counted."""

from __future__ import annotations

import orjson

from genesys_pipeline.normalize.user_details import normalize_user_pages

PAGE = {
    "userDetails": [
        {
            "userId": "u1",
            "primaryPresence": [
                {
                    "startTime": "2024-05-01T22:00:00.000Z",
                    "endTime": "2024-05-02T06:00:00.000Z",
                    "systemPresence": "OFFLINE",
                    "organizationPresenceId": "p-off",
                },
                {
                    "startTime": "2024-05-02T06:00:00.000Z",
                    "systemPresence": "ON_QUEUE",
                    "organizationPresenceId": "p-q",
                },
            ],
            "routingStatus": [
                {
                    "startTime": "2024-05-02T06:00:00.000Z",
                    "endTime": "2024-05-02T06:05:00.000Z",
                    "routingStatus": "IDLE",
                },
                {"startTime": "2024-05-02T06:05:00.000Z", "routingStatus": "TELEPORTING"},
                {"endTime": "2024-05-02T07:00:00.000Z", "routingStatus": "IDLE"},
            ],
        },
        {"primaryPresence": []},
    ]
}


def test_user_days_rows_hash_rejects_and_drift():
    result = normalize_user_pages([orjson.dumps(PAGE)], "2024-05-03T00:00:00Z", "run")
    assert sorted(result.days) == [("u1", "2024-05-01"), ("u1", "2024-05-02")]
    assert result.users == 1 and result.intervals == 4 and result.rejected == 2
    assert result.drift == {"user_routing_status_intervals.routingStatus": 1}
    day = result.days[("u1", "2024-05-02")]
    assert day.open_intervals == 2
    assert day.rows["user_presence_intervals"] == [
        (
            "u1",
            "2024-05-02T06:00:00.000Z",
            None,
            1714629600000,
            None,
            "ON_QUEUE",
            "p-q",
            "2024-05-02",
            "2024-05-03T00:00:00Z",
            "run",
        )
    ]
    again = normalize_user_pages([orjson.dumps(PAGE)], "2024-05-04T00:00:00Z", "other run")
    assert again.days[("u1", "2024-05-02")].content_hash == day.content_hash  # content, not lineage
