"""This package as an Airflow provider: the ``genesys_cloud`` connection type answered by our hook.

Registered through the ``apache_airflow_provider`` entry point (pyproject.toml). Airflow 3.3 builds
the connection form from this dict alone (``ProvidersManager._load_ui_metadata``): ``hook-name``
is the type's name in the form's type list, and ``ui-field-behaviour`` relabels, hides and fills
placeholders of the standard fields. A hook's own ``get_ui_field_behaviour()`` is read only when
the provider info has no ``ui-field-behaviour`` (and is deprecated since 3.2), so this is the one
declaration. The Test button (``[core] test_connection = Enabled``) calls
:meth:`GenesysCloudHook.test_connection`, which gets a token and reads the data-availability
watermark. A stock ``http`` connection keeps working for the pipeline, but its Test button would
ask the HTTP provider's hook instead.

Port and schema are hidden: the host field takes a region (``mypurecloud.ie``, ``eu_west_1``) or a
whole base URL, port included. The options in ``extra`` are the fields of
:class:`genesys_cloud.api.settings.GenesysSettings` (unknown keys are refused); the placeholder
is for UIs that show one (3.3's React form shows none for ``extra``); README "Connections" lists them all.
"""

from __future__ import annotations

from typing import Any

CONNECTION_TYPE = "genesys_cloud"
HOOK_NAME = "Genesys Cloud"
EXTRA_EXAMPLE = (
    '{"results_page_size": 1000, "rate_budget_per_minute": 240, "max_concurrent_jobs": 5, '
    '"rate_budget_backend": "local", "allow_insecure_http": false}'
)
# The standard fields in Genesys's terms, in the kebab-case keys ProvidersManager reads.
UI_FIELD_BEHAVIOUR: dict[str, Any] = {
    "hidden-fields": ["port", "schema"],
    "relabeling": {"login": "Client ID", "password": "Client secret", "host": "Region or base URL"},
    "placeholders": {
        "login": "OAuth client id (client-credentials grant)",
        "password": "OAuth client secret",
        "host": "mypurecloud.ie, eu_west_1 or http://127.0.0.1:8089",
        "extra": EXTRA_EXAMPLE,
    },
}


def get_provider_info() -> dict[str, Any]:
    return {
        "package-name": "genesys-warehouse-sync",
        "name": "Genesys Cloud",
        "description": "Genesys Cloud conversation details into a SQL warehouse.",
        "versions": ["0.1.0"],
        "connection-types": [
            {
                "connection-type": CONNECTION_TYPE,
                "hook-class-name": "genesys_cloud.hook.GenesysCloudHook",
                "hook-name": HOOK_NAME,
                "ui-field-behaviour": UI_FIELD_BEHAVIOUR,
            },
        ],
    }
