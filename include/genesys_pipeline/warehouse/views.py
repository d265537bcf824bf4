"""Category views over the normalized tables: the "data categories" analysts ask for.

Names come from the lookup tables (``users``, ``queues``, ``wrapup_codes``), which the schema
creates empty and the reference-data sync fills; the views LEFT JOIN them, so they work
before that sync has ever run (names are NULL until then). Plain SQL that SQLite and
PostgreSQL both accept; rebuilt on every ``ensure_schema`` so they follow the table specs.
"""

from __future__ import annotations

from sqlalchemy import Connection

from genesys_pipeline.warehouse.kpi_views import create_kpi_views
from genesys_pipeline.warehouse.user_views import create_user_activity_views

_DISCONNECTED_BY = """
  CASE
    WHEN d.disconnect_type IS NULL THEN NULL
    WHEN d.disconnect_type IN ('client', 'endpoint') THEN p.purpose
    WHEN d.disconnect_type = 'peer' THEN 'peer'
    WHEN d.disconnect_type IN ('transfer', 'conferenceTransfer', 'consultTransfer', 'forwardTransfer',
                               'noAnswerTransfer', 'notAvailableTransfer', 'dndTransfer', 'takeover')
      THEN 'transfer'
    WHEN d.disconnect_type IN ('system', 'error', 'timeout', 'transportFailure', 'inactivity',
                               'sessionExpired', 'spam', 'uncallable', 'dndEndpoint')
      THEN 'system'
    ELSE 'other'
  END"""

VIEWS: dict[str, str] = {
    # One row per wrap-up segment.
    "v_wrapups": """
SELECT sg.conversation_id, s.participant_id, sg.session_id, p.user_id, u.name AS user_name,
       sg.queue_id, q.name AS queue_name, sg.wrap_up_code AS wrap_up_code_id, w.name AS wrap_up_code_name,
       sg.wrap_up_note, sg.wrap_up_tags, s.media_type,
       sg.segment_start AS wrap_up_start, sg.segment_end AS wrap_up_end
FROM {segments} sg
JOIN {sessions} s ON s.session_id = sg.session_id
JOIN {participants} p ON p.participant_id = s.participant_id
LEFT JOIN {wrapup_codes} w ON w.id = sg.wrap_up_code
LEFT JOIN {users} u ON u.id = p.user_id
LEFT JOIN {queues} q ON q.id = sg.queue_id
WHERE sg.wrap_up_code IS NOT NULL""",
    # One row per participant session: how it ended, who ended it, and the flow's exit.
    "v_dispositions": f"""
SELECT s.conversation_id, s.participant_id, s.session_id, p.purpose, p.user_id, s.media_type, s.direction,
       d.disconnect_type, d.segment_end AS disconnected_at, {_DISCONNECTED_BY} AS disconnected_by,
       s.flow_id, s.flow_name, s.flow_type, s.flow_exit_reason, s.flow_transfer_type,
       o.flow_outcome, o.flow_outcome_value, s.disposition_name, s.disposition_analyzer
FROM {{sessions}} s
JOIN {{participants}} p ON p.participant_id = s.participant_id
LEFT JOIN {{segments}} d ON d.session_id = s.session_id AND d.segment_index = (
    SELECT MAX(x.segment_index) FROM {{segments}} x
    WHERE x.session_id = s.session_id AND x.disconnect_type IS NOT NULL)
LEFT JOIN {{session_flow_outcomes}} o ON o.session_id = s.session_id AND o.outcome_index = (
    SELECT MAX(y.outcome_index) FROM {{session_flow_outcomes}} y WHERE y.session_id = s.session_id)""",
    # One row per ACD (queue) session. answered: some session of the conversation reports
    # tAnswered; abandoned: this queue session reports tAbandon; time in queue: tAcd, or
    # tAbandon when the customer gave up.
    "v_routing": """
SELECT s.conversation_id, s.participant_id, s.session_id, s.media_type, s.direction,
       (SELECT x.queue_id FROM {segments} x WHERE x.session_id = s.session_id AND x.queue_id IS NOT NULL
        ORDER BY x.segment_index LIMIT 1) AS queue_id,
       q.name AS queue_name, s.requested_routings, s.used_routing, s.routing_rule_type, s.routing_rule,
       s.selected_agent_id,
       (SELECT MIN(x.segment_start) FROM {segments} x WHERE x.session_id = s.session_id) AS entered_queue_at,
       (SELECT MAX(x.segment_end) FROM {segments} x WHERE x.session_id = s.session_id) AS left_queue_at,
       COALESCE(
         (SELECT CAST(SUM(m.value) AS BIGINT) FROM {session_metrics} m
          WHERE m.session_id = s.session_id AND m.name = 'tAcd'),
         (SELECT CAST(SUM(m.value) AS BIGINT) FROM {session_metrics} m
          WHERE m.session_id = s.session_id AND m.name = 'tAbandon')) AS time_in_queue_ms,
       EXISTS (SELECT 1 FROM {session_metrics} m
               WHERE m.conversation_id = s.conversation_id AND m.name = 'tAnswered') AS answered,
       EXISTS (SELECT 1 FROM {session_metrics} m
               WHERE m.session_id = s.session_id AND m.name = 'tAbandon') AS abandoned
FROM {sessions} s
JOIN {participants} p ON p.participant_id = s.participant_id AND p.purpose = 'acd'
LEFT JOIN {queues} q ON q.id = (
    SELECT x.queue_id FROM {segments} x WHERE x.session_id = s.session_id AND x.queue_id IS NOT NULL
    ORDER BY x.segment_index LIMIT 1)""",
}

_REFERENCED = (
    "segments",
    "sessions",
    "participants",
    "session_metrics",
    "session_flow_outcomes",
    "users",
    "queues",
    "wrapup_codes",
)


def create_views(conn: Connection, schema: str | None) -> None:
    """(Re)create every view; names are quoted and schema-qualified where the dialect has schemas."""
    quote = conn.dialect.identifier_preparer.quote_identifier
    prefix = f"{quote(schema)}." if schema else ""
    names = {name: prefix + quote(name) for name in _REFERENCED}
    for view, select in VIEWS.items():
        conn.exec_driver_sql(f"DROP VIEW IF EXISTS {prefix}{quote(view)}")
        conn.exec_driver_sql(f"CREATE VIEW {prefix}{quote(view)} AS {select.format(**names)}")
    create_kpi_views(conn, schema)  # the queue report (dialect-specific half-hour buckets)
    create_user_activity_views(conn, schema)
