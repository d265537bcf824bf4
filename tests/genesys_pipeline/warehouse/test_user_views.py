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
