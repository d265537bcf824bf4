"""The sync-health page as one HTML document: the days of data first, then the runs that synced them.

Day-level figures (what the warehouse holds per day, who extracted it, its reconciliation) and
run-level figures (API use, durations, what each load wrote) are in separate sections with
separate totals, so no run's window is counted against one day. plotly.js is either inlined
(``make report``: a single file that works offline) or referenced by URL (the Airflow plugin
serves it once, cached, beside the page). The tables are pandas' Styler; the only hand-written
markup is the page frame and its stylesheet.
"""

from __future__ import annotations

import html
import math
from datetime import UTC, date, datetime

import pandas as pd
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs
from sqlalchemy import Engine

from genesys_pipeline.health.agent_days import agent_summary, read_holdings
from genesys_pipeline.health.agent_section import agent_section_html, has_activity
from genesys_pipeline.health.parts import (
    STATUS_COLORS,
    charts_html,
    days_axis,
    days_tile,
    ms_text,
    styled_table,
    tiles_html,
    titled_figure,
)
from genesys_pipeline.health.queue_cells import queue_day
from genesys_pipeline.health.queue_map import queue_map_html
from genesys_pipeline.health.runs import run_summary
from genesys_pipeline.health.sources import DAY_PATTERN, read_sources
from genesys_pipeline.health.summary import (
    HealthTotals,
    default_end,
    partition_summary,
    window_days,
)

INLINE = "inline"
DAY_COLUMNS = {
    "partition": "Day",
    "status": "Status",
    "conversations": "In warehouse",
    "open_conversations": "Open",
    "genesys_offered": "Offered (Genesys)",
    "reconciliation": "Reconciliation",
    "conversations_delta": "Δ vs aggregates",
    "cells_compared": "KPI cells compared",
    "cells_differing": "KPI cells differing",
    "largest_difference": "Largest KPI Δ",
    "last_extracted_at": "Last extracted",
    "extracted_by": "Extracted by",
    "extracted_by_run": "Extracting run",
}
RUN_COLUMNS = {
    "run_id": "Run",
    "partition": "Synced",
    "status": "Status",
    "attempts": "Attempts",
    "fetched": "Fetched",
    "written": "Written",
    "unchanged": "Unchanged",
    "skipped_older": "Skipped as older",
    "rejected": "Rejected",
    "erased": "Erased",
    "api_requests": "API requests",
    "api_retries": "Retries",
    "api_throttled": "429s",
    "durations": "Extract / load s",
    "recorded_at": "Recorded",
}


def conversations_chart(summary: pd.DataFrame) -> go.Figure:
    """Conversations the warehouse holds per day, coloured by the day's status; Genesys's count beside."""
    traces: list[go.BaseTraceType] = [
        go.Bar(x=rows["partition"], y=rows["conversations"], name=status, marker_color=STATUS_COLORS.get(status))
        for status, rows in summary.groupby("status", sort=False)
    ]
    traces.append(
        go.Scatter(
            x=summary["partition"],
            y=summary["genesys_offered"],
            name="offered (Genesys)",
            mode="markers",
            marker=dict(color="#1565c0", symbol="line-ew-open", size=18, line=dict(width=2)),
        )
    )
    return days_axis(titled_figure("Conversations in the warehouse per day", traces), summary)


def reconciliation_chart(summary: pd.DataFrame) -> go.Figure:
    """The latest reconciliation delta of each day against Genesys's aggregates."""
    deltas = pd.to_numeric(summary["conversations_delta"], errors="coerce")
    low, high = min(0, int(deltas.fillna(0).min())), max(1, int(deltas.fillna(0).max()))
    figure = titled_figure(
        "Latest reconciliation per day (Δ vs Genesys)",
        [go.Bar(x=summary["partition"], y=deltas, name="Δ", marker_color="#90a4ae")],
    )
    figure.update_yaxes(range=[low, high * 1.1], dtick=max(1, math.ceil((high - low) / 4)))
    return days_axis(figure, summary)


def _run_labels(runs: pd.DataFrame) -> list[str]:
    """Oldest run first, each named by the day it synced and when it was recorded (a category axis)."""
    return [f"#{n} {row.partition}<br>{row.recorded_at:%m-%d %H:%M}" for n, row in enumerate(runs.itertuples(), 1)]


def api_chart(runs: pd.DataFrame) -> go.Figure:
    ordered = runs.iloc[::-1]
    return titled_figure(
        "Genesys API use per run",
        [
            go.Bar(x=_run_labels(ordered), y=ordered[column], name=name, marker_color=color)
            for column, name, color in (
                ("api_requests", "requests", "#5c6bc0"),
                ("api_retries", "retries", "#ffa726"),
                ("api_throttled", "429s", "#e53935"),
            )
        ],
        barmode="group",
    )


