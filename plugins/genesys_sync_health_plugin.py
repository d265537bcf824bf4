"""Registers the Genesys sync-health page with Airflow: an app in the api-server and its navigation entry."""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

from genesys_cloud.ui.lazy_asgi import LazyASGIApp

PAGE_NAME = "Genesys sync health"
URL_PREFIX = "/genesys-sync-health"
URL_ROUTE = "genesys-sync-health"  # the UI shows the page at /plugin/<URL_ROUTE>


class GenesysSyncHealthPlugin(AirflowPlugin):
    name = "genesys_sync_health"
    fastapi_apps = [
        {"app": LazyASGIApp("genesys_cloud.ui.sync_health:app"), "url_prefix": URL_PREFIX, "name": PAGE_NAME}
    ]
    external_views = [
        {
            "name": PAGE_NAME,
            "href": f"{URL_PREFIX.lstrip('/')}/",  # relative: follows the UI's base URL
            "url_route": URL_ROUTE,
            "destination": "nav",
            "category": "browse",
        }
    ]
