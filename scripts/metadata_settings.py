"""`make airflow`'s connections and Variables, stored in the metadata DB instead of environment variables.

Environment variables (``AIRFLOW_CONN_*``, ``AIRFLOW_VAR_*``) work but are invisible in the UI,
and they win over the database, so an edit in the UI would be silently ignored. Here they are
taken out of the environment and imported: the Connections and Variables pages show them, a
user can edit them, and the Test button checks the Genesys connection. Connections are
overwritten on every start, because the emulator's port changes. Variables are created only when
missing, so values edited in the UI stay. The import files hold a secret (the emulator's), so
they are written user-only and deleted at once.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from local_env import run_airflow

CONN_PREFIX, VAR_PREFIX = "AIRFLOW_CONN_", "AIRFLOW_VAR_"
GENESYS_CONN_ID = "genesys_cloud_default"
GENESYS_CONN_TYPE = "genesys_cloud"  # genesys_cloud/provider_info.py: its Test button asks our hook


def split_settings(env: dict[str, str]) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """Remove the connection and Variable environment variables from ``env``; return them by id / name."""
    connections = {
        name[len(CONN_PREFIX) :].lower(): json.loads(env.pop(name))
        for name in [n for n in env if n.startswith(CONN_PREFIX)]
    }
    variables = {
        name[len(VAR_PREFIX) :].lower(): env.pop(name) for name in [n for n in env if n.startswith(VAR_PREFIX)]
    }
    if GENESYS_CONN_ID in connections:
        connections[GENESYS_CONN_ID]["conn_type"] = GENESYS_CONN_TYPE
    for connection in connections.values():
        if isinstance(connection.get("extra"), dict):
            connection["extra"] = json.dumps(connection["extra"])
    return connections, variables


def store_in_metadata_db(env: dict[str, str], home: Path) -> tuple[list[str], list[str]]:
    """Move ``env``'s connections and Variables into the metadata DB ``env`` points at; returns their ids."""
    connections, variables = split_settings(env)
    if connections:
        _import(env, home, connections, "connections", "import", "--overwrite")
    if variables:
        _import(env, home, variables, "variables", "import", "--action-on-existing-key", "skip")
    return sorted(connections), sorted(variables)


def _import(env: dict[str, str], home: Path, content: dict[str, Any], *command: str) -> None:
    descriptor, name = tempfile.mkstemp(suffix=".json", dir=home)  # mode 0600
    try:
        with os.fdopen(descriptor, "w") as file:
            json.dump(content, file)
        run_airflow(env, *command[:2], name, *command[2:])
    finally:
        os.unlink(name)
