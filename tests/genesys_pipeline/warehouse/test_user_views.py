"""The agent-activity views on both dialects: presence by name, and time in status and KPIs per day and half hour."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime

from sqlalchemy import text

from genesys_emulator.world.determinism import MS_PER_DAY, day_start_ms
from genesys_pipeline.normalize.user_details import epoch_ms
from tests.support.agent_days import load_agent_days


def test_presence_intervals_read_their_definition_by_name(warehouse):
    prefix = f"{warehouse.schema}." if warehouse.schema else ""
    with warehouse.engine.begin() as conn:
        conn.execute(
            text(f"INSERT INTO {prefix}presence_definitions (id, name, type, system_presence) VALUES (:i, :n, :t, :s)"),
            {"i": "p-lunch", "n": "Lunch", "t": "User", "s": "Meal"},
        )
        conn.execute(
            text(
                f"INSERT INTO {prefix}user_presence_intervals (user_id, start_time, system_presence,"
                " organization_presence_id, activity_date) VALUES ('u1', :s, 'MEAL', 'p-lunch', :d)"
            ),
            {"s": "2024-05-01T12:00:00.000Z", "d": "2024-05-01"},
        )
    with warehouse.engine.connect() as conn:
        row = conn.execute(text(f"SELECT * FROM {prefix}v_user_presence")).mappings().one()
    assert (row["organization_presence_name"], row["organization_presence_type"], row["end_time"]) == (
        "Lunch",
        "User",
        None,
    )


def test_daily_time_in_status_and_kpis_equal_a_recomputation_from_the_raw_intervals(warehouse):
    """An emulated day loaded through the normalizer and the merge; the oracle clips the raw
    records to the day in Python."""
    start = day_start_ms(date(2024, 5, 2))
    details = load_agent_days(warehouse, date(2024, 5, 2), 1, 8, start + 2 * MS_PER_DAY, "2024-05-05T00:00:00+00:00")

    expected: dict[tuple, int] = defaultdict(int)
    for detail in details:
        for kind, key, field in (
            ("routing", "routingStatus", "routingStatus"),
            ("presence", "primaryPresence", "systemPresence"),
        ):
            for record in detail[key]:
                end = epoch_ms(record["endTime"]) if "endTime" in record else start + MS_PER_DAY
                span = min(end, start + MS_PER_DAY) - max(epoch_ms(record["startTime"]), start)
                if span > 0:
                    expected[(detail["userId"], kind, record[field])] += span
    prefix = f"{warehouse.schema}." if warehouse.schema else ""
    with warehouse.engine.connect() as conn:
        status = conn.execute(text(f"SELECT * FROM {prefix}v_agent_daily_status")).mappings().all()
        kpis = conn.execute(text(f"SELECT * FROM {prefix}v_agent_daily_kpis")).mappings().all()
    assert {(r["user_id"], r["kind"], r["state"]): int(r["ms"]) for r in status if int(r["ms"])} == dict(expected)
    assert len(kpis) == 8
    for row in kpis:
        user = row["user_id"]
        interacting = expected.get((user, "routing", "INTERACTING"), 0)
        idle = expected.get((user, "routing", "IDLE"), 0)
        logged_in = sum(
            v for (u, kind, state), v in expected.items() if u == user and kind == "presence" and state != "OFFLINE"
        )
        assert int(row["interacting_ms"]) == interacting and int(row["logged_in_ms"]) == logged_in
        assert abs(float(row["occupancy"]) - interacting / (interacting + idle)) < 1e-9
        assert abs(float(row["utilisation"]) - interacting / logged_in) < 1e-9


def test_half_hour_time_in_status_and_kpis_equal_a_recomputation_from_the_raw_intervals(warehouse):
    """Two emulated days read at noon of the second (intervals cross half hours and midnight, some
    still open); the oracle splits every raw record at the half-hour boundaries in Python."""
    half_hour = 1_800_000
    start = day_start_ms(date(2024, 5, 2))
    extracted = "2024-05-03T12:00:00+00:00"
    details = load_agent_days(warehouse, date(2024, 5, 2), 2, 6, start + MS_PER_DAY * 3 // 2, extracted)
    users = [d["userId"] for d in details]

    slots = range(start, start + 2 * MS_PER_DAY, half_hour)  # the 96 half hours of the two days
    expected: dict[tuple, int] = defaultdict(int)
    crossing = {"half hour": 0, "midnight": 0, "open": 0}
    for detail in details:
        for kind, key, field in (
            ("routing", "routingStatus", "routingStatus"),
            ("presence", "primaryPresence", "systemPresence"),
        ):
            for record in detail[key]:
                begin = epoch_ms(record["startTime"])
                end = epoch_ms(record["endTime"]) if "endTime" in record else None
                crossing["open"] += end is None
                last = end if end is not None else begin + 1
                crossing["half hour"] += begin // half_hour != (last - 1) // half_hour
                crossing["midnight"] += begin // MS_PER_DAY != (last - 1) // MS_PER_DAY
                for slot in slots:
                    span = min(slot + half_hour, end if end is not None else slot + half_hour) - max(begin, slot)
                    if span > 0:
                        label = datetime.fromtimestamp(slot / 1000, UTC).strftime("%Y-%m-%dT%H:%M:00.000Z")
                        expected[(detail["userId"], label, kind, record[field])] += span
    assert all(crossing.values()), crossing  # the day exercises every case the view must handle
    prefix = f"{warehouse.schema}." if warehouse.schema else ""
    with warehouse.engine.connect() as conn:
        status = conn.execute(text(f"SELECT * FROM {prefix}v_agent_interval_status")).mappings().all()
        kpis = conn.execute(text(f"SELECT * FROM {prefix}v_agent_interval_kpis")).mappings().all()
        daily = conn.execute(text(f"SELECT * FROM {prefix}v_agent_daily_kpis")).mappings().all()
    got = {(r["user_id"], r["interval_start"], r["kind"], r["state"]): int(r["ms"]) for r in status if int(r["ms"])}
    assert got == dict(expected)
    assert {(r["user_id"], str(r["activity_date"])) for r in status} == {
        (u, d) for u in users for d in ("2024-05-02", "2024-05-03")
    }
    by_slot: dict[tuple, dict] = defaultdict(lambda: defaultdict(int))
    for (user, label, kind, state), ms in expected.items():
        by_slot[(user, label)][(kind, state)] += ms
    assert {(r["user_id"], r["interval_start"]) for r in kpis} == set(by_slot)
    for row in kpis:
        states = by_slot[(row["user_id"], row["interval_start"])]
        interacting, idle = states[("routing", "INTERACTING")], states[("routing", "IDLE")]
        logged_in = sum(ms for (kind, state), ms in states.items() if kind == "presence" and state != "OFFLINE")
        assert row["interval_start"][:10] == str(row["activity_date"])
        assert (int(row["interacting_ms"]), int(row["idle_ms"]), int(row["logged_in_ms"])) == (
            interacting,
            idle,
            logged_in,
        )
        assert int(row["on_queue_ms"]) == states[("presence", "ON_QUEUE")]
        assert int(row["not_responding_ms"]) == states[("routing", "NOT_RESPONDING")]
        occupancy = interacting / (interacting + idle) if interacting + idle else None
        utilisation = interacting / logged_in if logged_in else None
        for measure, value in (("occupancy", occupancy), ("utilisation", utilisation)):
            assert (row[measure] is None) == (value is None)
            assert value is None or abs(float(row[measure]) - value) < 1e-9
    per_day: dict[tuple, int] = defaultdict(int)
    for row in kpis:
        per_day[(row["user_id"], str(row["activity_date"]))] += int(row["logged_in_ms"])
    assert {(r["user_id"], str(r["activity_date"])): int(r["logged_in_ms"]) for r in daily} == dict(per_day)