def duration_chart(runs: pd.DataFrame) -> go.Figure:
    ordered = runs.iloc[::-1]
    return titled_figure(
        "Durations per run, latest attempt (seconds)",
        [
            go.Bar(x=_run_labels(ordered), y=ordered["extract_seconds"], name="extract", marker_color="#26a69a"),
            go.Bar(x=_run_labels(ordered), y=ordered["load_seconds"], name="load", marker_color="#8d6e63"),
        ],
    )


def days_table_html(summary: pd.DataFrame) -> str:
    """The per-day table, newest day first."""
    table = summary.iloc[::-1].reindex(columns=list(DAY_COLUMNS)).rename(columns=DAY_COLUMNS)
    # Milliseconds, shown unrounded: the table's precision=0 would print a 0.4 ms difference as 0.
    largest = DAY_COLUMNS["largest_difference"]
    table[largest] = table[largest].map(lambda v: None if pd.isna(v) else ms_text(float(v)))
    return styled_table(table, "days", ["Extracting run"], ["Last extracted"])


def runs_table_html(runs: pd.DataFrame) -> str:
    """The per-run table, newest run first."""
    table = runs.assign(durations=runs.apply(_durations, axis=1) if len(runs) else None)
    table = table.reindex(columns=list(RUN_COLUMNS)).rename(columns=RUN_COLUMNS)
    return styled_table(table, "runs", ["Run"], ["Recorded"])


def _durations(run: pd.Series) -> str:
    seconds = [run[column] for column in ("extract_seconds", "load_seconds")]
    return " / ".join("–" if pd.isna(value) else f"{value:.1f}" for value in seconds)


def day_tiles(totals: HealthTotals) -> str:
    return tiles_html(
        [
            days_tile(totals.days, totals.by_status),
            ("Conversations in the warehouse", f"{totals.conversations:,}"),
            ("Still open", f"{totals.open_conversations:,}"),
            ("Days with data", f"{totals.days_with_data:,}"),
        ]
    )


def run_tiles(runs: pd.DataFrame) -> str:
    def total(column: str) -> int:
        return int(pd.to_numeric(runs[column], errors="coerce").fillna(0).sum())

    failed = int(runs["status"].isin(["failed", "retry"]).sum())
    return tiles_html(
        [
            ("Runs", f"{len(runs):,}" + (f' <span class="small">({failed} failed)</span>' if failed else "")),
            ("API requests", f"{total('api_requests'):,}"),
            ("Retries", f"{total('api_retries'):,}"),
            ("429 responses", f"{total('api_throttled'):,}"),
        ]
    )


def _plotly_script(plotly_js: str) -> str:
    if plotly_js == INLINE:
        return f'<script type="text/javascript">{get_plotlyjs()}</script>'
    return f'<script src="{html.escape(plotly_js)}"></script>'


