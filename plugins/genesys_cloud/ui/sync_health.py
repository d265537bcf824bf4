"""The sync-health page as a FastAPI app for Airflow's api-server.

Linked from the UI's navigation as an external view, so the page opens inside Airflow (in its
plugin frame) for any logged-in user allowed to read DAG runs; the check is Airflow's own
auth dependency, which reads the UI's session cookie. The warehouse is the
``genesys_warehouse`` connection, looked up per request (an edited connection applies at
once) through a short-lived engine. Rendering lives in :mod:`genesys_pipeline.health`.
Registered by ``plugins/genesys_sync_health_plugin.py`` and imported on the first request
only (see :mod:`genesys_cloud.ui.lazy_asgi`).
"""

from __future__ import annotations

import html
from functools import cache

from airflow.api_fastapi.auth.managers.models.resource_details import DagAccessEntity
from airflow.api_fastapi.core_api.security import requires_access_dag
from fastapi import Depends, FastAPI, Query
from fastapi.responses import HTMLResponse, Response

from genesys_cloud.warehouse_connection import WAREHOUSE_CONN_ID, warehouse_engine
from genesys_pipeline.health import render_health_page
from genesys_pipeline.health.summary import MAX_DAYS

PLOTLY_JS = "plotly.min.js"  # relative to the page, so it works under any api-server base URL

app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
can_read_runs = Depends(requires_access_dag("GET", DagAccessEntity.RUN))


@app.get("/", response_class=HTMLResponse, dependencies=[can_read_runs])
def sync_health_page(days: int = Query(30, ge=1, le=MAX_DAYS)) -> HTMLResponse:
    """The page for the last ``days`` days (a sync route: FastAPI runs it in a worker thread)."""
    try:
        engine = warehouse_engine()
    except Exception as error:  # missing or unusable connection: say which, never its fields
        message = f"The warehouse connection {WAREHOUSE_CONN_ID!r} is not usable ({type(error).__name__})."
        return HTMLResponse(f"<p>{html.escape(message)}</p>", status_code=503)
    try:
        page = render_health_page(engine, days=days, plotly_js=PLOTLY_JS, source=f"connection {WAREHOUSE_CONN_ID}")
    finally:
        engine.dispose()
    return HTMLResponse(page, headers={"Cache-Control": "no-store"})


@app.get(f"/{PLOTLY_JS}", dependencies=[can_read_runs])
def plotly_js() -> Response:
    """The installed plotly package's plotly.js, served by Airflow itself (the page works offline)."""
    return Response(_plotly_bundle(), media_type="text/javascript", headers={"Cache-Control": "max-age=86400"})


@cache
def _plotly_bundle() -> str:
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()
