"""The rendered page: every day in the table, one chart per view, plotly.js inline or by URL, escaping."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from plotly.offline import get_plotlyjs

from genesys_pipeline.health import render_health_page
from genesys_pipeline.health.summary import default_end
from genesys_pipeline.report.audit import AuditRecord, write_audit
from genesys_pipeline.warehouse.engine import create_warehouse_engine
from tests.support.health_world import END, write_attempts


@pytest.fixture()
def engine(sqlite_url):
    engine = create_warehouse_engine(sqlite_url)
    yield engine
    engine.dispose()


def table_rows(page: str, table: str = "days") -> list[list[str]]:
    body = page[page.index(f'class="{table}"') :]
    body = body[: body.index("</table>")]
    return [re.findall(r"<td[^>]*>(.*?)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)[1:]]


def test_page_shows_every_day_newest_first_with_four_charts(engine):
    write_attempts(engine)
    page = render_health_page(engine, days=7, end=END, plotly_js="plotly.min.js")
    rows = table_rows(page)
    assert [row[0] for row in rows] == [f"2026-11-{d}" for d in range(24, 17, -1)]
    assert [row[1] for row in rows] == ["missing", "failed", "incomplete", "success", "missing", "success", "missing"]
    runs = table_rows(page, "runs")
    assert [row[0] for row in runs] == [f"run-{n}" for n in range(5, 0, -1)]  # newest first
    assert "Days of data" in page and "Skipped as older" in page
    assert page.count('class="plotly-graph-div"') == 4
    assert '<script src="plotly.min.js"></script>' in page and get_plotlyjs()[:200] not in page
    assert "2026-11-18 to 2026-11-24" in page


def test_inline_page_carries_plotly_js(engine):
    write_attempts(engine)
    page = render_health_page(engine, days=7, end=END)
    assert get_plotlyjs()[:200] in page and 'src="plotly.min.js"' not in page


def test_page_without_any_attempt_says_so(engine):
    page = render_health_page(engine, days=3, end=END)
    assert "No sync has recorded an attempt" in page and "plotly-graph-div" not in page


def test_window_ends_yesterday_or_at_a_newer_audited_day(engine):
    ahead = default_end() + timedelta(days=3)  # a manual run may sync a day after "yesterday"
    write_audit(
        engine, AuditRecord(dag_id="d", run_id="r", try_number=1, partition=ahead.isoformat(), status="success")
    )
    assert [row[0] for row in table_rows(render_health_page(engine, days=5))] == [
        (ahead - timedelta(days=n)).isoformat() for n in range(5)
    ]


def test_values_are_html_escaped(engine):
    write_audit(
        engine,
        AuditRecord(
            dag_id="d", run_id="<script>alert(1)</script>", try_number=1, partition="2026-11-24", status="failed"
        ),
    )
    page = render_health_page(engine, days=1, end=END, plotly_js="plotly.min.js")
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
