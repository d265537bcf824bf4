"""v_user_presence on both dialects: an interval reads its organization presence by name."""

from __future__ import annotations

from sqlalchemy import text


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
    from collections import defaultdict
    from datetime import date

    import orjson

    from genesys_emulator.world.agent_timeline import AgentActivity
    from genesys_emulator.world.determinism import MS_PER_DAY, day_start_ms
    from genesys_emulator.world.generator import DataGenerator
    from genesys_pipeline.normalize.user_details import epoch_ms, normalize_user_pages
    from genesys_pipeline.warehouse.write.user_activity import load_user_activity

    activity = AgentActivity(DataGenerator(5, 60))
    start = day_start_ms(date(2024, 5, 2))
    details = [
        t.detail()
        for t in activity.timelines(
            start, start + MS_PER_DAY, start + 2 * MS_PER_DAY, [u["id"] for u in activity.users[:8]]
        )
    ]
    result = normalize_user_pages([orjson.dumps({"userDetails": details})], "2024-05-05T00:00:00+00:00", "r")
    load_user_activity(warehouse.engine, warehouse.writer, result, [date(2024, 5, 2)], "2024-05-05T00:00:00+00:00", "r")

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
