"""The page's shared pieces: status colours, the chart frame, tiles and styled tables.

Every section (conversation days, runs, the queue map, agent activity) draws with these, so
the sections look alike and none imports another.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
import plotly.graph_objects as go

from genesys_pipeline.health.summary import COVERED, MISSING, PARTIAL

STATUS_COLORS = {
    "success": "#2e7d32",
    "match": "#2e7d32",
    "incomplete": "#f9a825",
    COVERED: "#66bb6a",
    PARTIAL: "#90a4ae",
    "retry": "#8d6e63",
    "failed": "#c62828",
    MISSING: "#bdbdbd",
}
WRAP = {"white-space": "normal", "word-break": "break-all", "min-width": "8em", "max-width": "14em"}
LAYOUT = dict(
    height=270,
    margin=dict(l=50, r=20, t=40, b=30),
    template="plotly_white",
    barmode="stack",
    legend=dict(orientation="h", y=-0.2),
    font=dict(family="system-ui, sans-serif", size=12),
)


def days_axis(chart: go.Figure, summary: pd.DataFrame) -> go.Figure:
    """The whole window (``summary["partition"]``, oldest first) on a date axis, so a day without data is a gap."""
    half_day = pd.Timedelta(hours=12)
    first, last = pd.Timestamp(summary["partition"].iloc[0]), pd.Timestamp(summary["partition"].iloc[-1])
    chart.update_xaxes(type="date", range=[first - half_day, last + half_day], tickformat="%b %d")
    return chart


def titled_figure(title: str, traces: Iterable[go.BaseTraceType], **layout: object) -> go.Figure:
    chart = go.Figure(list(traces))
    chart.update_layout(title=dict(text=title, x=0.01), **{**LAYOUT, **layout})
    return chart


def chart_html(chart: go.Figure) -> str:
    return chart.to_html(full_html=False, include_plotlyjs=False, config={"displayModeBar": False})


def charts_html(figures: Iterable[go.Figure]) -> str:
    """Charts side by side (two per row on a wide screen)."""
    return '<div class="charts">' + "".join(f'<div class="chart">{chart_html(f)}</div>' for f in figures) + "</div>"


def tiles_html(items: list[tuple[str, str]]) -> str:
    return "".join(
        f'<div class="tile"><div class="label">{label}</div><div class="value">{value}</div></div>'
        for label, value in items
    )


def days_tile(days: int, by_status: dict[str, int]) -> tuple[str, str]:
    """The tile naming the window's days, one coloured line per status."""
    lines = "<br>".join(f'<span style="color:{STATUS_COLORS[s]}">{n} {s}</span>' for s, n in by_status.items())
    return f"{days} days", f'<span class="small">{lines}</span>'


def ms_text(value: float) -> str:
    """A millisecond figure unrounded to the ms (a 0.4 ms difference is not 0) and never in exponent form."""
    return f"{value:,.3f}".rstrip("0").rstrip(".")


def status_cell(status: object) -> str:
    color = STATUS_COLORS.get(str(status))
    return f"background-color: {color}; color: white; font-weight: 600" if color else ""


def timestamp(value: object) -> str:
    return "" if pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d %H:%M UTC")


def styled_table(
    table: pd.DataFrame, css_class: str, wrap: list[str], timestamps: list[str], statuses: tuple[str, ...] = ("Status",)
) -> str:
    """A pandas Styler table: status cells coloured, counts with thousands separators, values escaped."""
    styler = (
        table.style.hide(axis="index")
        .map(status_cell, subset=list(statuses))
        .format(na_rep="", precision=0, thousands=",", escape="html")
        .set_properties(subset=wrap, **WRAP)
        .set_table_attributes(f'class="{css_class}"')
    )
    for column in timestamps:
        styler = styler.format(timestamp, subset=[column])
    return styler.to_html()
