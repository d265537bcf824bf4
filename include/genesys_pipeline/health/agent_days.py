"""Per-day health of the agent-activity dataset (``genesys_user_activity_daily``), keyed on the days' data.

What a day shows is what the warehouse holds for it now: users loaded (``user_activity_days``),
presence and routing-status intervals started that UTC day and how many of them are still open
(``end_time`` NULL: closed by a later run), and when the day was last extracted (the newest
``_extracted_at`` of its user-days). From that DAG's ``sync_audit`` rows: the day's latest
attempt and its latest reconciliation against the users aggregates (time per user and routing
status; cells compared, differing, the largest difference in ms). Status follows the
conversation days' rule (:func:`genesys_pipeline.health.summary.day_status`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlalchemy import Engine, inspect

from genesys_pipeline.health.sources import day_counts, table_name
from genesys_pipeline.health.summary import day_status, days_by_status, own_attempts, window_days
from genesys_pipeline.tables.users import USER_ACTIVITY_DAYS, USER_PRESENCE_INTERVALS, USER_ROUTING_STATUS_INTERVALS
from genesys_pipeline.warehouse.engine import schema_for

COUNTS = ["users", "presence_intervals", "open_presence", "routing_intervals", "open_routing"]
RECONCILIATION_COLUMNS = ["reconciliation", "cells_compared", "cells_differing", "largest_difference_ms"]
AGENT_COLUMNS = [
    "partition",
    "status",
    *COUNTS,
    "open_intervals",
    *RECONCILIATION_COLUMNS,
    "last_extracted_at",
    "run_id",
    "attempts",
]


def read_holdings(engine: Engine, since: date) -> pd.DataFrame:
    """Per day from ``since`` with agent data: COUNTS and ``last_extracted_at``, counted from the tables now."""
    present = set(inspect(engine).get_table_names(schema=schema_for(engine)))
    frame = pd.DataFrame(columns=["partition", *COUNTS, "last_extracted_at"])
    if USER_ACTIVITY_DAYS.name not in present:
        return frame
    days = day_counts(
        engine,
        f"SELECT activity_date, COUNT(*), MAX(_extracted_at) FROM {table_name(engine, USER_ACTIVITY_DAYS.name)} "
        "WHERE activity_date >= :since GROUP BY activity_date",
        since,
        ["partition", "users", "last_extracted_at"],
    )
    days["last_extracted_at"] = pd.to_datetime(days["last_extracted_at"], utc=True, format="ISO8601")
    for spec, kind in ((USER_PRESENCE_INTERVALS, "presence"), (USER_ROUTING_STATUS_INTERVALS, "routing")):
        intervals = day_counts(
            engine,
            "SELECT activity_date, COUNT(*), SUM(CASE WHEN end_time IS NULL THEN 1 ELSE 0 END) "
            f"FROM {table_name(engine, spec.name)} WHERE activity_date >= :since GROUP BY activity_date",
            since,
            ["partition", f"{kind}_intervals", f"open_{kind}"],
        )
        days = days.merge(intervals, how="outer", on="partition")
    return days.reindex(columns=frame.columns)


def agent_summary(holdings: pd.DataFrame, audit: pd.DataFrame, days: int, end: date) -> pd.DataFrame:
    """One row per day of the window (oldest first), in :data:`AGENT_COLUMNS` order."""
    frame = pd.DataFrame({"partition": window_days(days, end)}).merge(holdings, how="left", on="partition")
    if audit.empty:
        frame = frame.assign(own_status=None, own_recorded_at=pd.NaT, attempts=0, run_id=None)
    else:
        latest, reconciled = own_attempts(audit)
        for column in RECONCILIATION_COLUMNS:
            source = "status" if column == "reconciliation" else column
            latest[column] = reconciled.map(lambda r, c=source: r.get(c))
        frame = frame.merge(latest, how="left", left_on="partition", right_index=True)
    for count in [*COUNTS, "attempts"]:
        frame[count] = pd.to_numeric(frame[count]).fillna(0).astype(int)
    frame["open_intervals"] = frame["open_presence"] + frame["open_routing"]
    # a day holding only intervals that crossed into the next day's extraction is partial, not missing
    frame["held"] = frame["users"] + frame["presence_intervals"] + frame["routing_intervals"]
    frame["status"] = frame.apply(day_status, axis=1, held="held") if len(frame) else None
    return frame.reindex(columns=AGENT_COLUMNS)


@dataclass(frozen=True)
class AgentTotals:
    """The window's agent-activity totals: what the warehouse holds for these days, days per state."""

    days: int
    by_status: dict[str, int]
    user_days: int
    presence_intervals: int
    routing_intervals: int
    open_intervals: int
    days_reconciled: int
    days_differing: int

    @classmethod
    def of(cls, summary: pd.DataFrame) -> AgentTotals:
        return cls(
            days=len(summary),
            by_status=days_by_status(summary),
            user_days=int(summary["users"].sum()),
            presence_intervals=int(summary["presence_intervals"].sum()),
            routing_intervals=int(summary["routing_intervals"].sum()),
            open_intervals=int(summary["open_intervals"].sum()),
            days_reconciled=int(summary["reconciliation"].notna().sum()),
            days_differing=int((pd.to_numeric(summary["cells_differing"], errors="coerce").fillna(0) > 0).sum()),
        )
