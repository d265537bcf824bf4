"""The agent-activity views: presence with its definition, and time in status per user and day.

``v_user_presence`` joins ``presence_definitions`` (LEFT JOIN: names are NULL until the
definitions are synced) so a custom presence ("Lunch" under Meal) reads by name.

``v_agent_daily_status``: per user, UTC day (every ``user_activity_days`` row) and state, the
milliseconds of that day spent in it: every interval overlapping the day (whatever day it is
stored under), clipped to the day; an interval still open counts to the day's end.
``kind`` is ``routing`` (routing status) or ``presence`` (system presence).

``v_agent_daily_kpis``, per user and day (docs/operations.md, "Agent KPIs"):
``interacting_ms``, ``idle_ms``, ``not_responding_ms``, ``on_queue_ms`` (presence ON_QUEUE),
``logged_in_ms`` (presence other than OFFLINE), ``occupancy`` = interacting / (interacting + idle),
``utilisation`` = interacting / logged in (NULL when the denominator is 0).
Plain SQL (CASE instead of LEAST/GREATEST, epoch-ms columns) that SQLite and PostgreSQL both take.
"""

from __future__ import annotations

from sqlalchemy import Connection

DAY_MS = 86_400_000
V_USER_PRESENCE = """
SELECT i.user_id, i.activity_date, i.start_time, i.end_time, i.system_presence, i.organization_presence_id,
       d.name AS organization_presence_name, d.type AS organization_presence_type
FROM {user_presence_intervals} i
LEFT JOIN {presence_definitions} d ON d.id = i.organization_presence_id"""

_CLIPPED = f"""
SELECT d.user_id, d.activity_date, '{{kind}}' AS kind, i.{{state}} AS state,
       SUM(CASE WHEN i.end_ms IS NULL OR i.end_ms > d.day_start_ms + {DAY_MS} THEN d.day_start_ms + {DAY_MS}
                ELSE i.end_ms END
           - CASE WHEN i.start_ms < d.day_start_ms THEN d.day_start_ms ELSE i.start_ms END) AS ms
FROM {{days}} d
JOIN {{intervals}} i ON i.user_id = d.user_id AND i.start_ms < d.day_start_ms + {DAY_MS}
                    AND (i.end_ms IS NULL OR i.end_ms > d.day_start_ms)
GROUP BY d.user_id, d.activity_date, i.{{state}}"""

V_AGENT_DAILY_KPIS = """
SELECT user_id, activity_date,
       SUM(CASE WHEN kind = 'routing' AND state = 'INTERACTING' THEN ms ELSE 0 END) AS interacting_ms,
       SUM(CASE WHEN kind = 'routing' AND state = 'IDLE' THEN ms ELSE 0 END) AS idle_ms,
       SUM(CASE WHEN kind = 'routing' AND state = 'NOT_RESPONDING' THEN ms ELSE 0 END) AS not_responding_ms,
       SUM(CASE WHEN kind = 'presence' AND state = 'ON_QUEUE' THEN ms ELSE 0 END) AS on_queue_ms,
       SUM(CASE WHEN kind = 'presence' AND state <> 'OFFLINE' THEN ms ELSE 0 END) AS logged_in_ms,
       CAST(SUM(CASE WHEN kind = 'routing' AND state = 'INTERACTING' THEN ms ELSE 0 END) AS DOUBLE PRECISION)
         / NULLIF(SUM(CASE WHEN kind = 'routing' AND state IN ('INTERACTING', 'IDLE') THEN ms ELSE 0 END), 0)
         AS occupancy,
       CAST(SUM(CASE WHEN kind = 'routing' AND state = 'INTERACTING' THEN ms ELSE 0 END) AS DOUBLE PRECISION)
         / NULLIF(SUM(CASE WHEN kind = 'presence' AND state <> 'OFFLINE' THEN ms ELSE 0 END), 0) AS utilisation
FROM {v_agent_daily_status}
GROUP BY user_id, activity_date"""


def create_user_activity_views(conn: Connection, schema: str | None) -> None:
    quote = conn.dialect.identifier_preparer.quote_identifier
    prefix = f"{quote(schema)}." if schema else ""
    tables = ("user_presence_intervals", "user_routing_status_intervals", "presence_definitions", "user_activity_days")
    names = {name: prefix + quote(name) for name in (*tables, "v_agent_daily_status")}
    status = " UNION ALL ".join(
        _CLIPPED.format(kind=kind, state=state, days=names["user_activity_days"], intervals=names[table])
        for kind, state, table in (
            ("routing", "routing_status", "user_routing_status_intervals"),
            ("presence", "system_presence", "user_presence_intervals"),
        )
    )
    views = {
        "v_user_presence": V_USER_PRESENCE.format(**names),
        "v_agent_daily_status": status,
        "v_agent_daily_kpis": V_AGENT_DAILY_KPIS.format(**names),
    }
    for view in reversed(views):  # dependants first
        conn.exec_driver_sql(f"DROP VIEW IF EXISTS {prefix}{quote(view)}")
    for view, select in views.items():
        conn.exec_driver_sql(f"CREATE VIEW {prefix}{quote(view)} AS {select}")
