"""The agent-activity section: per day what the warehouse holds of ``genesys_user_activity_daily``'s
dataset, the day's latest run and its reconciliation against the users aggregates.

Tiles and the table are the warehouse's counts (:mod:`.agent_days`), so they add up to what
the tables hold; the charts show the intervals per day and the cells that disagree with
Genesys. A window with neither agent data nor an attempt of that DAG says so in one line.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from genesys_pipeline.health.agent_days import AgentTotals
from genesys_pipeline.health.parts import (
    STATUS_COLORS,
    charts_html,
    days_axis,
    days_tile,
    styled_table,
    tiles_html,
    titled_figure,
)

AGENT_TABLE_COLUMNS = {
    "partition": "Day",
    "status": "Status",
    "users": "Users loaded",
    "presence_intervals": "Presence intervals",
    "routing_intervals": "Routing-status intervals",
    "open_intervals": "Open intervals",
    "reconciliation": "Reconciliation",
    "cells_compared": "Cells compared",
    "cells_differing": "Cells differing",
    "largest_difference_ms": "Largest Δ (ms)",
    "last_extracted_at": "Last extracted",
    "run_id": "Latest run",
}
NOTE = (
    "Per UTC day of agent activity (DAG <code>genesys_user_activity_daily</code>): users loaded (a day the DAG "
    "never extracted holds only intervals that crossed into the next day, and no users: <b>partial</b>), presence and "
    "routing-status intervals that started that day and how many are still <b>open</b> (no end yet; a later run "
    "closes them), when the day was last extracted, its latest run, and the latest reconciliation of time per user "
    "and routing status against Genesys's users aggregates (a cell: one user x one status; differing by more than "
    "the tolerance makes the day <b>incomplete</b>)."
)


def intervals_chart(summary: pd.DataFrame) -> go.Figure:
    traces = [
        go.Bar(x=summary["partition"], y=summary[column], name=name, marker_color=color)
        for column, name, color in (
            ("presence_intervals", "presence", "#5c6bc0"),
            ("routing_intervals", "routing status", "#26a69a"),
        )
    ]
    return days_axis(titled_figure("Agent intervals per day", traces, barmode="group"), summary)


def agent_reconciliation_chart(summary: pd.DataFrame) -> go.Figure:
    compared = pd.to_numeric(summary["cells_compared"], errors="coerce")
    differing = pd.to_numeric(summary["cells_differing"], errors="coerce")
    traces = [
        go.Bar(x=summary["partition"], y=compared - differing.fillna(0), name="equal", marker_color="#66bb6a"),
        go.Bar(x=summary["partition"], y=differing, name="differing", marker_color=STATUS_COLORS["failed"]),
    ]
    return days_axis(titled_figure("Reconciliation vs users aggregates (cells)", traces), summary)


def agent_tiles(totals: AgentTotals) -> str:
    reconciled = f"{totals.days_reconciled:,}" + (
        f' <span class="small">({totals.days_differing} differing)</span>' if totals.days_differing else ""
    )
    return tiles_html(
        [
            days_tile(totals.days, totals.by_status),
            ("User-days in the warehouse", f"{totals.user_days:,}"),
            ("Presence intervals", f"{totals.presence_intervals:,}"),
            ("Routing-status intervals", f"{totals.routing_intervals:,}"),
            ("Still open", f"{totals.open_intervals:,}"),
            ("Days reconciled", reconciled),
        ]
    )


def agent_table_html(summary: pd.DataFrame) -> str:
    table = summary.iloc[::-1].reindex(columns=list(AGENT_TABLE_COLUMNS)).rename(columns=AGENT_TABLE_COLUMNS)
    return styled_table(table, "agents", ["Latest run"], ["Last extracted"], statuses=("Status", "Reconciliation"))


def has_activity(summary: pd.DataFrame) -> bool:
    """Any agent data held, or any attempt of the agent DAG, in the window."""
    return bool(summary[["users", "presence_intervals", "routing_intervals", "attempts"]].to_numpy().sum())


def agent_section_html(summary: pd.DataFrame) -> str:
    section = f'<h2>Agent activity</h2><div class="note">{NOTE}</div>'
    if not has_activity(summary):
        return section + '<div class="empty">No agent activity is loaded or synced for these days.</div>'
    return (
        section
        + f'<div class="tiles">{agent_tiles(AgentTotals.of(summary))}</div>'
        + charts_html([intervals_chart(summary), agent_reconciliation_chart(summary)])
        + f'<div class="table-wrap">{agent_table_html(summary)}</div>'
    )
