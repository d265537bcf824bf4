"""This package as an Airflow provider: the ``genesys_cloud`` connection type answered by our hook.

Registered through the ``apache_airflow_provider`` entry point (pyproject.toml). With it the UI's
connection form offers "Genesys Cloud" with its own field labels, and the Test button
(``[core] test_connection = Enabled``) calls :meth:`GenesysCloudHook.test_connection`, which gets
a token and reads the data-availability watermark. A stock ``http`` connection keeps working for
the pipeline, but its Test button would ask the HTTP provider's hook instead.
"""

from __future__ import annotations

from typing import Any

CONNECTION_TYPE = "genesys_cloud"


def get_provider_info() -> dict[str, Any]:
    return {
        "package-name": "genesys-warehouse-sync",
        "name": "Genesys Cloud",
        "description": "Genesys Cloud conversation details into a SQL warehouse.",
        "versions": ["0.1.0"],
        "connection-types": [
            {"connection-type": CONNECTION_TYPE, "hook-class-name": "genesys_cloud.hook.GenesysCloudHook"},
        ],
    }
