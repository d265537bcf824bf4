"""The queue report as warehouse views, computed from ``session_metrics`` with Genesys's attribution rules.

* A metric counts in the half hour of its ``emit_date`` (not of the conversation's start), for
  the queue and media type of the session that emitted it: a conversation transferred between
  queues counts in each, in whichever half hours its metrics were emitted.
* ``count`` of an ``n*`` metric is the sum of its values; of a ``t*`` metric, how many were
  emitted; ``sum``/``min``/``max`` exist for ``t*`` only. This is the shape of Genesys's
  aggregates cells, so ``v_queue_interval_metrics`` compares with ``queue_interval_aggregates``
  cell by cell (genesys_pipeline.report.kpi_reconcile).
* Averages are the sum of a metric over the count of the same metric (ASA = tAnswered sum /
  tAnswered count), never over another metric's count.

Views: ``v_queue_interval_metrics`` / ``v_agent_interval_metrics`` (raw cells, long form),
``v_queue_interval_kpis``, ``v_queue_daily_kpis``, ``v_agent_daily_queue_kpis`` (derived measures);
the queue ones also show the queue's own service-level target (``queue_service_levels``) and
whether the row met it, while ``over_sla`` stays Genesys's ``nOverSla``.
Definitions: docs/kpis.md. Only the half-hour bucket differs by dialect (text on SQLite,
timestamptz on PostgreSQL); both produce ``YYYY-MM-DDTHH:MM:00.000Z`` text, the form of
Genesys's interval starts.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection

_BUCKET = {
    "sqlite": "substr({col}, 1, 14) || CASE WHEN substr({col}, 15, 2) < '30' THEN '00' ELSE '30' END || ':00.000Z'",
    "postgresql": (
        "to_char(date_trunc('hour', {col} AT TIME ZONE 'UTC') + "
        "CAST(FLOOR(EXTRACT(MINUTE FROM {col} AT TIME ZONE 'UTC') / 30) AS INTEGER) * INTERVAL '30 minutes', "
        '\'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"\')'
    ),
}


def bucket_expression(dialect: str, column: str) -> str:
    """SQL for the start of the UTC half hour holding ``column`` (a timestamp), as ISO text."""
    if dialect not in _BUCKET:
        raise ValueError(f"unsupported warehouse dialect {dialect!r}; expected one of {', '.join(_BUCKET)}")
    return _BUCKET[dialect].format(col=column)


def emitted_metrics_sql(dialect: str, names: dict[str, str], where: str = "") -> str:
    """One row per emitted n*/t* metric: its half hour, the emitting session's queue, media type and user.

    The session's queue is its segments' queue (the smallest if a session ever had several, as
    the emulator and Genesys group a session once). ``where`` narrows on ``m`` (e.g. an emit window)."""
    extra = f" AND ({where})" if where else ""
    return f"""
SELECT {bucket_expression(dialect, "m.emit_date")} AS interval_start, m.name AS metric, m.value,
       (SELECT MIN(g.queue_id) FROM {names["segments"]} g WHERE g.session_id = m.session_id) AS queue_id,
       s.media_type, p.user_id
FROM {names["session_metrics"]} m
JOIN {names["sessions"]} s ON s.session_id = m.session_id
JOIN {names["participants"]} p ON p.participant_id = s.participant_id
WHERE substr(m.name, 1, 1) IN ('n', 't'){extra}"""


def cells_sql(source: str, keys: tuple[str, ...]) -> str:
    """Genesys's stats per (keys, metric) over rows of :func:`emitted_metrics_sql`."""
    columns = ", ".join(f"e.{key}" for key in keys)
    return f"""
SELECT {columns}, e.metric,
       CASE WHEN substr(e.metric, 1, 1) = 'n' THEN CAST(SUM(e.value) AS BIGINT) ELSE COUNT(*) END AS count,
       CASE WHEN substr(e.metric, 1, 1) = 't' THEN CAST(SUM(e.value) AS BIGINT) END AS sum,
       CASE WHEN substr(e.metric, 1, 1) = 't' THEN MIN(e.value) END AS min,
       CASE WHEN substr(e.metric, 1, 1) = 't' THEN MAX(e.value) END AS max
FROM ({source}) e
GROUP BY {columns}, e.metric"""


def _stat(metric: str, stat: str = "count") -> str:
    return f"SUM(CASE WHEN c.metric = '{metric}' THEN c.{stat} END)"


def _given(metric: str) -> str:
    return f"COALESCE({_stat(metric)}, 0)"


def _ratio(numerator: str, denominator: str) -> str:
    return f"1.0 * {numerator} / NULLIF({denominator}, 0)"


