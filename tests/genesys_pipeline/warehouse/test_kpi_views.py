"""The KPI views on hand-built records, on SQLite and PostgreSQL: emit-date half hours (edges to the
millisecond), a conversation in two queues and two half hours, n* counts as value sums, averages as a
metric's sum over its own count, service level and abandon rate, each queue's own service-level target."""

from __future__ import annotations

import copy

import pytest
from sqlalchemy import text

from genesys_pipeline.warehouse.engine import qualified_name
from genesys_pipeline.warehouse.kpi_views import bucket_expression
from genesys_pipeline.warehouse.reference_tables import replace_snapshot
from tests.genesys_pipeline.pipeline_records import SAMPLE_RECORD


def _metric(name: str, value: int, at: str) -> dict:
    return {"name": name, "value": value, "emitDate": f"2024-05-01T{at}Z"}


def _session(session_id: str, queue: str, metrics: list[dict]) -> dict:
    segment = {"segmentStart": "2024-05-01T09:50:00.000Z", "segmentEnd": "2024-05-01T10:20:00.000Z"}
    segment.update(segmentType="interact", queueId=queue, conference=False)
    return {
        "sessionId": session_id,
        "mediaType": "voice",
        "direction": "inbound",
        "segments": [segment],
        "metrics": metrics,
    }


def records() -> list[dict]:
    first = copy.deepcopy(SAMPLE_RECORD)  # q-1, agent u-1
    agent_metrics = first["participants"][2]["sessions"][0]["metrics"]
    agent_metrics[2]["emitDate"] = "2024-05-01T10:29:59.999Z"  # tAcw: still the 10:00 half hour
    agent_metrics[3]["emitDate"] = "2024-05-01T10:30:00.000Z"  # tHandle: the 10:30 one
    # Offered to q-2 just before 10:00 and answered after; then offered to q-1, abandoned quickly.
    second = {
        "conversationId": "c-2",
        "conversationStart": "2024-05-01T09:50:00.000Z",
        "conversationEnd": "2024-05-01T10:20:00.000Z",
        "participants": [
            {
                "participantId": "p2-acd",
                "purpose": "acd",
                "sessions": [
                    _session(
                        "s2-q2", "q-2", [_metric("nOffered", 1, "09:59:59.999"), _metric("tAcd", 40000, "10:00:40")]
                    ),
                    _session(
                        "s2-q1",
                        "q-1",
                        [
                            _metric("nOffered", 1, "10:05:00"),
                            _metric("tAbandon", 5000, "10:05:05"),
                            _metric("tShortAbandon", 5000, "10:05:05"),
                        ],
                    ),
                ],
            },
            {
                "participantId": "p2-agent",
                "purpose": "agent",
                "userId": "u-2",
                "sessions": [_session("s2-agent", "q-2", [_metric("tAnswered", 40000, "10:00:40")])],
            },
        ],
    }
    return [first, second]


@pytest.fixture()
def loaded(warehouse, stage):
    staging, manifest = stage(records())
    warehouse.load_extraction(staging, manifest, "run-1")
    return warehouse.engine


def rows(engine, view: str, order: str) -> list[dict]:
    with engine.connect() as conn:
        result = conn.execute(text(f"SELECT * FROM {qualified_name(engine, view)} ORDER BY {order}"))
        return [dict(row._mapping) for row in result]


def test_cells_follow_the_emit_date_half_hour_and_the_emitting_session_queue(loaded):
    cells = {
        (r["interval_start"], r["queue_id"], r["metric"]): (r["count"], r["sum"])
        for r in rows(loaded, "v_queue_interval_metrics", "interval_start, queue_id, metric")
    }
    ten, half_past, before = "2024-05-01T10:00:00.000Z", "2024-05-01T10:30:00.000Z", "2024-05-01T09:30:00.000Z"
    assert cells[(ten, "q-1", "nOffered")] == (2, None)  # c-1, and c-2 after its transfer
    assert cells[(before, "q-2", "nOffered")] == (1, None)  # 09:59:59.999
    assert cells[(ten, "q-2", "tAcd")] == (1, 40000)
    assert cells[(ten, "q-1", "tAcw")] == (1, 90000)  # 10:29:59.999
    assert cells[(half_past, "q-1", "tHandle")] == (1, 510000)  # 10:30:00.000
    assert (ten, "q-1", "tHandle") not in cells
    assert cells[(ten, "q-1", "tAbandon")] == (1, 5000) and cells[(ten, "q-1", "tShortAbandon")] == (1, 5000)
    assert cells[(ten, None, "nConnected")] == (1, None)  # the customer's session has no queue


