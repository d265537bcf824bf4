"""The sync-health page as one HTML document: headline numbers, plotly charts, the per-day table.

plotly.js is either inlined (``make report``: a single file that works offline) or referenced
by URL (the Airflow plugin serves it once, cached, beside the page). The table is pandas'
Styler; the only hand-written markup is the page frame and its stylesheet.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable
from datetime import UTC, date, datetime

import pandas as pd
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs
from plotly.subplots import make_subplots
from sqlalchemy import Engine

from genesys_pipeline.health.sources import read_sources
from genesys_pipeline.health.summary import MISSING, HealthTotals, default_end, partition_summary, window_days

INLINE = "inline"
STATUS_COLORS = {
    "success": "#2e7d32",
    "incomplete": "#f9a825",
    "retry": "#8d6e63",
    "failed": "#c62828",
    "missing": "#bdbdbd",
}
TABLE_COLUMNS = {
    "partition": "Day",
    "status": "Status",
    "attempts": "Attempts",
    "failed_attempts": "Failed tries",
    "conversations_fetched": "Fetched",
    "conversations_loaded": "Loaded",
    "conversations_rejected": "Rejected",
    "completeness_rate": "Completeness",
    "reconciliation": "Reconciliation",
    "conversations_delta": "Δ vs aggregates",
    "genesys_offered": "Offered (Genesys)",
    "last_extracted_at": "Last extracted",
    "open_conversations": "Open",
    "api_requests": "API requests",
    "api_retries": "Retries",
    "api_throttled": "429s",
    "extract_seconds": "Extract s",
    "load_seconds": "Load s",
    "run_id": "Latest run",
}
_LAYOUT = dict(
    height=270,
    margin=dict(l=50, r=20, t=40, b=30),
    template="plotly_white",
    barmode="stack",
    legend=dict(orientation="h", y=-0.2),
    font=dict(family="system-ui, sans-serif", size=12),
)


def _days_axis(figure: go.Figure, summary: pd.DataFrame) -> go.Figure:
    """The whole window on a date axis, so a day without data is a visible gap."""
    half_day = pd.Timedelta(hours=12)
    first, last = pd.Timestamp(summary["partition"].iloc[0]), pd.Timestamp(summary["partition"].iloc[-1])
    figure.update_xaxes(type="date", range=[first - half_day, last + half_day], tickformat="%b %d")
    return figure


def _figure(title: str, summary: pd.DataFrame, traces: Iterable[go.BaseTraceType], **layout: object) -> go.Figure:
    figure = go.Figure(list(traces))
    figure.update_layout(title=dict(text=title, x=0.01), **{**_LAYOUT, **layout})
    return _days_axis(figure, summary)


def conversations_chart(summary: pd.DataFrame) -> go.Figure:
    """Loaded conversations per day, coloured by the day's status; rejected stacked on top."""
    attempted = summary[summary["status"] != MISSING]
    traces = [
        go.Bar(
            x=rows["partition"],
            y=rows["conversations_loaded"],
            name=status,
            marker_color=STATUS_COLORS.get(status, "#607d8b"),
        )
        for status, rows in attempted.groupby("status", sort=False)
    ]
    traces.append(
        go.Bar(x=summary["partition"], y=summary["conversations_rejected"], name="rejected", marker_color="#7b1fa2")
    )
    return _figure("Conversations loaded per day (by status)", summary, traces)


def completeness_chart(summary: pd.DataFrame) -> go.Figure:
    """Completeness (loaded ÷ fetched) and the reconciliation delta against Genesys's aggregates."""
    figure = make_subplots(specs=[[{"secondary_y": True}]])
    figure.add_trace(
        go.Bar(
            x=summary["partition"],
            y=summary["conversations_delta"],
            name="Δ conversations vs aggregates",
            marker_color="#90a4ae",
            opacity=0.7,
        ),
        secondary_y=True,
    )
    figure.add_trace(
        go.Scatter(
            x=summary["partition"],
            y=summary["completeness_rate"] * 100,
            name="completeness %",
            mode="lines+markers",
            line_color="#1565c0",
            connectgaps=False,
        ),
        secondary_y=False,
    )
    deltas = pd.to_numeric(summary["conversations_delta"], errors="coerce").fillna(0)
    low, high = min(0, int(deltas.min())), max(1, int(deltas.max()))
    figure.update_yaxes(title_text="%", range=[0, 105], secondary_y=False)
    figure.update_yaxes(
        title_text="Δ",
        showgrid=False,
        range=[low, high * 1.1],
        dtick=max(1, math.ceil((high - low) / 4)),
        secondary_y=True,
    )
    figure.update_layout(title=dict(text="Completeness and reconciliation", x=0.01), **_LAYOUT)
    return _days_axis(figure, summary)


def api_chart(summary: pd.DataFrame) -> go.Figure:
    return _figure(
        "Genesys API use per day",
        summary,
        [
            go.Bar(x=summary["partition"], y=summary["api_requests"], name="requests", marker_color="#5c6bc0"),
            go.Bar(x=summary["partition"], y=summary["api_retries"], name="retries", marker_color="#ffa726"),
            go.Bar(x=summary["partition"], y=summary["api_throttled"], name="429s", marker_color="#e53935"),
        ],
        barmode="group",
    )


def duration_chart(summary: pd.DataFrame) -> go.Figure:
    return _figure(
        "Durations of the latest attempt (seconds)",
        summary,
        [
            go.Bar(x=summary["partition"], y=summary["extract_seconds"], name="extract", marker_color="#26a69a"),
            go.Bar(x=summary["partition"], y=summary["load_seconds"], name="load", marker_color="#8d6e63"),
        ],
    )