# KPI column -> SQL over a cells view ``c``; the documented list (docs/kpis.md) follows this order.
KPI_COLUMNS: dict[str, str] = {
    "offered": _stat("nOffered"),
    "answered": _stat("tAnswered"),
    "abandoned": _stat("tAbandon"),
    "short_abandoned": _stat("tShortAbandon"),
    "over_sla": _stat("nOverSla"),
    "transferred": _stat("nTransferred"),
    "handled": _stat("tHandle"),
    "outbound": _stat("nOutbound"),
    "answer_ms": _stat("tAnswered", "sum"),
    "acd_ms": _stat("tAcd", "sum"),
    "abandon_ms": _stat("tAbandon", "sum"),
    "alert_ms": _stat("tAlert", "sum"),
    "talk_ms": _stat("tTalk", "sum"),
    "held_ms": _stat("tHeld", "sum"),
    "acw_ms": _stat("tAcw", "sum"),
    "handle_ms": _stat("tHandle", "sum"),
    "asa_ms": _ratio(_stat("tAnswered", "sum"), _stat("tAnswered")),
    "aht_ms": _ratio(_stat("tHandle", "sum"), _stat("tHandle")),
    "avg_talk_ms": _ratio(_stat("tTalkComplete", "sum"), _stat("tTalkComplete")),
    "avg_hold_ms": _ratio(_stat("tHeld", "sum"), _stat("tHeld")),
    "avg_acw_ms": _ratio(_stat("tAcw", "sum"), _stat("tAcw")),
    "abandon_rate": _ratio(_stat("tAbandon"), _stat("nOffered")),
    "service_level": _ratio(
        f"({_given('tAnswered')} - {_given('nOverSla')})",
        f"({_given('tAnswered')} + {_given('tAbandon')} - {_given('tShortAbandon')})",
    ),
}


def kpis_sql(cells_view: str, keys: dict[str, str], name_join: str = "") -> str:
    """The derived measures per ``keys`` (output column -> expression over ``c``) from a cells view."""
    grouped = ", ".join(keys.values())
    selected = ", ".join(f"{expr} AS {column}" for column, expr in keys.items())
    measures = ",\n       ".join(f"{expr} AS {column}" for column, expr in KPI_COLUMNS.items())
    return f"SELECT {selected}{name_join},\n       {measures}\nFROM {cells_view} c\nGROUP BY {grouped}"


_DAY = "substr(c.interval_start, 1, 10)"
_TARGET = (
    "(SELECT t.{column} FROM {{queue_service_levels}} t WHERE t.queue_id = c.queue_id AND t.media_type = c.media_type)"
)
# The queue's own target beside its service level (queue_service_levels, from the queues lookup's
# mediaSettings) and whether the row met it: 1 / 0, NULL without a target or a service level.
# nOverSla stays Genesys's count (it applied the target it had at the time); the target shown is
# today's, so ``service_level_met`` for an old day is against the current target.
_QUEUE_NAME = (
    ", (SELECT q.name FROM {queues} q WHERE q.id = c.queue_id) AS queue_name"
    f", {_TARGET.format(column='duration_ms')} AS service_level_target_ms"
    f", {_TARGET.format(column='percentage')} AS service_level_target"
    f", CASE WHEN {KPI_COLUMNS['service_level']} IS NULL OR {_TARGET.format(column='percentage')} IS NULL THEN NULL"
    f" WHEN {KPI_COLUMNS['service_level']} >= {_TARGET.format(column='percentage')} THEN 1 ELSE 0 END"
    " AS service_level_met"
)
_USER_NAME = ", (SELECT u.name FROM {users} u WHERE u.id = c.user_id) AS user_name"


def kpi_views(dialect: str) -> dict[str, Callable[[dict[str, str]], str]]:
    """View name -> its SELECT, given the quoted, schema-qualified table and view names."""
    return {
        "v_queue_interval_metrics": lambda n: cells_sql(
            emitted_metrics_sql(dialect, n), ("interval_start", "queue_id", "media_type")
        ),
        "v_agent_interval_metrics": lambda n: cells_sql(
            emitted_metrics_sql(dialect, n, "p.user_id IS NOT NULL"), ("interval_start", "user_id", "media_type")
        ),
        "v_queue_interval_kpis": lambda n: kpis_sql(
            n["v_queue_interval_metrics"],
            {"interval_start": "c.interval_start", "queue_id": "c.queue_id", "media_type": "c.media_type"},
            _QUEUE_NAME.format(**n),
        ),
        "v_queue_daily_kpis": lambda n: kpis_sql(
            n["v_queue_interval_metrics"],
            {"day": _DAY, "queue_id": "c.queue_id", "media_type": "c.media_type"},
            _QUEUE_NAME.format(**n),
        ),
        "v_agent_daily_queue_kpis": lambda n: kpis_sql(
            n["v_agent_interval_metrics"],
            {"day": _DAY, "user_id": "c.user_id", "media_type": "c.media_type"},
            _USER_NAME.format(**n),
        ),
    }


_TABLES = ("segments", "sessions", "participants", "session_metrics", "queues", "queue_service_levels", "users")


def create_kpi_views(conn: Connection, schema: str | None) -> None:
    """(Re)create the KPI views, dependants dropped first and created last."""
    quote = conn.dialect.identifier_preparer.quote_identifier
    prefix = f"{quote(schema)}." if schema else ""
    views = kpi_views(conn.dialect.name)
    names = {name: prefix + quote(name) for name in (*_TABLES, *views)}
    for view in reversed(views):
        conn.exec_driver_sql(f"DROP VIEW IF EXISTS {names[view]}")
    for view, select in views.items():
        conn.exec_driver_sql(f"CREATE VIEW {names[view]} AS {select(names)}")