_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 16px 24px; \
color: #1f2933; background: #fff; }
h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 20px 0 8px; }
.sub { color: #616e7c; font-size: 13px; margin-bottom: 16px; } .note { color: #616e7c; font-size: 12px; }
.tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr)); gap: 12px; margin-bottom: 16px; }
.tile { border: 1px solid #e4e7eb; border-radius: 8px; padding: 10px 14px; }
.tile .label { font-size: 12px; color: #616e7c; } .tile .value { font-size: 20px; font-weight: 600; margin-top: 4px; }
.tile .small { font-size: 13px; line-height: 1.35; display: block; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 12px; }
.chart { border: 1px solid #e4e7eb; border-radius: 8px; padding: 4px; min-width: 0; }
.table-wrap { overflow-x: auto; margin-top: 12px; max-width: 100%; }
table.days, table.runs, table.agents, table.queue-cells { border-collapse: collapse; font-size: 12px; width: 100%; \
table-layout: auto; }
table th { background: #f5f7fa; text-align: left; position: sticky; top: 0; white-space: normal; }
table td { white-space: normal; } table td:first-child { white-space: nowrap; }
table th, table td { border-bottom: 1px solid #e4e7eb; padding: 3px 5px; }
.chart.wide { margin-top: 8px; }
.empty { padding: 24px; border: 1px dashed #cbd2d9; border-radius: 8px; color: #52606d; }
"""
_DAYS_NOTE = (
    "Per day of data: what the warehouse holds now (counted from <code>conversations</code>), when the day was "
    "last extracted whole and by which run (its own, a later day's lookback, a manual window or the refresh), "
    "and its latest reconciliation. <b>covered</b>: extracted by another run's window; <b>partial</b>: holds "
    "conversations but was never extracted whole."
)
_RUNS_NOTE = (
    "Per Airflow run, its latest attempt: a run's window may cover several days, so these are the run's "
    "numbers, not a day's. <b>Written</b>: new or changed content; <b>unchanged</b>: same content, not "
    "rewritten; <b>skipped as older</b>: the warehouse already held a fresher copy."
)


def _document(title: str, body: str, plotly_js: str) -> str:
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f"<style>{_STYLE}</style>{_plotly_script(plotly_js)}</head><body>{body}</body></html>"
    )


def render_summary(
    summary: pd.DataFrame,
    runs: pd.DataFrame,
    *,
    generated_at: datetime,
    plotly_js: str = INLINE,
    source: str = "",
    queue_map: str = "",
    agent_days: pd.DataFrame | None = None,
) -> str:
    """The page for an already aggregated day summary (:func:`partition_summary`) and run summary;
    ``queue_map`` is that section already drawn (:mod:`.queue_map`; "": no day to map), ``agent_days`` the
    agent-activity summary (:func:`.agent_days.agent_summary`; ``None``: no such section)."""
    first, last = summary["partition"].iloc[0], summary["partition"].iloc[-1]
    title = f"Genesys sync health: {first} to {last}"
    subtitle = f"{len(summary)} days · generated {generated_at:%Y-%m-%d %H:%M} UTC" + (
        f" · {html.escape(source)}" if source else ""
    )
    header = f'<h1>{html.escape(title)}</h1><div class="sub">{subtitle}</div>'
    agents = "" if agent_days is None else agent_section_html(agent_days)
    quiet = runs.empty and summary["conversations"].sum() == 0 and not queue_map
    if quiet and (agent_days is None or not has_activity(agent_days)):
        body = (
            header + '<div class="empty">No sync has recorded an attempt for these days yet '
            "(table <code>sync_audit</code>).</div>"
        )
        return _document(title, body, plotly_js)
    days = (
        f'<h2>Days of data</h2><div class="note">{_DAYS_NOTE}</div>'
        f'<div class="tiles">{day_tiles(HealthTotals.of(summary))}</div>'
        f"{charts_html([conversations_chart(summary), reconciliation_chart(summary)])}"
        f'<div class="table-wrap">{days_table_html(summary)}</div>'
    )
    run_section = f'<h2>Runs</h2><div class="note">{_RUNS_NOTE}</div>'
    if runs.empty:
        run_section += '<div class="empty">No run recorded for these days.</div>'
    else:
        run_section += (
            f'<div class="tiles">{run_tiles(runs)}</div>{charts_html([api_chart(runs), duration_chart(runs)])}'
            f'<div class="table-wrap">{runs_table_html(runs)}</div>'
        )
    return _document(title, header + days + queue_map + run_section + agents, plotly_js)


def latest_reconciled_day(audit: pd.DataFrame, last: date) -> date | None:
    """The newest day up to ``last`` whose own run recorded a reconciliation: the queue map's default day."""
    if audit.empty:
        return None
    reconciled = audit["reconciliation"].map(lambda r: bool((r or {}).get("status")))
    days = audit.loc[reconciled & audit["partition"].str.fullmatch(DAY_PATTERN.pattern), "partition"]
    days = days[days <= last.isoformat()]
    return date.fromisoformat(max(days)) if len(days) else None


def render_health_page(
    engine: Engine,
    days: int = 30,
    end: date | None = None,
    plotly_js: str = INLINE,
    source: str = "",
    map_day: date | None = None,
) -> str:
    """Read the warehouse and render the page for the ``days`` days ending at ``end``
    (default: yesterday, or the newest audited day if that is later). The queue map shows
    ``map_day`` (default: the newest day up to the window's end with a reconciliation; none: no map)."""
    last = end or default_end()
    sources = read_sources(engine, date.fromisoformat(window_days(days, last)[0]))
    audited_days = sources.audit["partition"][sources.audit["partition"].str.len() == 10] if len(sources.audit) else []
    if end is None and len(audited_days):
        last = max(last, date.fromisoformat(max(audited_days)))
    summary = partition_summary(sources, days, last)
    audit = sources.audit
    runs = run_summary(audit[audit["partition"] <= last.isoformat()] if len(audit) else audit)
    shown = map_day or latest_reconciled_day(audit, last)
    since = date.fromisoformat(window_days(days, last)[0])
    agent_days = agent_summary(read_holdings(engine, since), sources.agent_audit, days, last)
    return render_summary(
        summary,
        runs,
        generated_at=datetime.now(UTC),
        plotly_js=plotly_js,
        source=source,
        queue_map="" if shown is None else queue_map_html(queue_day(engine, shown)),
        agent_days=agent_days,
    )
