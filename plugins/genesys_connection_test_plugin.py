"""Registers the Test-button fix (``genesys_cloud.ui.connection_test``) as an api-server root middleware."""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

from genesys_cloud.ui.connection_test import EmptyPortConnectionTest


class GenesysConnectionTestPlugin(AirflowPlugin):
    name = "genesys_connection_test"
    fastapi_root_middlewares = [
        {"middleware": EmptyPortConnectionTest, "args": [], "kwargs": {}, "name": "Test button: empty port is no port"}
    ]
