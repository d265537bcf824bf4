"""The agent-activity views: presence with its definition, time in status per user and day / half hour.

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

``v_agent_interval_status`` / ``v_agent_interval_kpis``: the same per user and UTC half hour
(``interval_start`` = ``YYYY-MM-DDTHH:MM:00.000Z``, the 48 half hours of every user-day): an
interval spanning several half hours is split at the boundaries, so a user-day's half hours
sum to its daily row. One windowed SELECT serves both grains (day or half hour).
Plain SQL (CASE instead of LEAST/GREATEST, epoch-ms columns) that SQLite and PostgreSQL both take.
"""

from __future__ import annotations

from sqlalchemy import Connection

DAY_MS = 86_400_000
HALF_HOUR_MS = 1_800_000
V_USER_PRESENCE = """
SELECT i.user_id, i.activity_date, i.start_time, i.end_time, i.system_presence, i.organization_presence_id,
       d.name AS organization_presence_name, d.type AS organization_presence_type
FROM {user_presence_intervals} i
LEFT JOIN {presence_definitions} d ON d.id = i.organization_presence_id"""

# Windows per user-day: (user_id, activity_date, [interval_start,] start_ms, end_ms).
_DAY_WINDOWS = (
    f"SELECT user_id, activity_date, day_start_ms AS start_ms, day_start_ms + {DAY_MS} AS end_ms FROM {{days}}"
)
# The 48 half hours of a day as literal rows (no generate_series / recursive CTE: both dialects take it).
_SLOTS = " UNION ALL ".join(f"SELECT {n} AS n, '{n // 2:02d}:{n % 2 * 30:02d}' AS hhmm" for n in range(48))
_HALF_HOUR_WINDOWS = f"""SELECT d.user_id, d.activity_date,
       CAST(d.activity_date AS VARCHAR(10)) || 'T' || s.hhmm || ':00.000Z' AS interval_start,
       d.day_start_ms + s.n * {HALF_HOUR_MS} AS start_ms, d.day_start_ms + (s.n + 1) * {HALF_HOUR_MS} AS end_ms
FROM {{days}} d CROSS JOIN ({_SLOTS}) s"""

# Milliseconds of each window spent in each state: every interval overlapping the window, clipped
# to it; an open interval (end_ms NULL) runs to the window's end.
_CLIPPED = """
SELECT w.user_id, w.activity_date{keys}, '{kind}' AS kind, i.{state} AS state,
       SUM(CASE WHEN i.end_ms IS NULL OR i.end_ms > w.end_ms THEN w.end_ms ELSE i.end_ms END
           - CASE WHEN i.start_ms < w.start_ms THEN w.start_ms ELSE i.start_ms END) AS ms
FROM ({windows}) w
JOIN {intervals} i ON i.user_id = w.user_id AND i.start_ms < w.end_ms
                    AND (i.end_ms IS NULL OR i.end_ms > w.start_ms)
GROUP BY w.user_id, w.activity_date{keys}, i.{state}"""


def _ms(condition: str) -> str:
    return f"SUM(CASE WHEN {condition} THEN ms ELSE 0 END)"


_INTERACTING = _ms("kind = 'routing' AND state = 'INTERACTING'")
_LOGGED_IN = _ms("kind = 'presence' AND state <> 'OFFLINE'")
_KPIS = f"""
SELECT user_id, activity_date{{keys}},
       {_INTERACTING} AS interacting_ms,
       {_ms("kind = 'routing' AND state = 'IDLE'")} AS idle_ms,
       {_ms("kind = 'routing' AND state = 'NOT_RESPONDING'")} AS not_responding_ms,
       {_ms("kind = 'presence' AND state = 'ON_QUEUE'")} AS on_queue_ms,
       {_LOGGED_IN} AS logged_in_ms,
       CAST({_INTERACTING} AS DOUBLE PRECISION)
         / NULLIF({_ms("kind = 'routing' AND state IN ('INTERACTING', 'IDLE')")}, 0) AS occupancy,
       CAST({_INTERACTING} AS DOUBLE PRECISION) / NULLIF({_LOGGED_IN}, 0) AS utilisation
FROM {{status}}
GROUP BY user_id, activity_date{{keys}}"""


def _status_sql(windows: str, keys: str, names: dict[str, str]) -> str:
    """Time in each routing status and system presence per window (both kinds, UNION ALL)."""
    return " UNION ALL ".join(
        _CLIPPED.format(keys=keys, kind=kind, state=state, windows=windows, intervals=names[table])
        for kind, state, table in (
            ("routing", "routing_status", "user_routing_status_intervals"),
            ("presence", "system_presence", "user_presence_intervals"),
        )
    )


def create_user_activity_views(conn: Connection, schema: str | None) -> None:
    quote = conn.dialect.identifier_preparer.quote_identifier
    prefix = f"{quote(schema)}." if schema else ""
    tables = ("user_presence_intervals", "user_routing_status_intervals", "presence_definitions", "user_activity_days")
    names = {name: prefix + quote(name) for name in (*tables, "v_agent_daily_status", "v_agent_interval_status")}
    days = _DAY_WINDOWS.format(days=names["user_activity_days"])
    half_hours = _HALF_HOUR_WINDOWS.format(days=names["user_activity_days"])
    views = {
        "v_user_presence": V_USER_PRESENCE.format(**names),
        "v_agent_daily_status": _status_sql(days, "", names),
        "v_agent_daily_kpis": _KPIS.format(keys="", status=names["v_agent_daily_status"]),
        "v_agent_interval_status": _status_sql(half_hours, ", w.interval_start", names),
        "v_agent_interval_kpis": _KPIS.format(keys=", interval_start", status=names["v_agent_interval_status"]),
    }
    for view in reversed(views):  # dependants first
        conn.exec_driver_sql(f"DROP VIEW IF EXISTS {prefix}{quote(view)}")
    for view, select in views.items():
        conn.exec_driver_sql(f"CREATE VIEW {prefix}{quote(view)} AS {select}")
