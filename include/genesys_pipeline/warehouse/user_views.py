"""The agent-activity view: presence intervals with their organization presence's definition.

``v_user_presence`` joins ``presence_definitions`` (LEFT JOIN: names are NULL until the
definitions are synced) so a custom presence ("Lunch" under Meal) reads by name; durations
are left to the reader's SQL (an open interval has no ``end_time``). Plain SQL both dialects take.
"""

from __future__ import annotations

from sqlalchemy import Connection

V_USER_PRESENCE = """
SELECT i.user_id, i.activity_date, i.start_time, i.end_time, i.system_presence, i.organization_presence_id,
       d.name AS organization_presence_name, d.type AS organization_presence_type
FROM {user_presence_intervals} i
LEFT JOIN {presence_definitions} d ON d.id = i.organization_presence_id"""


def create_user_activity_views(conn: Connection, schema: str | None) -> None:
    quote = conn.dialect.identifier_preparer.quote_identifier
    prefix = f"{quote(schema)}." if schema else ""
    names = {name: prefix + quote(name) for name in ("user_presence_intervals", "presence_definitions")}
    conn.exec_driver_sql(f"DROP VIEW IF EXISTS {prefix}{quote('v_user_presence')}")
    conn.exec_driver_sql(f"CREATE VIEW {prefix}{quote('v_user_presence')} AS {V_USER_PRESENCE.format(**names)}")
