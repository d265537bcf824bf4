"""The queue map: one day's queues x UTC half hours, each cell green when the details equal Genesys's
cells for that queue and half hour (every media type and metric compared), red when a value differs,
amber when the only differences are cells one side lacks (a dropped page, a half hour not loaded).

Hovering a cell names the differing metrics (details vs Genesys) and the largest difference; a
short table under the map lists the differing cells for a reader without a pointer. A day whose
Genesys cells were never stored says so instead of drawing an empty map.
"""

from __future__ import annotations

import html
from datetime import date, datetime, timedelta

import pandas as pd
import plotly.graph_objects as go

from genesys_pipeline.health.parts import STATUS_COLORS, chart_html, ms_text, styled_table, titled_figure
from genesys_pipeline.health.queue_cells import QueueDay

EQUAL, ONE_SIDED, DIFFERS = 0, 1, 2
STATES = (
    (EQUAL, "equal to Genesys", "#66bb6a"),
    (ONE_SIDED, "cell on one side only", STATUS_COLORS["incomplete"]),
    (DIFFERS, "values differ", STATUS_COLORS["failed"]),
)
MAX_LISTED = 20
LISTED_COLUMNS = {
    "queue": "Queue",
    "half_hour": "Half hour (UTC)",
    "differing": "Cells differing",
    "one_sided": "On one side only",
    "compared": "Cells compared",
    "largest_difference": "Largest Δ",
    "metrics": "Differing metrics (details vs Genesys)",
}


def half_hours(day: date) -> list[str]:
    """The day's 48 half-hour starts as the views write them (``…T10:30:00.000Z``)."""
    midnight = datetime(day.year, day.month, day.day)
    return [(midnight + timedelta(minutes=30 * n)).strftime("%Y-%m-%dT%H:%M:00.000Z") for n in range(48)]


def state(row: pd.Series) -> int:
    """A (queue, half hour)'s colour: any value disagreement is red, only one-sided cells amber."""
    if not row["differing"]:
        return EQUAL
    return DIFFERS if row["differing"] > row["one_sided"] else ONE_SIDED


def _hover(row: pd.Series) -> str:
    head = f"{row['compared']} cells compared, {row['differing']} differ ({row['one_sided']} on one side only)"
    if not row["differing"]:
        return head
    listed = [html.escape(line) for line in row["differences"][:8]]
    more = len(row["differences"]) - len(listed)
    return "<br>".join(
        [
            head,
            f"largest Δ {ms_text(row['largest_difference'])}",
            *listed,
            *([f"… and {more} more"] if more > 0 else []),
        ]
    )


def queue_map_figure(queue_day: QueueDay) -> go.Figure:
    grid = queue_day.grid
    columns = half_hours(queue_day.day)
    queues = sorted(grid["queue"].unique())
    cells = grid.set_index(["queue", "interval_start"])
    z: list[list[float | None]] = []
    text: list[list[str]] = []
    for queue in queues:
        z.append([])
        text.append([])
        for column in columns:
            if (queue, column) in cells.index:
                row = cells.loc[(queue, column)]
                z[-1].append(state(row))
                text[-1].append(_hover(row))
            else:
                z[-1].append(None)
                text[-1].append("no cell either side")
    labels = [column[11:16] for column in columns]
    heatmap = go.Heatmap(
        z=z,
        x=labels,
        y=queues,
        text=text,
        hovertemplate="<b>%{y}</b> · %{x} UTC<br>%{text}<extra></extra>",
        colorscale=[[bound, color] for n, _name, color in STATES for bound in (n / 3, (n + 1) / 3)],
        zmin=EQUAL - 0.5,
        zmax=DIFFERS + 0.5,
        showscale=False,
        xgap=1,
        ygap=1,
    )
    keys = [
        go.Scatter(x=[None], y=[None], mode="markers", name=name, marker=dict(symbol="square", size=12, color=color))
        for _state, name, color in STATES
    ]
    chart = titled_figure(
        f"Queue x half hour, {queue_day.day}: details against Genesys's cells",
        [heatmap, *keys],
        height=140 + 24 * len(queues),
        margin=dict(l=10, r=20, t=40, b=40),
        legend=dict(orientation="h", x=1, xanchor="right", y=1.02, yanchor="bottom"),
    )
    chart.update_xaxes(type="category", categoryorder="array", categoryarray=labels, tickangle=-45, automargin=True)
    chart.update_yaxes(type="category", autorange="reversed", automargin=True)
    return chart


def listed_table_html(queue_day: QueueDay) -> str:
    differing = queue_day.differing.sort_values(["largest_difference", "queue"], ascending=[False, True])
    table = differing.head(MAX_LISTED).assign(
        half_hour=lambda t: t["interval_start"].str[11:16],
        metrics=lambda t: t["differences"].map(lambda lines: "; ".join(lines)),
        largest_difference=lambda t: t["largest_difference"].map(ms_text),
    )
    table = table.reindex(columns=list(LISTED_COLUMNS)).rename(columns=LISTED_COLUMNS)
    return styled_table(table, "queue-cells", [LISTED_COLUMNS["metrics"]], [], statuses=())


def queue_map_html(queue_day: QueueDay) -> str:
    """The section for the day's cells (a day without stored Genesys cells says so)."""
    section = "<h2>Queue report, cell by cell</h2>"
    if not queue_day.genesys_cells:
        return section + (
            f'<div class="empty">No Genesys queue cells are stored for {queue_day.day} '
            "(table <code>queue_interval_aggregates</code>): nothing to compare the details with.</div>"
        )
    grid = queue_day.grid
    differing = queue_day.differing
    note = (
        f"{queue_day.day}: {len(differing)} of {len(grid)} queue half hours differ; "
        f"{int(differing['differing'].sum()):,} of {int(grid['compared'].sum()):,} cells (metric x media type) "
        f"differ, {int(differing['one_sided'].sum()):,} of them present on one side only; largest Δ "
        f"{ms_text(float(grid['largest_difference'].max()))}. Counts must be equal, sums, minima and maxima (ms) "
        "within the reconciliation's rounding; a side without the cell counts as zero. Hover a cell for its metrics."
    )
    body = f'<div class="note">{note}</div><div class="chart wide">{chart_html(queue_map_figure(queue_day))}</div>'
    if len(differing):
        body += f'<div class="table-wrap">{listed_table_html(queue_day)}</div>'
        if len(differing) > MAX_LISTED:
            body += f'<div class="note">The {MAX_LISTED} largest of {len(differing)} listed.</div>'
    return section + body