def _status_cell(status: object) -> str:
    color = STATUS_COLORS.get(str(status))
    return f"background-color: {color}; color: white; font-weight: 600" if color else ""


def _timestamp(value: object) -> str:
    return "" if pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d %H:%M UTC")


def table_html(summary: pd.DataFrame) -> str:
    """The per-day table, newest day first."""
    table = summary.iloc[::-1].reindex(columns=list(TABLE_COLUMNS)).rename(columns=TABLE_COLUMNS)
    styler = (
        table.style.hide(axis="index")
        .map(_status_cell, subset=["Status"])
        .format(na_rep="", precision=0, thousands=",", escape="html")
        .format("{:.2%}", subset=["Completeness"], na_rep="")
        .format("{:.1f}", subset=["Extract s", "Load s"], na_rep="")
        .format(_timestamp, subset=["Last extracted"])
        .set_table_attributes('class="days"')
    )
    return styler.to_html()


def _tiles(totals: HealthTotals) -> str:
    statuses = "<br>".join(
        f'<span style="color:{STATUS_COLORS[s]}">{n} {s}</span>' for s, n in totals.by_status.items()
    )
    lowest = "–" if totals.lowest_completeness is None else f"{totals.lowest_completeness:.2%}"
    tiles = [
        (f"{totals.days} days", f'<span class="small">{statuses}</span>'),
        ("Conversations loaded", f"{totals.conversations_loaded:,}"),
        ("Lowest completeness", lowest),
        ("Open conversations", f"{totals.open_conversations:,}"),
        ("API requests", f"{totals.api_requests:,}"),
        ("429 responses", f"{totals.api_throttled:,}"),
    ]
    return "".join(
        f'<div class="tile"><div class="label">{label}</div><div class="value">{value}</div></div>'
        for label, value in tiles
    )


def _plotly_script(plotly_js: str) -> str:
    if plotly_js == INLINE:
        return f'<script type="text/javascript">{get_plotlyjs()}</script>'
    return f'<script src="{html.escape(plotly_js)}"></script>'


_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 16px 24px; \
color: #1f2933; background: #fff; }
h1 { font-size: 20px; margin: 0 0 4px; } .sub { color: #616e7c; font-size: 13px; margin-bottom: 16px; }
.tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr)); gap: 12px; margin-bottom: 16px; }
.tile { border: 1px solid #e4e7eb; border-radius: 8px; padding: 10px 14px; }
.tile .label { font-size: 12px; color: #616e7c; } .tile .value { font-size: 20px; font-weight: 600; margin-top: 4px; }
.tile .small { font-size: 13px; line-height: 1.35; display: block; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(480px, 1fr)); gap: 12px; }
.chart { border: 1px solid #e4e7eb; border-radius: 8px; padding: 4px; min-width: 0; }
.table-wrap { overflow-x: auto; margin-top: 16px; }
table.days { border-collapse: collapse; font-size: 12px; white-space: nowrap; }
table.days th { background: #f5f7fa; text-align: left; position: sticky; top: 0; }
table.days th, table.days td { border-bottom: 1px solid #e4e7eb; padding: 4px 8px; }
.empty { padding: 24px; border: 1px dashed #cbd2d9; border-radius: 8px; color: #52606d; }
"""


def _document(title: str, body: str, plotly_js: str) -> str:
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f"<style>{_STYLE}</style>{_plotly_script(plotly_js)}</head><body>{body}</body></html>"
    )


def render_summary(summary: pd.DataFrame, *, generated_at: datetime, plotly_js: str = INLINE, source: str = "") -> str:
    """The page for an already aggregated summary (see :func:`partition_summary`)."""
    first, last = summary["partition"].iloc[0], summary["partition"].iloc[-1]
    title = f"Genesys sync health: {first} to {last}"
    subtitle = f"{len(summary)} days · generated {generated_at:%Y-%m-%d %H:%M} UTC" + (
        f" · {html.escape(source)}" if source else ""
    )
    header = f'<h1>{html.escape(title)}</h1><div class="sub">{subtitle}</div>'
    if summary["attempts"].sum() == 0:
        body = (
            header + '<div class="empty">No sync has recorded an attempt for these days yet '
            "(table <code>sync_audit</code>).</div>"
        )
        return _document(title, body, plotly_js)
    charts = "".join(
        '<div class="chart">'
        f"{figure.to_html(full_html=False, include_plotlyjs=False, config={'displayModeBar': False})}</div>"
        for figure in (
            conversations_chart(summary),
            completeness_chart(summary),
            api_chart(summary),
            duration_chart(summary),
        )
    )
    body = (
        f'{header}<div class="tiles">{_tiles(HealthTotals.of(summary))}</div><div class="charts">{charts}</div>'
        f'<div class="table-wrap">{table_html(summary)}</div>'
    )
    return _document(title, body, plotly_js)


def render_health_page(
    engine: Engine, days: int = 30, end: date | None = None, plotly_js: str = INLINE, source: str = ""
) -> str:
    """Read the warehouse and render the page for the ``days`` days ending at ``end``
    (default: yesterday, or the newest audited day if that is later)."""
    last = end or default_end()
    sources = read_sources(engine, date.fromisoformat(window_days(days, last)[0]))
    if end is None and not sources.audit.empty:
        last = max(last, date.fromisoformat(sources.audit["partition"].max()))
    summary = partition_summary(sources, days, last)
    return render_summary(summary, generated_at=datetime.now(UTC), plotly_js=plotly_js, source=source)