def test_kpis_are_sums_over_counts_of_the_same_metric(loaded):
    kpis = {
        (r["interval_start"], r["queue_id"]): r
        for r in rows(loaded, "v_queue_interval_kpis", "interval_start, queue_id")
        if r["queue_id"]
    }
    q1 = kpis[("2024-05-01T10:00:00.000Z", "q-1")]
    assert (q1["offered"], q1["answered"], q1["abandoned"], q1["short_abandoned"]) == (2, 1, 1, 1)
    assert q1["asa_ms"] == 30000 and q1["avg_acw_ms"] == 90000 and q1["aht_ms"] is None
    assert q1["abandon_rate"] == 0.5 and q1["service_level"] == 1.0  # the short abandon is not counted
    assert kpis[("2024-05-01T10:30:00.000Z", "q-1")]["aht_ms"] == 510000
    daily = {r["queue_id"]: r for r in rows(loaded, "v_queue_daily_kpis", "queue_id") if r["queue_id"]}
    assert daily["q-1"]["day"] == "2024-05-01" and daily["q-1"]["offered"] == 2 and daily["q-1"]["aht_ms"] == 510000
    assert daily["q-2"]["offered"] == 1 and daily["q-2"]["asa_ms"] == 40000


def test_agent_daily_kpis_count_only_sessions_with_a_user(loaded):
    agents = {r["user_id"]: r for r in rows(loaded, "v_agent_daily_queue_kpis", "user_id")}
    assert set(agents) == {"u-1", "u-2"}
    assert agents["u-1"]["answered"] == 1 and agents["u-1"]["aht_ms"] == 510000
    assert agents["u-2"]["asa_ms"] == 40000 and agents["u-2"]["offered"] is None


def test_an_unknown_dialect_is_named():
    with pytest.raises(ValueError, match="unsupported warehouse dialect 'mysql'"):
        bucket_expression("mysql", "m.emit_date")


def _service_levels(records_: list[dict], grain: int) -> dict[tuple, float | None]:
    """Independent oracle: (interval start[:grain], queue, media) -> Genesys's service level, walked from
    the raw records (each metric in its emitDate half hour, for the emitting session's queue)."""
    counts: dict[tuple, dict[str, int]] = {}
    for record in records_:
        for participant in record["participants"]:
            for session in participant["sessions"]:
                queues = [g["queueId"] for g in session.get("segments", []) if g.get("queueId")]
                for m in session.get("metrics", []):
                    if not queues:
                        continue
                    day, clock = m["emitDate"][:10], m["emitDate"][11:16]
                    start = f"{day}T{clock[:2]}:{'00' if clock[3:] < '30' else '30'}:00.000Z"[:grain]
                    cell = counts.setdefault((start, min(queues), session["mediaType"]), {})
                    value = m["value"] if m["name"].startswith("n") else 1
                    cell[m["name"]] = cell.get(m["name"], 0) + value
    out: dict[tuple, float | None] = {}
    for key, c in counts.items():
        denominator = c.get("tAnswered", 0) + c.get("tAbandon", 0) - c.get("tShortAbandon", 0)
        numerator = c.get("tAnswered", 0) - c.get("nOverSla", 0)
        out[key] = numerator / denominator if denominator else None
    return out


def test_service_level_is_shown_beside_each_queues_own_target(warehouse, stage):
    data = records()
    over = data[1]["participants"][0]["sessions"][0]["metrics"]  # q-2 answered over its target
    over.append(_metric("nOverSla", 1, "10:00:40"))
    warehouse.load_extraction(*stage(data), "run-1")
    setting = {"serviceLevel": {"percentage": 0.9, "durationMs": 30000}}
    queues = [
        {
            "id": "q-1",
            "name": "Sales",
            "mediaSettings": {"call": setting, "chat": {"serviceLevel": {"percentage": 0.5}}},
        },
        {
            "id": "q-2",
            "name": "Support",
            "mediaSettings": {"call": {"serviceLevel": {"percentage": 0.8, "durationMs": 20000}}},
        },
        {"id": "q-3", "name": "No settings"},
    ]
    replace_snapshot(warehouse.engine, "queues", queues)
    targets = {("q-1", "voice"): (30000, 0.9), ("q-1", "chat"): (None, 0.5), ("q-2", "voice"): (20000, 0.8)}
    assert {
        (r["queue_id"], r["media_type"]): (r["duration_ms"], r["percentage"])
        for r in rows(warehouse.engine, "queue_service_levels", "queue_id")
    } == targets
    views = (("v_queue_interval_kpis", "interval_start", 24, {0, 1, None}), ("v_queue_daily_kpis", "day", 10, {0, 1}))
    for view, key, grain, outcomes in views:
        expected = _service_levels(data, grain)
        got = [r for r in rows(warehouse.engine, view, f"{key}, queue_id") if r["queue_id"]]
        assert {(r[key], r["queue_id"], r["media_type"]) for r in got} == set(expected)
        for row in got:
            level = expected[(row[key], row["queue_id"], row["media_type"])]
            duration, percentage = targets.get((row["queue_id"], row["media_type"]), (None, None))
            assert (row["service_level_target_ms"], row["service_level_target"]) == (duration, percentage)
            assert (row["service_level"] is None) == (level is None)
            assert level is None or abs(float(row["service_level"]) - level) < 1e-9
            met = None if level is None or percentage is None else int(level >= percentage)
            assert row["service_level_met"] == met, (view, row)
        assert {r["service_level_met"] for r in got} == outcomes  # met, missed, no service level to judge
    replace_snapshot(warehouse.engine, "queues", queues[2:])  # a queue's target leaves with its settings
    assert rows(warehouse.engine, "queue_service_levels", "queue_id") == []
